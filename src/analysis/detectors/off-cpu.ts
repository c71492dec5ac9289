import type { DiagnosisInput } from '../features/diagnosis-input.js';
import { evidenceOfMetric } from '../features/metric-evidence.js';
import type { SampleView } from '../features/sample-views.js';
import type { Category, Finding } from '../findings.js';
import { pct } from '../findings.js';
import { topOwnFunction } from '../patterns/match.js';
import { type Detector, type DetectorContext, ladder, makeFinding } from './detector.js';

/** OffCpuKind is what a blocked stack waits for, as its kernel and C library frames tell. */
export type OffCpuKind = 'lock' | 'timer' | 'io' | 'other';

// Checked in this order on the frames of one stack (any frame may match). Condition variables,
// semaphores and epoll are waits for work, not problems in themselves: they stay 'other'.
const KIND_RULES: Array<[OffCpuKind, RegExp]> = [
  [
    'lock',
    /^(__GI_)?_*(pthread_mutex_(timed|clock)?lock\w*|lll_lock_wait\w*|lll_mutex_lock\w*|pthread_rwlock_(timed|clock)?(rd|wr)lock\w*|pthread_spin_lock|flock|lockf|locks_lock_\w+|fcntl_setlk\w*|rwsem_down_\w+|mutex_lock\w*)(_\[k\])?$/,
  ],
  [
    'timer',
    /^(__GI_)?_*(nanosleep|clock_nanosleep\w*|usleep|sleep|do_nanosleep|hrtimer_nanosleep|common_nsleep|__x64_sys_(clock_)?nanosleep|__arm64_sys_(clock_)?nanosleep)(_\[k\])?$/,
  ],
  [
    'io',
    /^(__GI_)?_*(fsync|fdatasync|sync_file_range|msync|io_schedule\w*|do_fsync|vfs_fsync\w*|folio_wait\w*|wait_on_page\w*|submit_bio_wait|blkdev_issue_flush|file_write_and_wait\w*|filemap_\w*wait\w*|jbd2_\w+|ext4_sync_file|xfs_file_fsync|(libc_)?(read|write|pread|pwrite|pread64|pwrite64|readv|writev|recv|recvfrom|recvmsg|send|sendto|sendmsg|open|open64|openat|openat64)|ksys_(read|write|pread64|pwrite64)|vfs_(read|write)|pipe_(read|write)|sk_wait_data|tcp_recvmsg\w*|unix_stream_read\w*|__x64_sys_(read|write|pread64|pwrite64|readv|writev|recvfrom|recvmsg|sendto|sendmsg|fsync|fdatasync|openat|open))(_\[k\])?$/,
  ],
];

const KIND_CATEGORY: Record<Exclude<OffCpuKind, 'other'>, Category> = {
  lock: 'lock-contention',
  timer: 'sleep-wait',
  io: 'blocking-io',
};

/** MIN_SHARE: blocked time of one kind below this share of the threads' time is not reported. */
const MIN_SHARE = 0.25;

/** microsPerUnit converts an off-CPU view's values to microseconds (ebpf writes bare µs counts). */
function microsPerUnit(unit: string): number | undefined {
  if (unit === 'microseconds' || unit === 'count') return 1;
  if (unit === 'nanoseconds') return 1e-3;
  if (unit === 'milliseconds') return 1e3;
  if (unit === 'seconds') return 1e6;
  return undefined;
}

/** timedOffCpuView is the run's off-CPU view when its values are time. */
export function timedOffCpuView(input: DiagnosisInput): SampleView | undefined {
  const view = input.views.find((v) => v.kind === 'off-cpu');
  if (!view || view.total === 0 || microsPerUnit(view.unit) === undefined) return undefined;
  return view;
}

/** offCpuKindOf classifies one stack by its frame names (any order). */
export function offCpuKindOf(names: readonly string[]): OffCpuKind {
  for (const [kind, re] of KIND_RULES) if (names.some((n) => re.test(n))) return kind;
  return 'other';
}

/** splitByKind partitions an off-CPU view into one view per wait kind. */
export function splitByKind(view: SampleView): Map<OffCpuKind, SampleView> {
  const p = view.profile;
  const by = new Map<OffCpuKind, SampleView['profile']['samples']>();
  for (const s of p.samples) {
    const names: string[] = [];
    for (const id of s.locationIds) {
      for (const line of p.locations[id - 1].lines) names.push(p.functions[line.functionId - 1].name);
    }
    const kind = offCpuKindOf(names);
    const list = by.get(kind) ?? [];
    list.push(s);
    by.set(kind, list);
  }
  const out = new Map<OffCpuKind, SampleView>();
  for (const [kind, samples] of by) {
    const total = samples.reduce((sum, s) => sum + s.values[0], 0);
    out.set(kind, { ...view, total, profile: { ...p, samples } });
  }
  return out;
}

