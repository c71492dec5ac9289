import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildHotJava } from '../../../test/fixtures/targets/build-targets.js';
import { runWithCollectors, skipWith } from '../../../test/fixtures/targets/run-with-collector.js';
import { jfrToolOptions, jvmCollector } from './jvm.js';

/** leafMethods counts the top frame of each jdk.ExecutionSample, read with the JDK's `jfr` tool. */
function leafMethods(file: string): Map<string, number> {
  const r = spawnSync('jfr', ['print', '--events', 'jdk.ExecutionSample', file], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  assert.equal(r.status, 0, r.stderr);
  const counts = new Map<string, number>();
  for (const m of r.stdout.matchAll(/stackTrace = \[\s*\n\s*([\w$.]+)\(/g)) {
    counts.set(m[1], (counts.get(m[1]) ?? 0) + 1);
  }
  return counts;
}

test('jvm: JFR through JAVA_TOOL_OPTIONS, HotJava.hotJavaLoop is the hottest leaf', async (t) => {
  const availability = await jvmCollector.availability();
  if (!availability.available) return skipWith(t, `jvm unavailable: ${availability.reason}`);
  if (spawnSync('jfr', ['--version']).error) return skipWith(t, 'the JDK jfr tool is not on PATH');
  const built = buildHotJava();
  if (!built.ok) return skipWith(t, built.reason);
  const run = await runWithCollectors([jvmCollector], ['java', '-cp', built.dir, 'HotJava', '0.5', '6']);
  assert.equal(run.exitCode, 6, run.stderr);
  assert.equal(run.stdout.trim().split('\n').length, 1, `JFR start-up lines stay off stdout: ${run.stdout}`);
  const [result] = run.results;
  assert.equal(result.status, 'ok', result.warnings.join('\n'));
  const [jfr] = result.artifacts;
  assert.equal(jfr.format, 'jfr');
  assert.match(jfr.path, /artifacts\/jvm-\d+\.jfr$/);
  const counts = leafMethods(join(run.ctx.runDir, jfr.path));
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  assert.equal(ranked[0]?.[0], 'HotJava.hotJavaLoop', JSON.stringify(ranked.slice(0, 5)));
});

test('jvm: a non-Java target is skipped; options name a folder, not %p', async () => {
  assert.match(jfrToolOptions('/x/artifacts'), /filename=\/x\/artifacts,settings=profile,dumponexit=true/);
  const run = await runWithCollectors([jvmCollector], ['sh', '-c', 'true']);
  assert.equal(run.results[0].status, 'skipped');
});
