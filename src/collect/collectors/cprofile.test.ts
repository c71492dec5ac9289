import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runWithCollectors, skipWith } from '../../../test/fixtures/targets/run-with-collector.js';
import { cprofileCollector } from './cprofile.js';
import { createPythonCollector } from './python.js';

const HOT = fileURLToPath(new URL('../../../test/fixtures/targets/hot_python.py', import.meta.url));
const hasPython = spawnSync('python3', ['-c', 'pass']).status === 0;

/** topByTottime reads a pstats file with Python's own pstats module: [function, tottime][]. */
function topByTottime(file: string): [string, number][] {
  const code = [
    'import json, pstats, sys',
    's = pstats.Stats(sys.argv[1]).stats',
    'rows = sorted(((k[2], v[2]) for k, v in s.items()), key=lambda r: -r[1])',
    'print(json.dumps(rows[:5]))',
  ].join('\n');
  const out = spawnSync('python3', ['-c', code, file]);
  assert.equal(out.status, 0, out.stderr.toString());
  return JSON.parse(out.stdout.toString()) as [string, number][];
}

test('cprofile: pstats of the unchanged command, hot_python_loop has the most own time', async (t) => {
  if (!hasPython) return skipWith(t, 'python3 not on PATH');
  const run = await runWithCollectors([cprofileCollector], ['python3', HOT, '0.3', '--exit', '5']);
  assert.equal(run.exitCode, 5, run.stderr);
  assert.match(run.stdout, /argv=\[".*hot_python\.py", "0\.3", "--exit", "5"\]/);
  const [result] = run.results;
  assert.equal(result.status, 'ok', result.warnings.join('\n'));
  assert.equal(result.artifacts.length, 1);
  const [pstats] = result.artifacts;
  assert.equal(pstats.format, 'pstats');
  assert.equal(pstats.kind, 'call-stats');
  const rows = topByTottime(join(run.ctx.runDir, pstats.path));
  assert.equal(rows[0][0], 'hot_python_loop', JSON.stringify(rows));
});

test('cprofile: runs beside the sampler, one PYTHONPATH entry, forked workers dump too', async (t) => {
  if (!hasPython) return skipWith(t, 'python3 not on PATH');
  const sampler = createPythonCollector({ sampler: 'in-process' });
  const run = await runWithCollectors([sampler, cprofileCollector], ['python3', HOT, '0.2', '--fork']);
  assert.equal(run.exitCode, 0, run.stderr);
  const entries = run.launch.env.PYTHONPATH.split(':').filter((p) => p.endsWith('py-sampler'));
  assert.equal(entries.length, 1);
  const [samples, calls] = run.results;
  assert.equal(samples.status, 'ok');
  assert.equal(new Set(calls.artifacts.map((a) => a.pid)).size, 2, JSON.stringify(calls.artifacts));
  for (const a of calls.artifacts) {
    const rows = topByTottime(join(run.ctx.runDir, a.path));
    assert.equal(rows[0][0], 'hot_python_loop', `pid ${a.pid}: ${JSON.stringify(rows)}`);
  }
});
