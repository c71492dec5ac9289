import type { ShareStats } from './baseline.js';
import type { DetectionThresholds } from './config.js';

/** FunctionSignal is one function's share in the window against its baseline. */
export interface FunctionSignal {
  key: string;
  metric: 'self' | 'total';
  baseline: number;
  current: number;
  /** relative is (current - baseline) / baseline; Infinity for a function the baseline never had. */
  relative: number;
  z: number;
  /** flagged: every threshold passed (relative rise, minimum share and delta, z). */
  flagged: boolean;
}

/**
 * functionSignals scores every function of the window against its baseline. The deviation is
 * the baseline's per-minute one, not sigma / sqrt(n) for the window's n minutes: most of a
 * share's movement is the traffic mix drifting over hours, which pooling a few minutes does not
 * average away. A floor keeps z finite for a share that never moved in the baseline.
 * Only rises are scored: when one function grows every other share shrinks, and paging on the
 * shrinking ones would only repeat the cause.
 */
export function functionSignals(
  baseline: ReadonlyMap<string, ShareStats>,
  window: ReadonlyMap<string, number>,
  metric: 'self' | 'total',
  t: DetectionThresholds,
): FunctionSignal[] {
  const out: FunctionSignal[] = [];
  for (const [key, current] of window) {
    if (current < t.minShare) continue;
    const stats = baseline.get(key) ?? { mean: 0, std: 0 };
    const delta = current - stats.mean;
    if (delta <= 0) continue;
    const sigma = Math.sqrt(stats.std * stats.std + t.sigmaFloor * t.sigmaFloor);
    const z = delta / sigma;
    const relative = stats.mean > 0 ? delta / stats.mean : Number.POSITIVE_INFINITY;
    const flagged = relative > t.relativeIncrease && delta >= t.minDeltaShare && z >= t.zScore;
    out.push({ key, metric, baseline: stats.mean, current, relative, z, flagged });
  }
  return out.sort(
    (a, b) => Number(b.flagged) - Number(a.flagged) || b.current - b.baseline - (a.current - a.baseline),
  );
}
