import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv-draft-04';
import formatsModule from 'ajv-formats';
import type { DiffReport } from '../../src/report/diff-report.js';
import { runCli } from '../cli.js';

/**
 * `autoprof diff` on real runs of a real program in three variants (see the fixture), five runs
 * a side through `autoprof run --runs 5`, as a CI job would do it.
 */
const fixture = fileURLToPath(new URL('../fixtures/diff/checkout.mjs', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'autoprof-diff-e2e-'));
const runDir = (name: string) => join(work, name);

async function profileRuns(name: string, variant: string): Promise<void> {
  const r = await runCli([
    'run',
    '--runs',
    '5',
    '--collectors',
    'node',
    '--out',
    runDir(name),
    '--',
    process.execPath,
    fixture,
    variant,
  ]);
  assert.equal(r.code, 0, `autoprof run ${variant} failed: ${r.stderr}`);
}

async function diff(
  base: string,
  head: string,
  out: string,
): Promise<{ code: number | null; report: DiffReport; stderr: string }> {
  const r = await runCli(['diff', runDir(base), runDir(head), '--out', join(work, out)]);
  const report = JSON.parse(readFileSync(join(work, out, 'report.json'), 'utf8')) as DiffReport;
  return { code: r.code, report, stderr: r.stderr };
}

before(async () => {
  await profileRuns('base', 'base');
  await profileRuns('base-again', 'base');
  await profileRuns('regressed', 'regressed');
  await profileRuns('improved', 'improved');
});

test('a regressed function is ranked first, is significant and fails the gate', async () => {
  const { code, report } = await diff('base', 'regressed', 'regressed-diff');
  assert.equal(code, 1);
  assert.equal(report.gate.status, 'fail');
  const top = report.regressions[0];
  assert.ok(top, 'no regression found');
  // The leaf may be V8's RegExp machinery; the own frame responsible is parseOrder.
  assert.equal(top.attributed_to.function, 'parseOrder', JSON.stringify(top));
  assert.ok(top.stack.includes('parseOrder'));
  assert.equal(top.significance?.significant, true);
  assert.equal(top.significance?.n_base, 5);
  assert.match(readFileSync(join(work, 'regressed-diff', 'pr-comment.md'), 'utf8'), /FAIL/);
});

test('an improvement is reported and does not gate', async () => {
  const { code, report } = await diff('base', 'improved', 'improved-diff');
  assert.equal(code, 0, JSON.stringify(report.gate));
  assert.notEqual(report.gate.status, 'fail');
  assert.ok(
    report.improvements.some(
      (c) => c.attributed_to.function === 'formatReceipt' || c.stack.includes('formatReceipt'),
    ),
    JSON.stringify(report.improvements.map((c) => c.stack)),
  );
  assert.equal(report.regressions.filter((c) => c.gating).length, 0, JSON.stringify(report.regressions));
});

test('the same program compared with itself over 5 runs a side does not gate', async () => {
  const { code, report } = await diff('base', 'base-again', 'same-diff');
  assert.equal(code, 0);
  assert.notEqual(report.gate.status, 'fail');
  assert.deepEqual(
    report.regressions.filter((c) => c.significance?.significant),
    [],
  );
});

test('report.sarif validates against the SARIF 2.1.0 schema and names the regression', () => {
  const require = createRequire(import.meta.url);
  const schema = JSON.parse(
    readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'),
  );
  // Both are CommonJS with a `default` that is the module itself, which is what types see.
  const ajv = new AjvModule.default({ allErrors: true, strict: false, unicodeRegExp: false, logger: false });
  formatsModule.default(ajv);
  const validate = ajv.compile(schema);
  const sarif = JSON.parse(readFileSync(join(work, 'regressed-diff', 'report.sarif'), 'utf8')) as {
    runs: Array<{ results: unknown[] }>;
  };
  assert.ok(validate(sarif), JSON.stringify(validate.errors?.slice(0, 3)));
  assert.ok(sarif.runs[0].results.length > 0);
  assert.match(JSON.stringify(sarif.runs[0].results[0]), /parseOrder/);
});

test('report.md, pr-comment.md and report.html are written', () => {
  const md = readFileSync(join(work, 'regressed-diff', 'report.md'), 'utf8');
  assert.match(md, /## Function changes/);
  assert.match(md, /autoprof diff /);
  const html = readFileSync(join(work, 'regressed-diff', 'report.html'), 'utf8');
  assert.match(html, /Differential flame graph/);
  assert.doesNotMatch(html, /<script src=/);
  const comment = readFileSync(join(work, 'regressed-diff', 'pr-comment.md'), 'utf8');
  assert.ok(comment.length < 4000, `PR comment is ${comment.length} chars`);
  assert.doesNotMatch(comment, /https?:\/\//);
});

test('bad input is one line and exit 2', async () => {
  const r = await runCli(['diff', join(work, 'nope'), runDir('base')]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /no such file or directory/);
});
