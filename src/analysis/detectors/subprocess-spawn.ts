import { evidenceOfMetric } from '../features/metric-evidence.js';
import { busiestOwnFrame, type Detector, ladder, makeFinding } from './detector.js';

/** Spawning is a problem when it is frequent, not when a program starts a few helpers. */
const MIN_PROCESSES = 10;
const MIN_RATE_PER_S = 3;

/**
 * subprocessSpawn reports a program that starts many child processes, from the process tree
 * /proc saw (children of the program only, not of its wrapper). The CPU of those children is
 * part of the evidence: it is work the parent's profile never shows.
 */
export const subprocessSpawn: Detector = {
  id: 'subprocess-spawn',
  detect(input, ctx) {
    const m = input.metrics;
    const n = m.processes_spawned ?? 0;
    const rate = m.spawn_rate_per_s ?? 0;
    if (n < MIN_PROCESSES || rate < MIN_RATE_PER_S) return [];
    const main = [...input.processes].sort((a, b) => b.seen_s - a.seen_s)[0];
    const childCpu = input.processes.filter((p) => p.pid !== main?.pid).reduce((s, p) => s + p.cpu_s, 0);
    const childShare = m.cpu_s ? childCpu / m.cpu_s : 0;
    const waitShare = m.main_child_share ?? 0;
    const at = busiestOwnFrame(input, ['wall', 'cpu']);
    const src = input.sourceOf.metrics;
    return [
      makeFinding(
        {
          patternId: 'subprocess-spawn',
          category: 'subprocess',
          title: `${n} child processes started (${rate.toFixed(1)}/s)`,
          severity: ladder(
            rate,
            [
              [50, 'high'],
              [10, 'medium'],
            ],
            'low',
          ),
          confidence: 0.8,
          location: at.location,
          stack: at.stack,
          evidence: {
            ...evidenceOfMetric(m, 'processes_spawned', src),
            ...evidenceOfMetric(m, 'spawn_rate_per_s', src),
            children_cpu_share: { value: Math.round(childShare * 10000) / 100, unit: '%', source: src },
            ...evidenceOfMetric(m, 'main_child_share', src),
          },
          description:
            'The program starts child processes at a high rate. Every spawn pays fork/exec, program start-up and a wait, which dominates when the child does little work.',
          suggestions: [
            'Do the work in-process with a library instead of running a command per item.',
            'Batch many items into one child process, or keep one long-lived worker.',
          ],
          verify: 'processes_spawned and spawn_rate_per_s in features.json should drop.',
          share: Math.max(childShare, waitShare, 0.1),
        },
        ctx,
      ),
    ];
  },
};
