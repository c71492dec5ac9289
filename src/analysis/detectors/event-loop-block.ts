import { evidenceOfMetric } from '../features/metric-evidence.js';
import type { Severity } from '../findings.js';
import { busiestOwnFrame, type Detector, ladder, makeFinding } from './detector.js';

/** BLOCK_MS: an event loop that could not turn for this long stalled every timer and request. */
const BLOCK_MS = 100;

/**
 * LOOP_TURNS_WITHOUT_SERIES: without the per-window series (a bare profile with metrics), a
 * loop that was measured this many times was kept alive by pending work; a synchronous script
 * turns it once or twice on its way out.
 */
const LOOP_TURNS_WITHOUT_SERIES = 50;

const SEVERITY_BY_DELAY: Array<[number, Severity]> = [
  [1000, 'critical'],
  [250, 'high'],
  [BLOCK_MS, 'medium'],
];

const LOWER: Record<Severity, Severity> = {
  critical: 'high',
  high: 'medium',
  medium: 'low',
  low: 'info',
  info: 'info',
};

/**
 * eventLoopBlock reports a Node.js event loop that stalled while work was waiting on it:
 * 100 ms windows whose worst delay exceeded BLOCK_MS while the program had timers, sockets,
 * servers or requests pending (the preload records them). A batch script that never yields
 * also shows one huge delay, but nothing queued behind it, so it is not an event-loop problem;
 * its time is judged by the CPU findings instead.
 */
export const eventLoopBlock: Detector = {
  id: 'event-loop-block',
  detect(input, ctx) {
    const m = input.metrics;
    const proc = [...input.nodeProcesses].sort((a, b) => b.wall_s - a.wall_s)[0];
    let worst: number;
    let blockedShare: number;
    let blockedWindows = 0;
    if (proc && proc.windows > 0) {
      if (proc.blocked_waiting_windows === 0) return [];
      worst = proc.blocked_waiting_max_ms;
      blockedWindows = proc.blocked_waiting_windows;
      blockedShare = proc.blocked_waiting_windows / proc.windows;
    } else {
      if ((m.event_loop_delay_count ?? 0) < LOOP_TURNS_WITHOUT_SERIES) return [];
      worst = m.event_loop_delay_max_ms ?? 0;
      if (worst < BLOCK_MS) return [];
      blockedShare = Math.min(1, (m.event_loop_delay_p99_ms ?? 0) / 1000);
    }
    // How long one stall lasted sets the level; stalls that were rare (one window in twenty, or
    // a single one) cost the waiting requests less, so they rank one level lower.
    let severity = ladder(worst, SEVERITY_BY_DELAY, 'low');
    if (blockedShare < 0.05 || (proc && blockedWindows < 2)) severity = LOWER[severity];
    const at = busiestOwnFrame(input, ['cpu']);
    const src = 'node metrics';
    return [
      makeFinding(
        {
          patternId: 'event-loop-block',
          category: 'event-loop-block',
          title: `Event loop blocked for up to ${worst.toFixed(0)} ms while work was waiting`,
          severity,
          confidence: proc ? 0.85 : 0.6,
          location: at.location,
          stack: at.stack,
          evidence: {
            ...evidenceOfMetric(m, 'event_loop_delay_p50_ms', src),
            ...evidenceOfMetric(m, 'event_loop_delay_p99_ms', src),
            ...(proc
              ? {
                  blocked_waiting_max_delay: { value: worst, unit: 'ms', source: src },
                  blocked_windows: { value: blockedWindows, unit: 'count', source: src },
                  windows_with_pending_work: { value: proc.waiting_windows, unit: 'count', source: src },
                  windows: { value: proc.windows, unit: 'count', source: src },
                }
              : evidenceOfMetric(m, 'event_loop_delay_max_ms', src)),
            ...(at.share > 0
              ? {
                  blocker_cpu_share: {
                    value: Math.round(at.share * 10000) / 100,
                    unit: '%',
                    source: input.sourceOf.cpu ?? 'profile',
                  },
                }
              : {}),
          },
          description: `Synchronous work ran on the event loop for long stretches while ${
            proc && proc.waiting_types.length > 0
              ? `handles were pending (${proc.waiting_types.slice(0, 4).join(', ')})`
              : 'timers, I/O callbacks or requests were pending'
          }; they all waited. The location is the busiest JavaScript function of the program, the likely blocker.`,
          suggestions: [
            'Split long synchronous work into chunks (setImmediate between them) or move it to a worker_thread.',
            'Replace synchronous APIs (fs.*Sync, zlib *Sync, crypto *Sync, big JSON.parse) with async ones.',
          ],
          verify: 'blocked_windows in the finding and event_loop_delay_p99_ms in features.json should fall.',
          share: blockedShare,
        },
        ctx,
      ),
    ];
  },
};
