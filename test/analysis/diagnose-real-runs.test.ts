import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { analyzeRunDirectory } from '../../src/analysis/analyze-run.js';
import type { FindingsDocument } from '../../src/analysis/findings.js';
import { severityRank } from '../../src/analysis/findings.js';
import { runWith } from '../../src/cli/run.js';
import { nodeCollector } from '../../src/collect/collectors/node.js';
import { pythonCollector } from '../../src/collect/collectors/python.js';
import { systemCollector } from '../../src/collect/collectors/system.js';

// Real targets run under the real collectors; the registry is passed in so these tests do not
// depend on collectors that are not needed here.
const registry = [systemCollector, nodeCollector, pythonCollector];
const quiet = { stdout: () => {}, stderr: () => {} };

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'autoprof-diagnose-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function profile(
  name: string,
  file: string,
  source: string,
  argv: string[],
): Promise<FindingsDocument> {
  const path = join(dir, file);
  writeFileSync(path, source);
  const out = join(dir, `${name}-out`);
  const status = await runWith(['--out', out, '--', ...argv, path], quiet, registry);
  assert.equal(status, 0);
  return (await analyzeRunDirectory(out)).findings;
}

function assertEvidenceHasUnits(doc: FindingsDocument): void {
  for (const f of doc.findings) {
    assert.ok(Object.keys(f.evidence).length > 0, `${f.id} has evidence`);
    for (const [k, v] of Object.entries(f.evidence)) {
      assert.equal(typeof v.value, 'number', `${f.id}.${k} is a number`);
      assert.ok(Number.isFinite(v.value), `${f.id}.${k} is finite`);
      assert.ok(v.unit.length > 0, `${f.id}.${k} has a unit`);
    }
  }
}

function onlyHotspotsAtMedium(doc: FindingsDocument): void {
  const loud = doc.findings.filter(
    (f) => f.category !== 'cpu-hotspot' && severityRank(f.severity) >= severityRank('medium'),
  );
  assert.deepEqual(
    loud.map((f) => `${f.category} ${f.severity} ${f.title}`),
    [],
  );
}

describe('diagnosis of real runs', () => {
  test('node: a RegExp built per call is a regex finding at the calling function', async () => {
    const doc = await profile(
      'node-regex',
      'regex.js',
      `'use strict';
function isValid(s) {
  const re = new RegExp('^[a-z]+' + '\\\\d{2,4}$');
  return re.test(s);
}
function main() {
  let n = 0;
  const end = Date.now() + 900;
  while (Date.now() < end) for (let i = 0; i < 1000; i++) if (isValid('abc' + i)) n++;
  console.log(n);
}
main();
`,
      ['node'],
    );
    const regex = doc.findings.find((f) => f.category === 'regex');
    assert.ok(regex, `a regex finding (got ${doc.findings.map((f) => f.category).join(', ')})`);
    assert.equal(regex.location.function, 'isValid');
    assert.equal(regex.location.line, 3);
    assert.ok(regex.stack.includes('main'), 'the stack shows the path from main');
    assert.equal(doc.classification.kind, 'cpu-bound');
    assertEvidenceHasUnits(doc);
  });

  test('python: json.dumps in a loop is a serialization finding at the caller', async () => {
    const doc = await profile(
      'py-json',
      'encode.py',
      `import json, time
def encode_all(items):
    return [json.dumps(it) for it in items]
def main():
    data = [{"id": i, "tags": ["a", "b"], "name": "x" * 30} for i in range(2000)]
    end = time.time() + 0.9
    while time.time() < end:
        encode_all(data)
main()
`,
      ['python3'],
    );
    const ser = doc.findings.find((f) => f.category === 'serialization');
    assert.ok(ser, `a serialization finding (got ${doc.findings.map((f) => f.category).join(', ')})`);
    assert.match(ser.location.function, /encode_all/);
    assert.equal(ser.location.line, 3);
    assert.ok(Number(ser.evidence.cpu_share?.value) > 30, 'json is most of the CPU');
    assertEvidenceHasUnits(doc);
  });

  test('python: a sleep-dominated program is waiting, with a sleep-wait finding', async () => {
    const doc = await profile(
      'py-sleep',
      'sleepy.py',
      `import time
def poll():
    for _ in range(12):
        time.sleep(0.1)
poll()
`,
      ['python3'],
    );
    assert.equal(doc.classification.kind, 'waiting');
    const sleep = doc.findings.find((f) => f.category === 'sleep-wait');
    assert.ok(sleep, 'a sleep-wait finding');
    assert.equal(sleep.location.function, 'poll');
    onlyHotspotsAtMedium({ ...doc, findings: doc.findings.filter((f) => f.category !== 'sleep-wait') });
  });

  test('node: a pure compute loop yields nothing at medium or above but cpu-hotspot', async () => {
    const doc = await profile(
      'node-compute',
      'compute.js',
      `'use strict';
function collatz(n) { let steps = 0; while (n !== 1) { n = n % 2 ? 3 * n + 1 : n / 2; steps++; } return steps; }
function main() {
  let best = 0;
  const end = Date.now() + 900;
  for (let i = 1; Date.now() < end; i++) best = Math.max(best, collatz(i));
  console.log(best);
}
main();
`,
      ['node'],
    );
    assert.equal(doc.classification.kind, 'cpu-bound');
    assert.ok(doc.findings.some((f) => f.category === 'cpu-hotspot'));
    onlyHotspotsAtMedium(doc);
  });

  test('python: a pure compute loop yields nothing at medium or above but cpu-hotspot', async () => {
    const doc = await profile(
      'py-compute',
      'compute.py',
      `import time
def primes_below(n):
    count = 0
    for k in range(2, n):
        d = 2
        while d * d <= k:
            if k % d == 0:
                break
            d += 1
        else:
            count += 1
    return count
end = time.time() + 0.9
while time.time() < end:
    primes_below(3000)
`,
      ['python3'],
    );
    assert.equal(doc.classification.kind, 'cpu-bound');
    onlyHotspotsAtMedium(doc);
  });
});
