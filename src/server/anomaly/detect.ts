import { hashSeed } from '../../analysis/seeded-random.js';
import type { BaselineStats } from './baseline.js';
import type { DetectionThresholds } from './config.js';
import { buildIsolationForest, type IsolationForest, isolationScore } from './isolation-forest.js';
import { jensenShannon } from './js-divergence.js';
import { averageShares, type MinuteShares } from './minute-shares.js';
import { type FunctionSignal, functionSignals } from './zscore.js';

/**
 * BaselineModel is everything a window is judged against, built once per baseline (and rebuilt
 * as it rolls): per-function stats, the mean shape, the divergence a normal minute shows, and an
 * isolation forest over the baseline's minute vectors.
 */
export interface BaselineModel {
  stats: BaselineStats;
  meanSelf: Map<string, number>;
  jsdThreshold: number;
  /** features are the function keys the forest sees, plus one "other" coordinate. */
  features: string[];
  forest: IsolationForest;
  isolationThreshold: number;
}

/** Detection is the verdict on one window. */
export interface Detection {
  anomalous: boolean;
  kind: 'function-share' | 'profile-shape' | 'none';
  /** signals: flagged first, then by rise; at most 10. */
  signals: FunctionSignal[];
  flagged: FunctionSignal[];
  jsd: number;
  jsdThreshold: number;
  shapeChanged: boolean;
  isolation: number;
  isolationThreshold: number;
  novel: boolean;
}

const FOREST_FEATURES = 24;
const CALIBRATION_MINUTES = 256;

/** buildBaselineModel trains the model on the baseline's minutes; `seedKey` makes it reproducible. */
export function buildBaselineModel(
  minutes: readonly MinuteShares[],
  stats: BaselineStats,
  t: DetectionThresholds,
  seedKey: string,
): BaselineModel {
  const meanSelf = averageShares(minutes, 'self');
  const calibration = spread(minutes, CALIBRATION_MINUTES);
  // A single minute diverges from the mean more than a pooled window does, so a threshold
  // calibrated on single minutes is conservative for windows: that is the side to err on.
  const jsds = calibration.map((m) => jensenShannon(m.self, meanSelf));
  const jsdThreshold = Math.max(t.jsdMin, mean(jsds) + t.jsdSigmas * std(jsds));
  const features = [...meanSelf]
    .sort((a, b) => b[1] - a[1])
    .slice(0, FOREST_FEATURES)
    .map(([k]) => k);
  const points = minutes.map((m) => vectorOf(m.self, features));
  const forest = buildIsolationForest(points, { seed: hashSeed(seedKey) });
  const scores = calibration
    .map((m) => isolationScore(forest, vectorOf(m.self, features)))
    .sort((a, b) => a - b);
  const p99 = scores.length > 0 ? scores[Math.min(scores.length - 1, Math.floor(scores.length * 0.99))] : 0;
  return {
    stats,
    meanSelf,
    jsdThreshold,
    features,
    forest,
    isolationThreshold: Math.max(t.isolationMin, p99 + t.isolationMargin),
  };
}

/**
 * detectWindow judges the pooled window: per-function z-scores on self and total shares, the
 * whole-profile divergence, and the forest's novelty score. A function-level verdict names a
 * culprit; a shape-level one (divergence and novelty both) catches many small moves together.
 */
export function detectWindow(
  model: BaselineModel,
  window: readonly MinuteShares[],
  t: DetectionThresholds,
  options: { shapeVerdicts?: boolean } = {},
): Detection {
  const self = averageShares(window, 'self');
  const cum = averageShares(window, 'cum');
  const signals = [
    ...functionSignals(model.stats.self, self, 'self', t),
    ...functionSignals(model.stats.cum, cum, 'total', t),
  ];
  signals.sort(
    (a, b) => Number(b.flagged) - Number(a.flagged) || b.current - b.baseline - (a.current - a.baseline),
  );
  const flagged = signals.filter((s) => s.flagged);
  const jsd = jensenShannon(self, model.meanSelf);
  const isolation = isolationScore(model.forest, vectorOf(self, model.features));
  const shapeChanged = jsd > model.jsdThreshold;
  const novel = isolation > model.isolationThreshold;
  const shapeVerdict = (options.shapeVerdicts ?? true) && shapeChanged && novel;
  const kind = flagged.length > 0 ? 'function-share' : shapeVerdict ? 'profile-shape' : 'none';
  return {
    anomalous: kind !== 'none',
    kind,
    signals: signals.slice(0, 10),
    flagged,
    jsd,
    jsdThreshold: model.jsdThreshold,
    shapeChanged,
    isolation,
    isolationThreshold: model.isolationThreshold,
    novel,
  };
}

/**
 * confidenceOf turns the detectors' agreement into 0..1: one detector alone is a lead, several
 * independent ones (function z-score, divergence, novelty, a metric moving at the same time)
 * make it a finding.
 */
export function confidenceOf(d: Detection, metricCooccurs: boolean): number {
  let c = d.kind === 'function-share' ? 0.5 : d.kind === 'profile-shape' ? 0.45 : 0;
  if (c === 0) return 0;
  if (d.kind === 'function-share' && d.shapeChanged) c += 0.15;
  if (d.kind === 'function-share' && d.novel) c += 0.15;
  if (metricCooccurs) c += 0.2;
  return Math.min(0.99, Math.round(c * 100) / 100);
}

/** vectorOf projects shares onto the features, with the rest of the mass as the last coordinate. */
export function vectorOf(shares: ReadonlyMap<string, number>, features: readonly string[]): number[] {
  let known = 0;
  const v = features.map((f) => {
    const x = shares.get(f) ?? 0;
    known += x;
    return x;
  });
  v.push(Math.max(0, 1 - known));
  return v;
}

function spread<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  const step = items.length / n;
  return Array.from({ length: n }, (_, i) => items[Math.floor(i * step)]);
}

function mean(xs: number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

function std(xs: number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) * (x - m), 0) / xs.length);
}
