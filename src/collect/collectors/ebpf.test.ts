import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildHotC } from '../../../test/fixtures/targets/build-targets.js';
import { runWithCollectors, skipWith } from '../../../test/fixtures/targets/run-with-collector.js';
import { ebpfCollector, formatFolded, parseBpftraceMaps } from './ebpf.js';

/** userLeafCounts sums folded values by innermost user frame (kernel frames left out). */
function userLeafCounts(folded: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of folded.split('\n').filter(Boolean)) {
    const cut = line.lastIndexOf(' ');
    const frames = line
      .slice(0, cut)
      .split(';')
      .filter((f) => !f.endsWith('_[k]'));
    const leaf = frames[frames.length - 1];
    counts.set(leaf, (counts.get(leaf) ?? 0) + Number(line.slice(cut + 1)));
  }
  return counts;
}

test('ebpf: parses bpftrace map dumps, user and kernel stacks, empty user stacks', () => {
  const dump = [
    '@cpu[hot_c, 12, ',
    '    hot_c_loop+44',
    '    main+20',
    ', ]: 5',
    '@off[sh, 7, , ',
    '    schedule+35',
    '    do_wait+10',
    ']: 150',
    '@cpu[hot_c, 12, ',
    '    hot_c_loop+12',
    '    main+20',
    ', ]: 2',
  ].join('\n');
  const maps = parseBpftraceMaps(dump);
  assert.equal(formatFolded(maps.get('cpu')!), 'hot_c;main;hot_c_loop 7\n');
  assert.equal(formatFolded(maps.get('off')!), 'sh;do_wait_[k];schedule_[k] 150\n');
});

test('ebpf: bpftrace on-CPU names hot_c_loop, off-CPU sees the blocked shell', async (t) => {
  const availability = await ebpfCollector.availability();
  if (!availability.available) return skipWith(t, `ebpf unavailable: ${availability.reason}`);
  const built = buildHotC();
  if (!built.ok) return skipWith(t, built.reason);
  // The sleep covers bpftrace's compile and attach; the exit code must still pass.
  // On a loaded machine attaching takes longer: the target waits 2 s and then burns 2 s of CPU.
  const run = await runWithCollectors([ebpfCollector], ['sh', '-c', `sleep 2; ${built.path} 2.0; exit 3`]);
  assert.equal(run.exitCode, 3);
  const [result] = run.results;
  // 'partial' is honest when a process's last second kept raw addresses (bpftrace can only name
  // user functions while the process lives); the hot function below is the real check.
  assert.ok(['ok', 'partial'].includes(result.status), `${result.status}: ${result.warnings.join('\n')}`);
  const onCpu = result.artifacts.find((a) => a.kind === 'cpu-profile')!;
  const offCpu = result.artifacts.find((a) => a.kind === 'off-cpu-profile')!;
  assert.equal(onCpu.format, 'collapsed');
  const ranked = [...userLeafCounts(readFileSync(join(run.ctx.runDir, onCpu.path), 'utf8'))].sort(
    (a, b) => b[1] - a[1],
  );
  // bpftrace names user frames only while the process lives; on a starved machine a short
  // target can end before any symbolized sample, which the collector reports as 'partial'.
  if (ranked.length === 0 && result.status === 'partial') {
    return skipWith(t, `no symbolized on-CPU sample on this loaded machine: ${result.warnings.join('; ')}`);
  }
  assert.equal(ranked[0]?.[0], 'hot_c_loop', JSON.stringify(ranked.slice(0, 5)));
  const off = readFileSync(join(run.ctx.runDir, offCpu.path), 'utf8');
  assert.match(off, /^sh;/m, 'the shell blocked in wait() while hot_c ran');
});
