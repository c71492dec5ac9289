import { evidenceOfMetric } from '../features/metric-evidence.js';
import type { MetricName, Metrics } from '../features/metrics.js';
import type { Finding } from '../findings.js';
import { type DetectorContext, ladder, makeFinding } from './detector.js';

/** VARIANCE_CV: a coefficient of variation above this between identical runs is abnormal. */
const VARIANCE_CV = 0.15;
const MIN_RUNS = 3;

function cvOf(values: number[]): { cv: number; mean: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return { cv: mean === 0 ? 0 : sd / mean, mean };
}

/**
 * runVariance compares the runs of one `--runs N` series: when wall or CPU time varies by more
 * than VARIANCE_CV between runs of the same command, measurements are unreliable and the
 * variance itself needs explaining (contention with other work, caches, network, timers).
 * Wall varying with steady CPU points at waiting; CPU varying at the work itself.
 */
export function runVariance(perRun: Metrics[], ctx: DetectorContext): Finding[] {
  if (perRun.length < MIN_RUNS) return [];
  const series = (name: MetricName) =>
    perRun.map((m) => m[name]).filter((v): v is number => typeof v === 'number');
  const wall = series('wall_s');
  const cpu = series('cpu_s');
  if (wall.length < MIN_RUNS) return [];
  const w = cvOf(wall);
  const c = cpu.length >= MIN_RUNS ? cvOf(cpu) : { cv: 0, mean: 0 };
  const worst = Math.max(w.cv, c.cv);
  if (worst < VARIANCE_CV) return [];
  const cpuVaries = c.cv >= VARIANCE_CV;
  const evidence = {
    wall_s_cv: { value: Math.round(w.cv * 1000) / 1000, unit: 'ratio', source: 'runs/*/artifacts' },
    wall_s_min: { value: Math.min(...wall), unit: 's', source: 'runs/*/artifacts' },
    wall_s_max: { value: Math.max(...wall), unit: 's', source: 'runs/*/artifacts' },
    ...(cpu.length >= MIN_RUNS
      ? {
          cpu_s_cv: { value: Math.round(c.cv * 1000) / 1000, unit: 'ratio', source: 'runs/*/artifacts' },
          cpu_s_min: { value: Math.min(...cpu), unit: 's', source: 'runs/*/artifacts' },
          cpu_s_max: { value: Math.max(...cpu), unit: 's', source: 'runs/*/artifacts' },
        }
      : {}),
    runs: { value: perRun.length, unit: 'count', source: 'manifest.json' },
    ...evidenceOfMetric(perRun[0], 'cpu_utilisation', 'runs/1'),
  };
  return [
    makeFinding(
      {
        patternId: 'run-variance',
        category: cpuVaries ? 'cpu-hotspot' : 'sleep-wait',
        title: `Runs vary by ${(worst * 100).toFixed(0)}% (${cpuVaries ? 'CPU time' : 'wall time with steady CPU'})`,
        severity: ladder(
          worst,
          [
            [0.5, 'high'],
            [0.25, 'medium'],
          ],
          'low',
        ),
        confidence: Math.min(0.9, 0.5 + perRun.length * 0.05),
        location: { function: '(whole run)', file: '', line: 0 },
        stack: [],
        evidence,
        description: cpuVaries
          ? 'The same command used very different CPU time across runs: input-dependent work, caching or JIT warm-up, or CPU frequency and contention on the machine.'
          : 'Wall time varied across runs while CPU time stayed steady: the program waits on something whose latency varies (network, disk, locks, timers).',
        suggestions: [
          'Run on an idle machine and pin CPU frequency before comparing; use --runs 10 for a stable median.',
          'Find the varying wait (network calls, sleeps with jitter, lock contention) and remove it from the measured path.',
        ],
        verify: 'wall_s_cv in a new --runs series should fall below 0.15.',
        share: Math.min(1, worst),
      },
      ctx,
    ),
  ];
}
