/**
 * Pure statistics for comparing benchmark samples: the median and its confidence interval
 * from order statistics, the two-sided Mann-Whitney U test (exact distribution for small
 * samples, with ties handled exactly, normal approximation beyond), and the geometric mean.
 *
 * The algorithms and cut-offs follow golang.org/x/perf's benchmath (which uses
 * github.com/aclements/go-moremath/stats) so that `autoprof bench-compare` prints the same
 * p-values and intervals as benchstat: exact U distribution up to 50 values per side without
 * ties and 25 with ties, binomial order statistics up to n = 30, normal approximations above.
 */

/** MannWhitneyExactLimit: largest sample size for the exact U distribution without ties. */
export const MANN_WHITNEY_EXACT_LIMIT = 50;
/** MANN_WHITNEY_TIES_EXACT_LIMIT: largest sample size for the exact U distribution with ties. */
export const MANN_WHITNEY_TIES_EXACT_LIMIT = 25;
/** QUANTILE_CI_EXACT_LIMIT: largest n for which quantile CIs sum binomial probabilities exactly. */
const QUANTILE_CI_EXACT_LIMIT = 30;

/** sortedCopy returns the values in ascending order without touching the input. */
export function sortedCopy(values: readonly number[]): number[] {
  return Array.from(Float64Array.from(values).sort());
}

/**
 * quantileOfSorted interpolates the q'th quantile of ascending values (the rule where the
 * median of an even-sized sample is the midpoint of the two middle values).
 */
export function quantileOfSorted(sorted: readonly number[], q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (q <= 0) return sorted[0];
  if (q >= 1) return sorted[n - 1];
  const h = (n + 1 / 3) * q + 1 / 3;
  const lo = Math.floor(h);
  if (lo < 1) return sorted[0];
  if (lo >= n) return sorted[n - 1];
  const a = sorted[lo - 1];
  const b = sorted[lo];
  return a + (h - lo) * (b - a);
}

/** median of any values (they are sorted internally). */
export function median(values: readonly number[]): number {
  return quantileOfSorted(sortedCopy(values), 0.5);
}

/** geomean is exp(mean(log x)); NaN when the input is empty or any value is <= 0. */
export function geomean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) {
    if (!(v > 0)) return Number.NaN;
    sum += Math.log(v);
  }
  return Math.exp(sum / values.length);
}

/** choose is the binomial coefficient n over k, exact while it fits in a double's 53 bits. */
export function choose(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  if (k === 0 || k === n) return 1;
  const kk = Math.min(k, n - k);
  let num = 1n;
  let den = 1n;
  for (let i = 1; i <= kk; i++) {
    num *= BigInt(n - kk + i);
    den *= BigInt(i);
  }
  return Number(num / den);
}

/** erf by its non-alternating series (no cancellation) below 3 and erfc's continued fraction above. */
function erfcPositive(x: number): number {
  if (x < 3) {
    // erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n (2x^2)^n x / (1*3*...*(2n+1))
    let term = x;
    let sum = x;
    const x2 = 2 * x * x;
    for (let n = 1; n < 500; n++) {
      term *= x2 / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
  }
  // Lentz's method on erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))).
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let i = 1; i < 500; i++) {
    const a = i / 2;
    d = x + a * d;
    d = d === 0 ? tiny : d;
    c = x + a / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** erfc is the complementary error function. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x === Number.POSITIVE_INFINITY) return 0;
  if (x === Number.NEGATIVE_INFINITY) return 2;
  return x >= 0 ? erfcPositive(x) : 2 - erfcPositive(-x);
}

/** normalCdf is the CDF of the normal distribution with mean mu and deviation sigma. */
export function normalCdf(x: number, mu = 0, sigma = 1): number {
  return 0.5 * erfc(-(x - mu) / (sigma * Math.SQRT2));
}

