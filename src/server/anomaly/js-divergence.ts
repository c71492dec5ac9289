/**
 * jensenShannon is the Jensen–Shannon divergence (base 2, so 0..1) between two share
 * distributions given as key -> weight maps. Weights need not sum to 1: each side is normalised,
 * and a side's missing mass (functions cut from a minute vector) goes to an "other" bucket so
 * truncation does not read as a shape change. Unlike KL it is finite when a function exists on
 * one side only, which is exactly the case of a new hot path.
 */
export function jensenShannon(p: ReadonlyMap<string, number>, q: ReadonlyMap<string, number>): number {
  const keys = new Set([...p.keys(), ...q.keys()]);
  const pp = withOther(p);
  const qq = withOther(q);
  keys.add(OTHER);
  let sum = 0;
  for (const k of keys) {
    const a = pp.get(k) ?? 0;
    const b = qq.get(k) ?? 0;
    const m = (a + b) / 2;
    if (a > 0) sum += 0.5 * a * Math.log2(a / m);
    if (b > 0) sum += 0.5 * b * Math.log2(b / m);
  }
  return Math.max(0, Math.min(1, sum));
}

const OTHER = '\u0000other';

function withOther(p: ReadonlyMap<string, number>): Map<string, number> {
  let total = 0;
  for (const v of p.values()) total += Math.max(0, v);
  const out = new Map<string, number>();
  // Shares are fractions of the profile total; below 1 the rest is the truncated tail.
  const denominator = Math.max(1, total);
  for (const [k, v] of p) if (v > 0) out.set(k, v / denominator);
  if (total < 1) out.set(OTHER, (1 - total) / denominator);
  return out;
}
