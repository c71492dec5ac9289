/** Trend is a least-squares line through (x, y) points and how well it fits. */
export interface Trend {
  /** slope is y units per x unit. */
  slope: number;
  intercept: number;
  /** r2 is the coefficient of determination (1 = a perfect line, 0 = no linear trend). */
  r2: number;
  n: number;
}

/**
 * linearTrend fits y = slope * x + intercept. A growth detector needs the fit as well as the
 * slope: a sawtooth heap has a slope but no trend.
 */
export function linearTrend(xs: readonly number[], ys: readonly number[]): Trend {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return { slope: 0, intercept: ys[0] ?? 0, r2: 0, n };
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += xs[i];
    sy += ys[i];
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i] - mx;
    const dy = ys[i] - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return { slope: 0, intercept: my, r2: 0, n };
  const slope = sxy / sxx;
  const r2 = syy === 0 ? 0 : (sxy * sxy) / (sxx * syy);
  return { slope, intercept: my - slope * mx, r2, n };
}