/** normalInvCdf inverts normalCdf by bisection, which is plenty for interval rounding. */
export function normalInvCdf(p: number, mu = 0, sigma = 1): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  let lo = -40;
  let hi = 40;
  for (let i = 0; i < 200 && hi - lo > 1e-15; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return mu + sigma * ((lo + hi) / 2);
}

/** binomialPmf is Pr[X = k] for X ~ Binomial(n, p). */
export function binomialPmf(n: number, p: number, k: number): number {
  const ki = Math.floor(k);
  if (ki < 0 || ki > n) return 0;
  return choose(n, ki) * p ** ki * (1 - p) ** (n - ki);
}

/** QuantileCi gives the 1-based order statistics bounding a quantile's confidence interval. */
export interface QuantileCi {
  n: number;
  quantile: number;
  /** confidence actually achieved (>= the requested one, except at tiny n). */
  confidence: number;
  /** loOrder < 1 means the bound is -Infinity; hiOrder > n means +Infinity. */
  loOrder: number;
  hiOrder: number;
}

/**
 * quantileCi picks the narrowest band of order statistics around the q'th quantile of a
 * sample of size n whose binomial coverage reaches `confidence`, growing from the mode and
 * preferring the left side on ties (so results match benchmath's intervals exactly).
 */
export function quantileCi(n: number, q: number, confidence: number): QuantileCi {
  if (confidence >= 1) return { n, quantile: q, confidence: 1, loOrder: 0, hiOrder: n + 1 };
  let l: number;
  let r: number;
  let achieved: number;
  if (n <= QUANTILE_CI_EXACT_LIMIT) {
    let x = Math.ceil((n + 1) * q) - 1;
    if (q === 0) x = 0;
    let accum = binomialPmf(n, q, x);
    l = x;
    r = x + 1;
    let lp = binomialPmf(n, q, l - 1);
    let rp = binomialPmf(n, q, r);
    while (accum < confidence && (lp > 0 || rp > 0)) {
      if (lp >= rp) {
        accum += lp;
        l--;
        lp = binomialPmf(n, q, l - 1);
      } else {
        accum += rp;
        r++;
        rp = binomialPmf(n, q, r);
      }
    }
    achieved = accum;
  } else {
    const mu = n * q;
    const sigma = Math.sqrt(n * q * (1 - q));
    const alpha = (1 - confidence) / 2;
    const l1 = normalInvCdf(alpha, mu, sigma);
    const r1 = 2 * mu - l1;
    l = Math.floor(Math.floor(l1 - 0.5) + 0.5) + 1;
    r = Math.floor(Math.ceil(r1 - 0.5) + 0.5) + 1;
    const cover = (a: number, b: number) => normalCdf(b - 0.5, mu, sigma) - normalCdf(a - 0.5, mu, sigma);
    achieved = cover(l, r);
    const biased = cover(l, r - 1);
    if (biased >= confidence && biased < achieved) {
      achieved = biased;
      r = r - 1;
    }
    if (l <= 0 && r >= n + 1) achieved = 1;
  }
  return { n, quantile: q, confidence: achieved, loOrder: Math.max(l, 0), hiOrder: Math.min(r, n + 1) };
}

/** MedianSummary is a sample's median with the bounds of its confidence interval. */
export interface MedianSummary {
  center: number;
  lo: number;
  hi: number;
  confidence: number;
}

/** medianWithCi summarises a sample by its median and order-statistic confidence interval. */
export function medianWithCi(values: readonly number[], confidence: number): MedianSummary {
  const sorted = sortedCopy(values);
  const ci = quantileCi(sorted.length, 0.5, confidence);
  const lo = ci.loOrder < 1 ? Number.NEGATIVE_INFINITY : sorted[ci.loOrder - 1];
  const hi = ci.hiOrder - 1 >= sorted.length ? Number.POSITIVE_INFINITY : sorted[ci.hiOrder - 1];
  return { center: quantileOfSorted(sorted, 0.5), lo, hi, confidence: ci.confidence };
}

