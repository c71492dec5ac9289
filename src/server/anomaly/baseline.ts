import type { MinuteShares } from './minute-shares.js';

/** ShareStats is one function's baseline: mean and standard deviation of its per-minute share. */
export interface ShareStats {
  mean: number;
  std: number;
}

/** BaselineStats holds the stats of every function seen in the window, for self and total shares. */
export interface BaselineStats {
  minutes: number;
  self: Map<string, ShareStats>;
  cum: Map<string, ShareStats>;
}

interface Sums {
  sum: number;
  sumSq: number;
}

/**
 * RollingBaseline is a window of minute vectors with running sums, so the mean and deviation of
 * every function's share over seven days of minutes cost O(functions) per minute instead of a
 * rescan of 10,080 minutes. A function absent from a minute counts as share 0 in that minute:
 * a function that appears only now has mean 0, which is what a new hot path should look like.
 */
export class RollingBaseline {
  private readonly minutes: MinuteShares[] = [];
  private readonly selfSums = new Map<string, Sums>();
  private readonly cumSums = new Map<string, Sums>();

  constructor(readonly windowNanos: number) {}

  get size(): number {
    return this.minutes.length;
  }

  /** firstNanos and lastNanos bound the minutes held (NaN when empty). */
  get firstNanos(): number {
    return this.minutes[0]?.minuteNanos ?? Number.NaN;
  }

  get lastNanos(): number {
    return this.minutes[this.minutes.length - 1]?.minuteNanos ?? Number.NaN;
  }

  /** add appends a minute (minutes arrive in time order) and evicts those out of the window. */
  add(m: MinuteShares): void {
    if (this.minutes.length > 0 && m.minuteNanos <= this.lastNanos) return;
    this.minutes.push(m);
    accumulate(this.selfSums, m.self, 1);
    accumulate(this.cumSums, m.cum, 1);
    this.evictBefore(m.minuteNanos - this.windowNanos);
  }

  /** evictBefore drops minutes older than `nanos`. */
  evictBefore(nanos: number): void {
    let n = 0;
    while (n < this.minutes.length && this.minutes[n].minuteNanos < nanos) {
      accumulate(this.selfSums, this.minutes[n].self, -1);
      accumulate(this.cumSums, this.minutes[n].cum, -1);
      n++;
    }
    if (n > 0) this.minutes.splice(0, n);
  }

  /** window returns the minutes held (oldest first); callers must not mutate them. */
  window(): readonly MinuteShares[] {
    return this.minutes;
  }

  /** stats computes every function's mean and deviation from the running sums. */
  stats(): BaselineStats {
    return {
      minutes: this.minutes.length,
      self: statsOf(this.selfSums, this.minutes.length),
      cum: statsOf(this.cumSums, this.minutes.length),
    };
  }
}

function accumulate(sums: Map<string, Sums>, shares: ReadonlyMap<string, number>, sign: 1 | -1): void {
  for (const [k, v] of shares) {
    let s = sums.get(k);
    if (!s) {
      s = { sum: 0, sumSq: 0 };
      sums.set(k, s);
    }
    s.sum += sign * v;
    s.sumSq += sign * v * v;
    // Drop a function once every minute that held it left the window; float residue stays tiny.
    if (sign < 0 && Math.abs(s.sum) < 1e-12) sums.delete(k);
  }
}

function statsOf(sums: Map<string, Sums>, n: number): Map<string, ShareStats> {
  const out = new Map<string, ShareStats>();
  if (n === 0) return out;
  for (const [k, s] of sums) {
    const mean = s.sum / n;
    const variance = Math.max(0, s.sumSq / n - mean * mean);
    out.set(k, { mean, std: Math.sqrt(variance) });
  }
  return out;
}

/**
 * widenStats keeps `young`'s means but takes the larger deviation of the two for each function:
 * a deploy changes which functions are hot, not how much the traffic mix moves them over a day.
 */
export function widenStats(young: BaselineStats, full: BaselineStats): BaselineStats {
  const widen = (a: Map<string, ShareStats>, b: Map<string, ShareStats>) => {
    const out = new Map<string, ShareStats>();
    for (const [k, s] of a) out.set(k, { mean: s.mean, std: Math.max(s.std, b.get(k)?.std ?? 0) });
    return out;
  };
  return { minutes: young.minutes, self: widen(young.self, full.self), cum: widen(young.cum, full.cum) };
}
