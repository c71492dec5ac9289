/**
 * Conformance of `autoprof bench-compare` with benchstat v2: every case of golang-perf's
 * cmd/benchstat/golden-index.json (run in testdata/ as main_test.go does, stdout and stderr
 * byte for byte) and the 8 examples of benchstat's package documentation.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { runBenchCompare } from '../../src/cli/bench-compare.js';
import { corporaSkipReason, corpusPath } from '../corpora.js';

const SUBFOLDER = 'golang-perf/cmd/benchstat';

interface GoldenCase {
  test: string;
  golden: string;
  args: string[];
}

interface DocCase {
  id: string;
  cwd: string;
  command: string;
  stdout: string;
}

/** shellWords splits a documented command line, honouring double quotes. */
function shellWords(command: string): string[] {
  const out: string[] = [];
  for (const m of command.matchAll(/"([^"]*)"|(\S+)/g)) out.push(m[1] ?? m[2]);
  return out;
}

async function run(args: string[], cwd: string): Promise<{ stdout: string; stderr: string; code: number }> {
  let stdout = '';
  let stderr = '';
  const code = await runBenchCompare(
    args,
    {
      stdout: (t) => {
        stdout += typeof t === 'string' ? t : Buffer.from(t).toString('utf8');
      },
      stderr: (t) => {
        stderr += t;
      },
    },
    { cwd },
  );
  return { stdout, stderr, code };
}

const readOr = (path: string, fallback: string) => (existsSync(path) ? readFileSync(path, 'utf8') : fallback);

test('benchstat golden-index.json cases', async (t) => {
  const skip = corporaSkipReason(SUBFOLDER);
  if (skip) return t.skip(skip);
  const testdata = corpusPath(SUBFOLDER, 'testdata');
  const cases = JSON.parse(readFileSync(corpusPath(SUBFOLDER, 'golden-index.json'), 'utf8')) as GoldenCase[];
  assert.equal(cases.length, 10);
  for (const c of cases) {
    await t.test(`${c.test} ${c.golden}: benchstat ${c.args.join(' ')}`, async () => {
      const got = await run(c.args, testdata);
      assert.equal(got.code, 0);
      // A missing golden file means the output is empty.
      assert.equal(got.stdout, readOr(`${testdata}/${c.golden}.stdout`, ''));
      assert.equal(got.stderr, readOr(`${testdata}/${c.golden}.stderr`, ''));
    });
  }
});

test('benchstat package documentation examples', async (t) => {
  const skip = corporaSkipReason(`${SUBFOLDER}/doc-examples`);
  if (skip) return t.skip(skip);
  const docs = JSON.parse(
    readFileSync(corpusPath(SUBFOLDER, 'doc-examples', 'index.json'), 'utf8'),
  ) as DocCase[];
  assert.equal(docs.length, 8);
  for (const d of docs) {
    await t.test(`${d.id}: ${d.command}`, async () => {
      const [program, ...args] = shellWords(d.command);
      assert.equal(program, 'benchstat');
      const got = await run(args, corpusPath('golang-perf', d.cwd));
      assert.equal(got.stdout, readFileSync(corpusPath(SUBFOLDER, 'doc-examples', d.stdout), 'utf8'));
      assert.equal(got.stderr, '');
    });
  }
});