/** minSamplesForMedianCi is the smallest n whose median CI is finite at this confidence. */
export function minSamplesForMedianCi(confidence: number): { op: '>=' | '>'; n: number } {
  const limit = 50;
  for (let n = 2; n <= limit; n++) {
    const ci = quantileCi(n, 0.5, confidence);
    if (ci.loOrder > 0 && ci.hiOrder <= n) return { op: '>=', n };
  }
  return { op: '>', n: limit };
}

/** UTestResult is the outcome of a two-sided Mann-Whitney U test. */
export interface UTestResult {
  n1: number;
  n2: number;
  /** u is the U statistic of the first sample (pairs where it is greater, ties count 1/2). */
  u: number;
  /** p is the two-sided p-value. */
  p: number;
}

/** UTestError: the test is undefined (an empty sample, or every value equal). */
export class UTestError extends Error {}

/**
 * mannWhitneyU runs the two-sided Mann-Whitney U test of "both samples come from the same
 * distribution". Exact up to the limits above; otherwise the normal approximation with tie
 * and continuity corrections. Throws UTestError when the test is meaningless.
 */
export function mannWhitneyU(x1: readonly number[], x2: readonly number[]): UTestResult {
  const n1 = x1.length;
  const n2 = x2.length;
  if (n1 === 0 || n2 === 0) throw new UTestError('sample is too small');
  const merged = [...x1.map((v) => ({ v, first: true })), ...x2.map((v) => ({ v, first: false }))].sort(
    (a, b) => a.v - b.v,
  );
  let r1 = 0;
  const ties: number[] = [];
  let hasTies = false;
  for (let i = 0; i < merged.length; ) {
    const start = i;
    const v = merged[i].v;
    let fromFirst = 0;
    for (; i < merged.length && merged[i].v === v; i++) if (merged[i].first) fromFirst++;
    // Tied values share the average of their 1-based ranks start+1 .. i.
    r1 += ((start + 1 + i) / 2) * fromFirst;
    ties.push(i - start);
    if (i - start > 1) hasTies = true;
  }
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const uSmall = Math.min(u1, u2);
  const exact = hasTies
    ? n1 <= MANN_WHITNEY_TIES_EXACT_LIMIT && n2 <= MANN_WHITNEY_TIES_EXACT_LIMIT
    : n1 <= MANN_WHITNEY_EXACT_LIMIT && n2 <= MANN_WHITNEY_EXACT_LIMIT;
  let p: number;
  if (exact) {
    if (ties.length === 1) throw new UTestError('all samples are equal');
    // The distribution is symmetric and discrete; doubling the CDF at its centre would count the
    // centre's mass twice, and the integral of the whole distribution is 1.
    p = u1 === u2 ? 1 : uDistCdf(n1, n2, hasTies ? ties : undefined, uSmall) * 2;
  } else {
    let t = 0;
    for (const k of ties) t += k * k * k - k;
    const n = n1 + n2;
    const mu = (n1 * n2) / 2;
    const sigma = Math.sqrt((n1 * n2 * (n + 1 - t / (n * (n - 1)))) / 12);
    if (sigma === 0) throw new UTestError('all samples are equal');
    let numer = u1 - mu;
    numer -= Math.sign(numer) * 0.5;
    const z = numer / sigma;
    p = 2 * Math.min(normalCdf(z), 1 - normalCdf(z));
  }
  return { n1, n2, u: u1, p };
}

/**
 * uDistCdf is Pr[U <= u] under the null hypothesis for samples of sizes n1 and n2. Without
 * ties it uses Mann and Whitney's recurrence over probabilities; with ties (sizes of each run
 * of equal values in `ties`) it counts arrangements exactly by dynamic programming over the
 * tie groups, since U then moves in half steps.
 */
