import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { importMergedProfile } from '../../src/formats/index.js';
import { defaultSampleTypeIndex, sampleTypeIndex } from '../../src/model/profile.js';
import { computeTop } from '../../src/report/top.js';
import { runCli } from '../cli.js';
import { buildHotC, buildHotJava, targetPath } from '../fixtures/targets/build-targets.js';

/**
 * The front door for every runtime: a real program through the real `autoprof run` (default
 * collectors chosen from the command), and the merged profile.pb.gz names its known hot function
 * among the top functions.
 */
const work = mkdtempSync(join(tmpdir(), 'autoprof-runtimes-'));

async function runAndTop(
  name: string,
  argv: string[],
): Promise<{ names: string[]; manifest: Record<string, unknown> }> {
  const out = join(work, name);
  const r = await runCli(['run', '--out', out, '--', ...argv], { timeoutMs: 180_000 });
  assert.equal(r.code, 0, `autoprof run ${name}: ${r.stderr}`);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  const profile = importMergedProfile(join(out, 'profile.pb.gz'));
  // Prefer CPU time, then sample counts; wall-clock types would rank idle waits first.
  const cpu = ['cpu', 'samples'].map((t) => sampleTypeIndex(profile, t)).find((i) => i >= 0);
  const top = computeTop(profile, { sampleTypeIndex: cpu ?? defaultSampleTypeIndex(profile), nodeCount: 5 });
  return { names: top.rows.map((row) => row.name), manifest };
}

function collectorStatus(manifest: Record<string, unknown>): string {
  const list = manifest.collectors as Array<{ name: string; status: string; reason?: string }>;
  return list.map((c) => `${c.name}=${c.status}${c.reason ? ` (${c.reason})` : ''}`).join(', ');
}

test('node: the hot function tops the merged profile', async () => {
  const { names, manifest } = await runAndTop('node', [
    process.execPath,
    targetPath('../../../examples/order-service.mjs'),
    '1500',
  ]);
  assert.ok(
    names.some((n) => /serializeRoundTrip|stringify|parse|validateCustomer|RegExp/.test(n)),
    `${names.join(', ')} | ${collectorStatus(manifest)}`,
  );
});

test('python: hot_python_loop tops the merged profile', async () => {
  const { names, manifest } = await runAndTop('python', ['python3', targetPath('hot_python.py'), '1']);
  assert.ok(
    names.slice(0, 3).some((n) => n.includes('hot_python_loop')),
    `${names.join(', ')} | ${collectorStatus(manifest)}`,
  );
});

test('native C: hot_c_loop tops the merged profile', async (t) => {
  const built = buildHotC();
  if (!built.ok) return t.skip(built.reason);
  const { names, manifest } = await runAndTop('native', [built.path, '1']);
  const statuses = collectorStatus(manifest);
  if (/perf=(unavailable|failed)/.test(statuses) && names.length === 0)
    return t.skip(`no native sampler here: ${statuses}`);
  assert.ok(
    names.slice(0, 3).some((n) => n.includes('hot_c_loop')),
    `${names.join(', ')} | ${statuses}`,
  );
});

test('java: HotJava.hotJavaLoop tops the merged profile', async (t) => {
  const built = buildHotJava();
  if (!built.ok) return t.skip(built.reason);
  const { names, manifest } = await runAndTop('java', ['java', '-cp', built.dir, 'HotJava']);
  assert.ok(
    names.slice(0, 3).some((n) => n.includes('hotJavaLoop')),
    `${names.join(', ')} | ${collectorStatus(manifest)}`,
  );
});
