import { RUN_METRICS, type RunMeasurement, type RunMetricKey } from './run-measurements.js';
import { mannWhitneyU, medianWithCi, UTestError, uTestMinP } from './stats.js';

/** SideSummary is one side of a run-level metric: its values, median and 95% CI of the median. */
export interface SideSummary {
  values: number[];
  median: number;
  /** ci95 is null when the side has too few runs for a finite interval (fewer than 6). */
  ci95: { lo: number; hi: number } | null;
}

/**
 * RunMetricComparison compares one whole-run measurement across runs, with the same statistics
 * as function changes: medians, a two-sided Mann-Whitney U test, significance at alpha.
 * `change` reads 'slower'/'larger' (worse), 'faster'/'smaller' (better) or '~' (not significant).
 */
export interface RunMetricComparison {
  metric: RunMetricKey;
  label: string;
  unit: string;
  base: SideSummary;
  head: SideSummary;
  delta_pct: number;
  p: number | null;
  significant: boolean;
  change: 'worse' | 'better' | '~';
}

/** RunLevelDiff is every metric both sides measured, plus those that could not be compared. */
export interface RunLevelDiff {
  runs: { base: number; head: number };
  metrics: RunMetricComparison[];
  /** not_compared says which metrics one side lacks, and why. */
  not_compared: string[];
}

/**
 * compareRuns compares wall time, CPU time, peak RSS and GC share per run. Lower is better for
 * all of them. A metric a side did not measure is listed in not_compared, never guessed.
 */
export function compareRuns(base: RunMeasurement[], head: RunMeasurement[], alpha: number): RunLevelDiff {
  const metrics: RunMetricComparison[] = [];
  const notCompared: string[] = [];
  for (const def of RUN_METRICS) {
    const b = valuesOf(base, def.key);
    const h = valuesOf(head, def.key);
    if (b.length === 0 || h.length === 0) {
      if (b.length > 0 || h.length > 0) {
        notCompared.push(`${def.label}: measured on the ${b.length > 0 ? 'base' : 'head'} side only`);
      }
      continue;
    }
    const bs = summarise(b);
    const hs = summarise(h);
    const p = uTestP(b, h);
    const significant = p !== null && p < alpha;
    const deltaPct = bs.median === 0 ? 0 : ((hs.median - bs.median) / bs.median) * 100;
    metrics.push({
      metric: def.key,
      label: def.label,
      unit: def.unit,
      base: bs,
      head: hs,
      delta_pct: round(deltaPct),
      p: p === null ? null : Number(p.toPrecision(4)),
      significant,
      change: !significant ? '~' : deltaPct > 0 ? 'worse' : 'better',
    });
  }
  return { runs: { base: base.length, head: head.length }, metrics, not_compared: notCompared };
}

function valuesOf(runs: RunMeasurement[], key: RunMetricKey): number[] {
  return runs.map((r) => r[key]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

function summarise(values: number[]): SideSummary {
  const s = medianWithCi(values, 0.95);
  const finite = Number.isFinite(s.lo) && Number.isFinite(s.hi);
  return {
    values: values.map(round4),
    median: round4(s.center),
    ci95: finite ? { lo: round4(s.lo), hi: round4(s.hi) } : null,
  };
}

/** uTestP is the U test's p, or null when it cannot say anything (one run a side, all equal). */
function uTestP(b: number[], h: number[]): number | null {
  if (b.length < 2 || h.length < 2) return null;
  try {
    return mannWhitneyU(b, h).p;
  } catch (err) {
    if (err instanceof UTestError) return 1;
    throw err;
  }
}

/** runsNeededNote explains when the U test cannot reach alpha with these run counts. */
export function runsNeededNote(nBase: number, nHead: number, alpha: number): string | undefined {
  const minP = uTestMinP(Math.min(nBase, nHead));
  if (nBase < 2 || nHead < 2)
    return 'one run on a side: run-level changes are shown without a significance test';
  if (minP > alpha)
    return `with ${nBase} and ${nHead} runs the smallest possible p is ${minP.toFixed(3)}, above alpha=${alpha}: no run-level change can be significant`;
  return undefined;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function round4(x: number): number {
  return Number(x.toPrecision(4));
}
