import type { DiagnosisInput } from '../features/diagnosis-input.js';
import { evidenceOfMetric } from '../features/metric-evidence.js';
import type { Metrics } from '../features/metrics.js';
import type { Finding } from '../findings.js';
import { busiestOwnFrame, type Detector, type DetectorContext, ladder, makeFinding } from './detector.js';
import { timedOffCpuView } from './off-cpu.js';

/**
 * threadStates reads what the threads were doing when /proc was sampled: waiting on locks
 * (futex), on I/O (state D, pipes, sockets) or on timers and polls (sleep, idle event loop).
 * These are the waits a CPU profile cannot show, because a waiting thread takes no samples.
 */
export const threadStates: Detector = {
  id: 'thread-states',
  detect(input, ctx) {
    const m = input.metrics;
    if (m.timeseries_samples === undefined || m.timeseries_samples < 5) return [];
    // Blocked time by stack (off-CPU) says what the threads wait for and where; /proc's wait
    // channels, sampled a few times a second, only guess the kind.
    if (timedOffCpuView(input)) return [];
    return [...lockWaits(input, m, ctx), ...ioWaits(input, m, ctx), ...sleepWaits(input, m, ctx)];
  },
};

function topWchans(input: DiagnosisInput): string {
  return Object.entries(input.mainWchans)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([w, n]) => `${w} (${n})`)
    .join(', ');
}

function lockWaits(input: DiagnosisInput, m: Metrics, ctx: DetectorContext): Finding[] {
  const share = Math.max(m.active_lock_share ?? 0, m.main_lock_share ?? 0);
  if ((m.active_threads ?? 0) < 2 || (m.active_lock_share ?? 0) < 0.3) return [];
  // A JVM whose collector pauses the world parks every Java thread on a futex at each
  // safepoint: those waits are the GC's (the gc finding), not lock contention.
  if (input.runtimes.includes('jvm') && (m.gc_share ?? 0) >= 0.2) return [];
  const at = busiestOwnFrame(input, ['lock', 'wall', 'cpu']);
  const src = input.sourceOf.metrics;
  return [
    makeFinding(
      {
        patternId: 'thread-lock-waits',
        category: 'lock-contention',
        title: `Working threads wait on locks ${(share * 100).toFixed(0)}% of the time`,
        severity: ladder(
          share,
          [
            [0.6, 'high'],
            [0.3, 'medium'],
          ],
          'low',
        ),
        confidence: 0.7,
        location: at.location,
        stack: at.stack,
        evidence: {
          ...evidenceOfMetric(m, 'active_lock_share', src),
          ...evidenceOfMetric(m, 'active_running_share', src),
          ...evidenceOfMetric(m, 'active_threads', src),
          ...evidenceOfMetric(m, 'cpu_utilisation', src),
          ...evidenceOfMetric(m, 'voluntary_ctx_switches_per_s', src),
        },
        description:
          "Threads that do the program's work were found sleeping in futex waits (mutexes, condition variables, the GIL) for a large share of samples, so they run one at a time instead of in parallel.",
        suggestions: [
          'Shorten critical sections: hold the lock only around the shared state, never around computation or I/O.',
          'Partition the data per thread and merge at the end; use lock-free counters or queues.',
        ],
        verify: 'active_lock_share in features.json should drop and cpu_utilisation rise.',
        share,
      },
      ctx,
    ),
  ];
}

function ioWaits(input: DiagnosisInput, m: Metrics, ctx: DetectorContext): Finding[] {
  const share = m.main_io_share ?? 0;
  if (share < 0.3) return [];
  const at = busiestOwnFrame(input, ['wall', 'off-cpu', 'cpu']);
  const src = input.sourceOf.metrics;
  return [
    makeFinding(
      {
        patternId: 'thread-io-waits',
        category: 'blocking-io',
        title: `The main thread waits on I/O ${(share * 100).toFixed(0)}% of the time`,
        severity: ladder(
          share,
          [
            [0.7, 'high'],
            [0.4, 'medium'],
          ],
          'low',
        ),
        confidence: 0.7,
        location: at.location,
        stack: at.stack,
        evidence: {
          ...evidenceOfMetric(m, 'main_io_share', src),
          ...evidenceOfMetric(m, 'main_running_share', src),
          ...evidenceOfMetric(m, 'io_read_bytes', src),
          ...evidenceOfMetric(m, 'io_write_bytes', src),
          ...evidenceOfMetric(m, 'syscalls_per_s', src),
        },
        description: `The main thread was blocked in the kernel on disk, pipe or socket I/O for a large share of samples (kernel waits: ${topWchans(input) || 'state D'}).`,
        suggestions: [
          'Read and write in larger blocks, cache what is read repeatedly, and overlap I/O with computation.',
          'Check whether the data source (disk, network peer, pipe) is the bottleneck.',
        ],
        verify: 'main_io_share in features.json should drop.',
        share,
      },
      ctx,
    ),
  ];
}

function sleepWaits(input: DiagnosisInput, m: Metrics, ctx: DetectorContext): Finding[] {
  const share = (m.main_timer_share ?? 0) + (m.main_poll_share ?? 0);
  if (share < 0.5 || (m.cpu_utilisation ?? 1) > 0.3) return [];
  const at = busiestOwnFrame(input, ['wall', 'cpu']);
  const src = input.sourceOf.metrics;
  return [
    makeFinding(
      {
        patternId: 'thread-sleep-waits',
        category: 'sleep-wait',
        title: `The program sleeps or idles ${(share * 100).toFixed(0)}% of its wall time`,
        severity: ladder(
          share,
          [
            [0.8, 'high'],
            [0.5, 'medium'],
          ],
          'low',
        ),
        confidence: 0.75,
        location: at.location,
        stack: at.stack,
        evidence: {
          ...evidenceOfMetric(m, 'main_timer_share', src),
          ...evidenceOfMetric(m, 'main_poll_share', src),
          ...evidenceOfMetric(m, 'cpu_utilisation', src),
          ...evidenceOfMetric(m, 'wall_s', src),
          ...evidenceOfMetric(m, 'cpu_s', src),
        },
        description: `The main thread spent most samples asleep on timers or idle in poll/epoll (kernel waits: ${topWchans(input) || 'unknown'}), not computing: wall time is dominated by waiting.`,
        suggestions: [
          'Remove fixed sleeps and polling loops; wait on the event itself (a queue, a promise, a condition).',
          'If waiting on a remote service, issue requests concurrently.',
        ],
        verify: 'wall_s should drop while cpu_s stays about the same.',
        share,
      },
      ctx,
    ),
  ];
}
