import { normalInvCdf, uTestMinP } from './stats.js';

/**
 * Asymptotic relative efficiency of the Mann-Whitney U test against the t test for normal data
 * (3/pi): the U test needs about 1/0.955 times the runs for the same power.
 */
const U_TEST_EFFICIENCY = 3 / Math.PI;

/**
 * detectableChangePct is the smallest relative change (in percent of the base median) that the
 * runs at hand would detect with 80% power at alpha, given the per-run noise they showed: the
 * classic two-sample minimum detectable effect, (z(1-alpha/2) + z(power)) * cv * sqrt(2/n),
 * adjusted for the U test's efficiency. cv is the pooled coefficient of variation of both sides
 * and n the smaller side. Infinity when the run counts cannot reach alpha at all; null when
 * there is no noise estimate (fewer than 2 runs a side, or a zero mean).
 */
export function detectableChangePct(
  base: readonly number[],
  head: readonly number[],
  alpha: number,
  power = 0.8,
): number | null {
  const n = Math.min(base.length, head.length);
  if (n < 2) return null;
  if (uTestMinP(n) > alpha) return Number.POSITIVE_INFINITY;
  const cvs = [coefficientOfVariation(base), coefficientOfVariation(head)].filter(
    (v): v is number => v !== null,
  );
  if (cvs.length === 0) return null;
  const cv = Math.sqrt(cvs.reduce((s, v) => s + v * v, 0) / cvs.length);
  const z = normalInvCdf(1 - alpha / 2) + normalInvCdf(power);
  return Number((((z * cv * Math.sqrt(2 / n)) / Math.sqrt(U_TEST_EFFICIENCY)) * 100).toPrecision(2));
}

/** coefficientOfVariation is the sample standard deviation over the mean (null for a zero mean). */
export function coefficientOfVariation(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  if (mean === 0) return null;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1);
  return Math.sqrt(variance) / Math.abs(mean);
}
