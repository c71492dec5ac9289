import { functionShares } from '../../analysis/function-shares.js';
import { defaultSampleTypeIndex, type Profile } from '../../model/profile.js';

/**
 * MinuteShares is one minute of one series group reduced to what baselines need: each
 * function's self and total (cumulative) share, keyed by `functionKey(name, file)`. Shares, not
 * values, so a baseline is independent of traffic: twice the requests is not an anomaly, a
 * different shape is.
 */
export interface MinuteShares {
  minuteNanos: number;
  /** total is the minute's summed value in the profile type's unit (0 never gets stored). */
  total: number;
  self: Map<string, number>;
  cum: Map<string, number>;
}

/** MINUTE_NANOS is the baseline granularity. */
export const MINUTE_NANOS = 60e9;

/**
 * minuteSharesOf reduces a merged minute to its `topN` functions by share: the tail is noise
 * that would only grow the state store, and the divergence counts the cut mass as "other".
 */
export function minuteSharesOf(profile: Profile, minuteNanos: number, topN = 64): MinuteShares {
  const table = functionShares(profile, Math.max(0, defaultSampleTypeIndex(profile)));
  const ranked = [...table.functions.values()]
    .sort((a, b) => Math.max(b.selfShare, b.totalShare) - Math.max(a.selfShare, a.totalShare))
    .slice(0, topN);
  const self = new Map<string, number>();
  const cum = new Map<string, number>();
  for (const f of ranked) {
    if (f.selfShare > 0) self.set(f.key, f.selfShare);
    if (f.totalShare > 0) cum.set(f.key, f.totalShare);
  }
  return { minuteNanos, total: table.total, self, cum };
}

/** functionNameOfKey recovers the display name from a function key (name NUL file). */
export function functionNameOfKey(key: string): { name: string; file: string } {
  const i = key.indexOf('\u0000');
  return i < 0 ? { name: key, file: '' } : { name: key.slice(0, i), file: key.slice(i + 1) };
}

/** averageShares pools minutes into one vector: the mean share per function (absent = 0). */
export function averageShares(minutes: readonly MinuteShares[], which: 'self' | 'cum'): Map<string, number> {
  const out = new Map<string, number>();
  if (minutes.length === 0) return out;
  for (const m of minutes) for (const [k, v] of m[which]) out.set(k, (out.get(k) ?? 0) + v);
  for (const [k, v] of out) out.set(k, v / minutes.length);
  return out;
}

/** encodeMinute and decodeMinute are the JSON form the state store keeps. */
export function encodeMinute(m: MinuteShares): string {
  return JSON.stringify({ t: m.total, s: [...m.self], c: [...m.cum] });
}

export function decodeMinute(minuteNanos: number, json: string): MinuteShares {
  const doc = JSON.parse(json) as { t: number; s: Array<[string, number]>; c: Array<[string, number]> };
  return { minuteNanos, total: doc.t, self: new Map(doc.s), cum: new Map(doc.c) };
}
