import { evidenceOfMetric } from '../features/metric-evidence.js';
import { busiestOwnFrame, type Detector, ladder, makeFinding } from './detector.js';

/** BLOCK_MS: an event loop that could not turn for this long stalled every timer and request. */
const BLOCK_MS = 100;

/**
 * eventLoopBlock reports a Node.js event loop that was blocked for long stretches: the delay
 * histogram's max (and p99) over BLOCK_MS. A loop that never turned (a synchronous script)
 * has no histogram and is not judged: nothing was waiting on it.
 */
export const eventLoopBlock: Detector = {
  id: 'event-loop-block',
  detect(input, ctx) {
    const m = input.metrics;
    if (!m.event_loop_delay_count || (m.event_loop_delay_max_ms ?? 0) < BLOCK_MS) return [];
    const worst = m.event_loop_delay_max_ms ?? 0;
    const p99 = m.event_loop_delay_p99_ms ?? 0;
    const at = busiestOwnFrame(input, ['cpu']);
    const proc = [...input.nodeProcesses].sort((a, b) => b.wall_s - a.wall_s)[0];
    const blockedShare = proc && proc.windows > 0 ? proc.blocked_windows / proc.windows : 0;
    const src = 'node metrics';
    return [
      makeFinding(
        {
          patternId: 'event-loop-block',
          category: 'event-loop-block',
          title: `Event loop blocked for up to ${worst.toFixed(0)} ms`,
          severity: ladder(
            Math.max(p99, worst / 2),
            [
              [1000, 'critical'],
              [250, 'high'],
              [50, 'medium'],
            ],
            'low',
          ),
          confidence: 0.85,
          location: at.location,
          stack: at.stack,
          evidence: {
            ...evidenceOfMetric(m, 'event_loop_delay_p50_ms', src),
            ...evidenceOfMetric(m, 'event_loop_delay_p99_ms', src),
            ...evidenceOfMetric(m, 'event_loop_delay_max_ms', src),
            ...(proc
              ? {
                  blocked_windows: { value: proc.blocked_windows, unit: 'count', source: src },
                  windows: { value: proc.windows, unit: 'count', source: src },
                }
              : {}),
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
          description:
            'Synchronous work ran on the event loop for long stretches; timers, I/O callbacks and requests waited. The location is the busiest JavaScript function of the program, the likely blocker.',
          suggestions: [
            'Split long synchronous work into chunks (setImmediate between them) or move it to a worker_thread.',
            'Replace synchronous APIs (fs.*Sync, zlib *Sync, crypto *Sync, big JSON.parse) with async ones.',
          ],
          verify: 'event_loop_delay_max_ms and p99 in features.json should fall below 50 ms.',
          share: Math.max(blockedShare, Math.min(1, p99 / 1000)),
        },
        ctx,
      ),
    ];
  },
};