/**
 * offCpuWaits reads blocked time by stack (perf's sampled sched_switch, or bpftrace): time
 * spent asleep on timers (sleep-wait), on mutexes (lock-contention) or on disk, pipe and socket
 * I/O (blocking-io), each located at the program's own frame nearest to the wait. The share is
 * of the threads' time (blocked plus on-CPU), so a thread pool idle on a condition variable
 * dilutes it rather than raising anything.
 */
export const offCpuWaits: Detector = {
  id: 'off-cpu-waits',
  detect(input, ctx) {
    const view = timedOffCpuView(input);
    if (!view) return [];
    const us = microsPerUnit(view.unit) ?? 1;
    const offUs = view.total * us;
    const cpuUs = (input.metrics.cpu_s ?? 0) * 1e6;
    const threadUs = offUs + cpuUs;
    if (threadUs <= 0) return [];
    const findings: Finding[] = [];
    for (const [kind, part] of splitByKind(view)) {
      if (kind === 'other') continue;
      const share = (part.total * us) / threadUs;
      if (share < MIN_SHARE) continue;
      findings.push(waitFinding(input, kind, part, share, part.total * us, ctx));
    }
    return findings;
  },
};

const TEXT: Record<
  Exclude<OffCpuKind, 'other'>,
  { id: string; title: string; description: string; suggestions: string[]; verify: string }
> = {
  timer: {
    id: 'offcpu-sleep',
    title: 'sleeps on timers',
    description:
      'Threads spend their time asleep in nanosleep/usleep/clock_nanosleep: the program waits a fixed time (polling, back-off) instead of for the event it needs.',
    suggestions: [
      'Replace the sleep-and-check loop by waiting on the event itself (a condition variable, poll/epoll on a descriptor, a completion callback).',
      'If polling is unavoidable, shorten the interval or back off adaptively, and check before sleeping.',
    ],
    verify: 'Off-CPU time in nanosleep should drop, and wall_s with it.',
  },
  lock: {
    id: 'offcpu-lock-waits',
    title: 'blocks on a mutex',
    description:
      'Threads are switched out waiting for a mutex or read-write lock (futex waits in pthread_mutex_lock): the work serialises on the lock.',
    suggestions: [
      'Shorten the critical section: hold the lock only around the shared state, never around computation.',
      'Shard the lock or keep per-thread data merged at the end; use atomics for counters.',
    ],
    verify: 'Off-CPU time under pthread_mutex_lock should drop and CPU utilisation rise.',
  },
  io: {
    id: 'offcpu-io-waits',
    title: 'blocks on I/O',
    description:
      'Threads are switched out waiting for disk, pipe or socket I/O (read/write/fsync): the program waits for the device instead of working.',
    suggestions: [
      'Batch small writes and flush (fsync) once per batch rather than per record.',
      'Read and write in larger blocks, cache what is read repeatedly, or overlap I/O with computation.',
    ],
    verify: 'Off-CPU time in read/write/fsync should drop.',
  },
};

function waitFinding(
  input: DiagnosisInput,
  kind: Exclude<OffCpuKind, 'other'>,
  part: SampleView,
  share: number,
  blockedUs: number,
  ctx: DetectorContext,
): Finding {
  const text = TEXT[kind];
  const top = topOwnFunction(part);
  const location = top
    ? { function: top.name, file: top.file, line: top.line }
    : { function: '(whole process)', file: '', line: 0 };
  const src = input.sourceOf['off-cpu'] ?? 'off-cpu profile';
  const m = input.metrics;
  return makeFinding(
    {
      patternId: text.id,
      category: KIND_CATEGORY[kind],
      title: `${top ? top.name : 'The program'} ${text.title} (${(share * 100).toFixed(0)}% of thread time)`,
      severity: ladder(
        share,
        [
          [0.6, 'high'],
          [0.35, 'medium'],
        ],
        'low',
      ),
      confidence: top ? 0.8 : 0.6,
      location,
      stack: top?.stack ?? [],
      evidence: {
        off_cpu_share: { value: pct(share), unit: '%', source: src },
        off_cpu_time: { value: Math.round(blockedUs / 1000) / 1000, unit: 's', source: src },
        ...(top
          ? { off_cpu_share_here: { value: pct(top.value / part.total), unit: '%', source: src } }
          : {}),
        ...evidenceOfMetric(m, 'cpu_utilisation', input.sourceOf.metrics),
        ...evidenceOfMetric(m, 'wall_s', input.sourceOf.metrics),
      },
      description: text.description,
      suggestions: text.suggestions,
      verify: text.verify,
      references: ['https://www.brendangregg.com/offcpuanalysis.html'],
      share,
    },
    ctx,
  );
}
