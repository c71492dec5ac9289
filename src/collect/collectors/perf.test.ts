import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildHotC } from '../../../test/fixtures/targets/build-targets.js';
import { runWithCollectors, skipWith } from '../../../test/fixtures/targets/run-with-collector.js';
import { fixInlined, OffCpuAccumulator, perfCollector, perfRecordArgv, withSymbolHelpers } from './perf.js';

/** leafCounts counts the innermost symbol of every sample in `perf script` text. */
function leafCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const block of text.split(/\n\s*\n/)) {
    const frame = block.split('\n').find((l) => /^\s+[0-9a-f]+ /.test(l));
    if (!frame) continue;
    const sym = frame
      .trim()
      .split(/\s+/)[1]
      .replace(/\+0x[0-9a-f]+$/, '');
    counts.set(sym, (counts.get(sym) ?? 0) + 1);
  }
  return counts;
}

test('perf: attaches to the held target and names hot_c_loop as the hottest leaf', async (t) => {
  const availability = await perfCollector.availability();
  if (!availability.available) return skipWith(t, `perf unavailable: ${availability.reason}`);
  const built = buildHotC();
  if (!built.ok) return skipWith(t, built.reason);
  const run = await runWithCollectors([perfCollector], [built.path, '0.5', '4']);
  assert.equal(run.exitCode, 4, `exit status passes through perf record: ${run.stderr}`);
  assert.match(run.stdout, /^done /);
  assert.equal(run.stderr, '', 'perf record -q keeps the target stderr clean');
  const [result] = run.results;
  assert.equal(result.status, 'ok', result.warnings.join('\n'));
  const [script] = result.artifacts;
  assert.equal(script.format, 'perf-script');
  const counts = leafCounts(readFileSync(join(run.ctx.runDir, script.path), 'utf8'));
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  assert.equal(ranked[0][0], 'hot_c_loop', JSON.stringify(ranked.slice(0, 5)));
  assert.ok((counts.get('cold_c_helper') ?? 0) < ranked[0][1] / 3);
});

test('perf: symbol helpers for JIT runtimes, JAVA_TOOL_OPTIONS only for java', () => {
  const base = { cwd: '/', env: { NODE_OPTIONS: '--max-old-space-size=64' } };
  const node = withSymbolHelpers({ ...base, argv: ['node', 'app.js'] });
  assert.equal(node.env.NODE_OPTIONS, '--max-old-space-size=64 --perf-basic-prof');
  assert.equal(node.env.JAVA_TOOL_OPTIONS, undefined);
  const java = withSymbolHelpers({ ...base, argv: ['/usr/bin/java', '-cp', '.', 'Main'] });
  assert.match(java.env.JAVA_TOOL_OPTIONS, /-XX:\+PreserveFramePointer/);
  assert.equal(withSymbolHelpers(node).env.NODE_OPTIONS, node.env.NODE_OPTIONS, 'idempotent');
  assert.deepEqual(perfRecordArgv('perf', 'd', ['a', 'b']).slice(-3), ['--', 'a', 'b']);
  assert.deepEqual(perfRecordArgv('perf', 'd', [], 'fp', 42).slice(-6), [
    '-D',
    '-1',
    '--control',
    'fd:3,4',
    '-p',
    '42',
  ]);
});

test('perf: DWARF modes bound the recording; off-CPU adds sampled sched_switch', () => {
  const dwarf = perfRecordArgv('perf', 'd', ['a'], 'dwarf');
  assert.ok(dwarf.includes('--call-graph') && dwarf.includes('--max-size'));
  assert.ok(!dwarf.includes('-g'));
  const off = perfRecordArgv('perf', 'd', ['a'], 'dwarf-offcpu');
  assert.ok(off.includes('sched:sched_switch') && off.includes('--switch-events'));
  assert.deepEqual(off.slice(-2), ['--', 'a']);
});

test('perf: inlined frames take the module of the real frame at the same address', () => {
  const fixed = fixInlined([
    '\t           8612b futex_wait (inlined)',
    '\t           8612b __GI___lll_lock_wait (/usr/lib/libc.so.6)',
    '\t           8c481 ___pthread_mutex_lock (inlined)',
    '\t            11bf record (/tmp/app)',
  ]);
  assert.equal(fixed[0], '\t           8612b futex_wait (/usr/lib/libc.so.6)');
  assert.equal(fixed[2], '\t           8c481 ___pthread_mutex_lock (inlined)');
});

test('perf: off-CPU time runs from a sampled switch-out to the switch-in', () => {
  const acc = new OffCpuAccumulator();
  acc.sample('app  7  10.000000:          2 sched:sched_switch: ', [
    '\tffffffff821facd8 schedule ([kernel.kallsyms])',
    '\t            11bf wait_for_it (/tmp/app)',
  ]);
  acc.record('app  7  10.000010: PERF_RECORD_SWITCH OUT');
  acc.record('app  7  10.010000: PERF_RECORD_SWITCH IN ');
  assert.equal(acc.samples, 1);
  assert.equal(acc.totalUs, 20000, '10 ms times a period of 2');
  const p = acc.profile();
  assert.deepEqual(
    p.functions.map((f) => f.name),
    ['schedule_[k]', 'wait_for_it'],
  );
});
