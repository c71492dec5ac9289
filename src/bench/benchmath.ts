/**
 * Distributional assumptions for benchmark samples, as benchstat makes them:
 * - "nothing" (the default): summarise by the median with an order-statistic confidence
 *   interval and compare with the Mann-Whitney U test;
 * - "exact" (unit metadata `assume=exact`): the value is the mode, comparisons need no test.
 * Each result carries the warnings benchstat prints as footnotes.
 */
import {
  type MedianSummary,
  mannWhitneyU,
  medianWithCi,
  minSamplesForMedianCi,
  minSamplesForUTest,
  sortedCopy,
} from '../analysis/stats.js';
import { formatFixed, formatGoFloat } from './benchunit.js';

/** Assumption names the statistics used for a unit. */
export type Assumption = 'nothing' | 'exact';

/** Summary is a sample's centre, its confidence interval and any warnings about it. */
export interface Summary extends MedianSummary {
  warnings: string[];
}

/** Comparison is the outcome of testing whether two samples differ. */
export interface Comparison {
  /** p is the p-value; 0 means exact (no test was needed). */
  p: number;
  n1: number;
  n2: number;
  alpha: number;
  warnings: string[];
}

/** formatConfidence prints a confidence level like Go's %v ("0.95"). */
function formatLevel(x: number): string {
  return formatGoFloat(x);
}

/** summarize computes a sample's summary under an assumption. */
export function summarize(values: readonly number[], assumption: Assumption, confidence: number): Summary {
  if (assumption === 'exact') return summarizeExact(values);
  const s = medianWithCi(values, confidence);
  const warnings: string[] = [];
  if (!Number.isFinite(s.lo) || !Number.isFinite(s.hi)) {
    const need = minSamplesForMedianCi(confidence);
    warnings.push(
      `need ${need.op} ${need.n} samples for confidence interval at level ${formatLevel(confidence)}`,
    );
  }
  return { ...s, warnings };
}

/** summarizeExact reports the mode and warns when the values are not all equal. */
function summarizeExact(values: readonly number[]): Summary {
  const sorted = sortedCopy(values);
  let mode = sorted[0];
  let modeCount = 1;
  let run = 1;
  for (let i = 1; i < sorted.length; i++) {
    run = sorted[i] === sorted[i - 1] ? run + 1 : 1;
    if (run > modeCount) {
      mode = sorted[i];
      modeCount = run;
    }
  }
  const lo = sorted[0];
  const hi = sorted[sorted.length - 1];
  const warnings =
    modeCount === sorted.length
      ? []
      : [`exact distribution expected, but values range from ${formatGoFloat(lo)} to ${formatGoFloat(hi)}`];
  return { center: mode, lo, hi, confidence: 1, warnings };
}

/** compare tests base against head under an assumption at significance level alpha. */
export function compare(
  base: readonly number[],
  head: readonly number[],
  assumption: Assumption,
  alpha: number,
): Comparison {
  if (assumption === 'exact') return { p: 0, n1: base.length, n2: head.length, alpha: 0, warnings: [] };
  let result: { p: number; n1: number; n2: number };
  try {
    result = mannWhitneyU(base, head);
  } catch (err) {
    // An undefined test (all values equal) reads as "no significant difference".
    return { p: 1, n1: base.length, n2: head.length, alpha, warnings: [(err as Error).message] };
  }
  const cmp: Comparison = { p: result.p, n1: result.n1, n2: result.n2, alpha, warnings: [] };
  if (cmp.p > cmp.alpha) {
    const need = minSamplesForUTest(alpha);
    if (cmp.n1 < need.n && cmp.n2 < need.n) {
      cmp.warnings.push(
        `need ${need.op} ${need.n} samples to detect a difference at alpha level ${formatLevel(alpha)}`,
      );
    }
  }
  return cmp;
}

/** pctRange prints the half-width of a summary's interval as a percent of its centre. */
export function pctRange(s: Pick<Summary, 'center' | 'lo' | 'hi'>): string {
  if (!Number.isFinite(s.lo) || !Number.isFinite(s.hi)) return '∞';
  const sign = Math.sign(s.center);
  if (sign !== Math.sign(s.lo) || sign !== Math.sign(s.hi)) return '?';
  if (s.center === 0) return '0%';
  const v = Math.max(s.hi / s.center - 1, 1 - s.lo / s.center);
  return `${formatFixed(100 * v, 0)}%`;
}

/** comparisonNote prints "p=0.PPP n=N" (or "n=N1+N2"); exact comparisons omit p. */
export function comparisonNote(c: Pick<Comparison, 'p' | 'n1' | 'n2'>): string {
  const p = c.p !== 0 ? `p=${formatFixed(c.p, 3)} ` : '';
  return c.n1 === c.n2 ? `${p}n=${c.n1}` : `${p}n=${c.n1}+${c.n2}`;
}

/** isSignificant: the test rejects "same distribution" (p <= alpha, as benchstat decides). */
export function isSignificant(c: Pick<Comparison, 'p' | 'alpha'>): boolean {
  return !(c.p > c.alpha);
}

/** formatDelta prints the change of the centres, or "~" when it is not significant. */
export function formatDelta(c: Pick<Comparison, 'p' | 'alpha'>, oldValue: number, newValue: number): string {
  if (!isSignificant(c)) return '~';
  if (oldValue === newValue) return '0.00%';
  if (oldValue === 0) return '?';
  return formatSignedPercent((newValue / oldValue - 1) * 100);
}

/** formatSignedPercent prints like Go's "%+.2f%%". */
export function formatSignedPercent(pct: number): string {
  const s = formatFixed(pct, 2);
  return `${s.startsWith('-') ? s : `+${s}`}%`;
}
