/**
 * Time parameters as Pyroscope reads them (`from`, `until`, `start`, `end`):
 * - digits: the unit follows from the length, as Pyroscope's agents send any of them:
 *   <= 10 digits seconds, <= 13 milliseconds, <= 16 microseconds, otherwise nanoseconds;
 * - `now`, `now-1h`, `now-30m`, `now-15s`, `now-7d` (relative to the clock);
 * - an RFC 3339 date.
 * Results are nanoseconds since the epoch; undefined means "could not read it".
 */
const UNIT_NANOS: Record<string, number> = {
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
  d: 86400e9,
  w: 7 * 86400e9,
  y: 365 * 86400e9,
};

/** parseTimeParam reads one parameter; `nowNanos` is injectable for tests. */
export function parseTimeParam(text: string | undefined, nowNanos = Date.now() * 1e6): number | undefined {
  if (text === undefined) return undefined;
  const s = text.trim();
  if (s === '') return undefined;
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (s.length <= 10) return n * 1e9;
    if (s.length <= 13) return n * 1e6;
    if (s.length <= 16) return n * 1e3;
    return n;
  }
  const rel = /^now(?:\s*([-+])\s*(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y))?$/.exec(s);
  if (rel) {
    if (!rel[1]) return nowNanos;
    const delta = Number(rel[2]) * UNIT_NANOS[rel[3]];
    return rel[1] === '-' ? nowNanos - delta : nowNanos + delta;
  }
  const date = Date.parse(s);
  return Number.isNaN(date) ? undefined : date * 1e6;
}
