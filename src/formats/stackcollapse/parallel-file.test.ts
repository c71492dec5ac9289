import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type CollapseOptions, StackCollapser } from '../stackcollapse-perf.js';
import { collapseFileInParallel } from './parallel-file.js';

const dir = mkdtempSync(join(tmpdir(), 'autoprof-parallel-collapse-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * perfScript writes `n` samples of varied stacks; `otherEventFrom` starts mixing in a second
 * event type at that sample, and odd lines sit in both halves.
 */
function perfScript(n: number, otherEventFrom: number): string {
  let text = '# cmdline : perf record -g\n';
  for (let i = 0; i < n; i++) {
    const event = i >= otherEventFrom && i % 3 === 0 ? 'instructions' : 'cycles';
    const comm = i % 5 === 0 ? 'V8 Worker' : i % 7 === 0 ? 'java' : 'node';
    text += `${comm} ${100 + (i % 4)}/${200 + (i % 9)} [000] ${i}.5: ${1 + (i % 11)} ${event}:\n`;
    for (let d = 0; d < 3 + (i % 13); d++)
      text += `\t    ${(d * 7919 + i) % 97} Lfn${(i * d) % 31};.m(I)V+0x${d} (/lib/m${d % 3}.so)\n`;
    if (i % 499 === 0) text += `\t??? odd line ${i}\n`;
    text += '\n';
  }
  return text;
}

function single(text: string, options: CollapseOptions) {
  const messages: string[] = [];
  const c = new StackCollapser(options, (m) => messages.push(m));
  c.push(text);
  c.end();
  return { out: c.output(), messages };
}

async function parallel(path: string, options: CollapseOptions) {
  const messages: string[] = [];
  const c = await collapseFileInParallel(path, statSync(path).size, options, (m) => messages.push(m), 1000);
  assert.ok(c !== undefined, 'the file was split');
  return { out: c.output(), messages };
}

describe('collapsing a file on two threads', () => {
  const cases: [string, number, CollapseOptions][] = [
    ['a second event only in the second half', 2500, {}],
    ['a second event in both halves, --pid --tid', 100, { pid: true, tid: true }],
    ['an event filter given', 100, { eventFilter: 'instructions' }],
  ];
  for (const [name, otherEventFrom, options] of cases) {
    test(`same output and messages as one thread: ${name}`, async () => {
      const text = perfScript(3000, otherEventFrom);
      const path = join(dir, `perf-${otherEventFrom}.txt`);
      writeFileSync(path, text, 'latin1');
      const want = single(text, options);
      assert.ok(
        want.messages.filter((m) => m.startsWith('Unrecognized')).length >= 2,
        'odd lines in both halves',
      );
      const got = await parallel(path, options);
      assert.equal(got.out, want.out);
      assert.deepEqual(got.messages, want.messages);
    });
  }

  test('no blank line past the middle: not split, nothing read', async () => {
    const path = join(dir, 'one-sample.txt');
    writeFileSync(path, `aa 1 1.0: cycles:\n${'\t 1 f (/x)\n'.repeat(1000)}`);
    assert.equal(await collapseFileInParallel(path, statSync(path).size, {}, () => {}, 20), undefined);
  });
});
