import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../errors.js';
import { benchCompareCommand, parseBenchCompareFlags, runBenchCompare } from './bench-compare.js';

const dir = mkdtempSync(join(tmpdir(), 'autoprof-bench-'));
const goText = (values: number[], extra = '') =>
  `goos: linux\n${extra}${values.map((v) => `BenchmarkParse-8 1000 ${v} ns/op\n`).join('')}`;
writeFileSync(join(dir, 'old.txt'), goText([100, 101, 99, 100, 102, 98, 100, 101]));
writeFileSync(
  join(dir, 'new.txt'),
  goText([80, 81, 79, 80, 82, 78, 80, 81], 'BenchmarkParse-8 zz 1 ns/op\n'),
);
writeFileSync(
  join(dir, 'hf.json'),
  JSON.stringify({ results: [{ command: 'parse', times: [0.3, 0.31, 0.29, 0.3, 0.3, 0.32] }] }),
);
writeFileSync(join(dir, 'named.json'), JSON.stringify({ parse: [0.2, 0.21, 0.19, 0.2, 0.2, 0.22] }));

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runBenchCompare(
    argv,
    {
      stdout: (t) => {
        stdout += String(t);
      },
      stderr: (t) => {
        stderr += t;
      },
    },
    { cwd: dir },
  );
  return { code, stdout, stderr };
}

test('text output compares two files and reports malformed lines on stderr', async () => {
  const r = await run(['old.txt', 'new.txt']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^goos: linux\n/);
  // One scale per row: 80n needs two decimals, so 100n gets them too.
  assert.match(r.stdout, /Parse-8 +100\.00n ± \d+% +80\.00n ± \d+% +-20\.00% \(p=0\.000 n=8\)\n/);
  assert.equal(r.stderr, 'new.txt:2: parsing iteration count: invalid syntax\n');
});

test('--json gives rows with centres, CI, delta, p, n and significance', async () => {
  const r = await run(['--json', 'B=old.txt', 'H=new.txt']);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.schema, 'autoprof.bench-compare/v1');
  const [table] = doc.tables;
  assert.deepEqual(table.columns, ['B', 'H']);
  assert.equal(table.unit, 'sec/op');
  const [, head] = table.rows[0].cells;
  assert.equal(head.vs_base.significant, true);
  assert.equal(head.vs_base.n_base, 8);
  assert.ok(Math.abs(head.vs_base.delta_percent + 20) < 1e-9);
  assert.ok(head.vs_base.p < 0.001);
  assert.equal(head.vs_base.delta, '-20.00%');
});

test('hyperfine and named-sample JSON inputs compare like Go benchmarks', async () => {
  const r = await run(['-format=json', 'hf.json', 'named.json']);
  const row = JSON.parse(r.stdout).tables[0].rows[0];
  assert.equal(row.name, 'parse');
  assert.ok(Math.abs(row.cells[1].vs_base.delta_percent - (0.2 / 0.3 - 1) * 100) < 1e-9);
});

test('bad input is one clear usage error', async () => {
  await assert.rejects(
    run(['missing.txt']),
    (e: unknown) => e instanceof UsageError && /missing\.txt: no such file/.test(String(e)),
  );
  await assert.rejects(run([]), UsageError);
  await assert.rejects(
    run(['-filter', 'goos', 'old.txt']),
    /parsing -filter: syntax error: expected key:value/,
  );
  await assert.rejects(run(['-col', '.unit', 'old.txt']), /only allowed in filters/);
  assert.throws(() => parseBenchCompareFlags(['-alpha', '2', 'x']), /-alpha must be in range/);
  assert.throws(() => parseBenchCompareFlags(['-bogus', 'x']), /unknown flag/);
  assert.throws(() => parseBenchCompareFlags(['-format', 'html', 'x']), /-format/);
});

test('flags take one or two dashes and "=" values; --help prints usage', async () => {
  const f = parseBenchCompareFlags(['--col=/format', '-row', '.name', 'a.txt', '--', '-weird.txt']);
  assert.equal(f.col, '/format');
  assert.equal(f.row, '.name');
  assert.deepEqual(f.inputs, ['a.txt', '-weird.txt']);
  const r = await run(['--help']);
  assert.match(r.stdout, /^Usage: autoprof bench-compare/);
  assert.equal(benchCompareCommand.name, 'bench-compare');
});