export function uDistCdf(n1: number, n2: number, ties: readonly number[] | undefined, u: number): number {
  if (u < 0) return 0;
  if (u >= n1 * n2) return 1;
  if (ties?.some((t) => t > 1)) return tiedUCount(n1, ties, Math.floor(2 * u)) / choose(n1 + n2, n1);
  let ui = Math.floor(u);
  // Sum whichever tail is shorter; the distribution is symmetric around n1*n2/2.
  const flip = ui >= Math.floor((n1 * n2 + 1) / 2);
  if (flip) ui = n1 * n2 - ui - 1;
  const pmf = uPmfUpTo(n1, n2, ui);
  let p = 0;
  for (let i = 0; i <= ui; i++) p += pmf[i];
  return flip ? 1 - p : p;
}

/**
 * uPmfUpTo returns Pr[U = 0..maxU] without ties, from the recurrence
 * p(n,m,U) = (n p(n-1,m,U-m) + m p(n,m-1,U)) / (n+m), keeping one row of (n, m) at a time.
 */
function uPmfUpTo(n1: number, n2: number, maxU: number): Float64Array {
  const small = Math.min(n1, n2);
  const large = Math.max(n1, n2);
  const rows: Float64Array[] = [];
  for (let n = 0; n <= small; n++) rows.push(new Float64Array(maxU + 1));
  for (let m = 0; m <= large; m++) {
    rows[0][0] = 1;
    const nLimit = Math.min(small, m);
    for (let n = 1; n <= nLimit; n++) {
      const left = rows[n - 1];
      // p(n, m-1) lives in row n while n < m; at n == m use the symmetric p(m-1, n).
      const right = n <= m - 1 ? rows[n] : rows[m - 1];
      const out = rows[n];
      const uLimit = Math.min(maxU, n * m);
      for (let k = uLimit; k >= 0; k--) {
        const l = k - m >= 0 ? n * left[k - m] : 0;
        out[k] = (l + m * right[k]) / (n + m);
      }
    }
  }
  return rows[small];
}

/**
 * tiedUCount counts how many ways to pick which n1 of the pooled values belong to the first
 * sample give 2*U1 <= twoU, where runs of tied values have the sizes in `ties`. Choosing r of a
 * run of size t that starts after `before` values adds r*(2*before + t + 1) to 2*R1.
 */
function tiedUCount(n1: number, ties: readonly number[], twoU: number): number {
  const total = ties.reduce((a, b) => a + b, 0);
  const maxTwoR = total * (total + 1);
  const width = maxTwoR + 1;
  let counts = new Float64Array((n1 + 1) * width);
  counts[0] = 1;
  let before = 0;
  for (const t of ties) {
    const next = new Float64Array((n1 + 1) * width);
    const step = 2 * before + t + 1;
    for (let used = 0; used <= n1; used++) {
      for (let s = 0; s < width; s++) {
        const c = counts[used * width + s];
        if (c === 0) continue;
        for (let r = 0; r <= t && used + r <= n1; r++) {
          next[(used + r) * width + s + r * step] += c * choose(t, r);
        }
      }
    }
    counts = next;
    before += t;
  }
  // 2*U1 = 2*R1 - n1*(n1+1)
  const limit = twoU + n1 * (n1 + 1);
  let sum = 0;
  for (let s = 0; s <= Math.min(limit, maxTwoR); s++) sum += counts[n1 * width + s];
  return sum;
}

/** U_TEST_TABLE_SIZE bounds the per-side sample sizes searched by minSamplesForUTest. */
const U_TEST_TABLE_SIZE = 10;

/**
 * uTestMinP is the smallest two-sided p-value the U test can give with n values on each side:
 * the two most extreme of the C(2n, n) equally likely arrangements.
 */
export function uTestMinP(n: number): number {
  return Math.min(1, 2 / choose(2 * n, n));
}

/** minSamplesForUTest is how many values per side the U test needs to reach alpha at all. */
export function minSamplesForUTest(alpha: number): { op: '>=' | '>'; n: number } {
  for (let n = 1; n < U_TEST_TABLE_SIZE; n++) {
    if (uTestMinP(n) <= alpha) return { op: '>=', n };
  }
  return { op: '>', n: U_TEST_TABLE_SIZE };
}
