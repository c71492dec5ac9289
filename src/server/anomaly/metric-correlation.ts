import type { PrometheusConfig } from './config.js';
import { PrometheusError, promString, queryRange } from './prometheus-client.js';

/**
 * MetricEvidence is one configured Prometheus series around an anomaly (times Unix seconds):
 *
 *   {name, query, series, points, baseline_mean, window_mean, change_pct, z, anomalous, note?}
 *
 * `points` counts samples in the window; `anomalous` says the metric moved with the profile,
 * which raises the anomaly's confidence (and is required when `requireMetricAnomaly` is set).
 */
export interface MetricEvidence {
  name: string;
  query: string;
  series: number;
  points: number;
  baseline_mean: number | null;
  window_mean: number | null;
  change_pct: number | null;
  z: number | null;
  anomalous: boolean;
  note?: string;
}

/** MetricShift compares the window's values with the baseline's. */
export interface MetricShift {
  baseline_mean: number | null;
  window_mean: number | null;
  change_pct: number | null;
  z: number | null;
  anomalous: boolean;
  note?: string;
}

/**
 * metricShift: the window mean against the baseline's mean and deviation. Both a relative change
 * and a z-score must pass: a flat metric makes any wiggle a huge z, a noisy one makes any trend
 * a large relative change.
 */
export function metricShift(
  baseline: readonly number[],
  window: readonly number[],
  options: { minRelativeChange?: number; zScore?: number } = {},
): MetricShift {
  const minRel = options.minRelativeChange ?? 0.1;
  const zMin = options.zScore ?? 3;
  if (window.length === 0) return none('no points in the window');
  const wMean = mean(window);
  if (baseline.length < 3)
    return { ...none('too few baseline points to judge a change'), window_mean: r4(wMean) };
  const bMean = mean(baseline);
  const sd = Math.sqrt(baseline.reduce((a, x) => a + (x - bMean) ** 2, 0) / baseline.length);
  // The floor is 1% of the level: a perfectly flat baseline must not make every blip infinite.
  const sigma = Math.max(sd, Math.abs(bMean) * 0.01, 1e-12);
  const z = (wMean - bMean) / sigma;
  const rel = bMean !== 0 ? (wMean - bMean) / Math.abs(bMean) : wMean !== 0 ? Number.POSITIVE_INFINITY : 0;
  return {
    baseline_mean: r4(bMean),
    window_mean: r4(wMean),
    change_pct: Number.isFinite(rel) ? Math.round(rel * 1000) / 10 : null,
    z: Math.round(z * 100) / 100,
    anomalous: Math.abs(rel) >= minRel && Math.abs(z) >= zMin,
  };
}

/**
 * readMetricEvidence runs every configured query for the service over the baseline and the
 * window (one range query each, split by time). A query that fails becomes a note, never an
 * exception: metrics are corroboration, and an unreachable Prometheus must not lose the report.
 */
export async function readMetricEvidence(
  config: PrometheusConfig,
  service: string,
  window: { from: number; until: number },
  baseline: { from: number; until: number },
): Promise<MetricEvidence[]> {
  const span = window.until - baseline.from;
  const step = config.stepSeconds ?? Math.max(1, Math.ceil(span / 500));
  return Promise.all(
    config.queries.map(async ({ name, query }) => {
      const q = query.replaceAll('$service', promString(service));
      try {
        const series = await queryRange(config.url, q, baseline.from, window.until, step);
        // Several series (pods, instances) are summed per timestamp: the service's total.
        const byTime = new Map<number, number>();
        for (const s of series) for (const [t, v] of s.points) byTime.set(t, (byTime.get(t) ?? 0) + v);
        const b: number[] = [];
        const w: number[] = [];
        for (const [t, v] of byTime) {
          if (t >= window.from && t <= window.until) w.push(v);
          else if (t >= baseline.from && t < baseline.until) b.push(v);
        }
        const shift = metricShift(b, w, config);
        return { name, query: q, series: series.length, points: w.length, ...shift };
      } catch (err) {
        if (!(err instanceof PrometheusError)) throw err;
        return { name, query: q, series: 0, points: 0, ...none(err.message) };
      }
    }),
  );
}

function none(note: string): MetricShift {
  return { baseline_mean: null, window_mean: null, change_pct: null, z: null, anomalous: false, note };
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function r4(x: number): number {
  return Number(x.toPrecision(4));
}
