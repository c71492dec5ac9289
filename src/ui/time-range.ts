/**
 * Time ranges as the UI takes them: presets relative to now (so a link to "the last hour" stays
 * the last hour, as in Grafana) or absolute milliseconds from a drag on the timeline. Pure, and
 * embedded in the page with Function.prototype.toString: no module-scope references.
 */

/** RANGE_PRESETS are the preset buttons: label -> `from` (until is `now`). */
export const RANGE_PRESETS: ReadonlyArray<readonly [string, string]> = [
  ['15m', 'now-15m'],
  ['1h', 'now-1h'],
  ['6h', 'now-6h'],
  ['24h', 'now-24h'],
  ['7d', 'now-7d'],
];

/**
 * resolveTimeMs reads a time as the server does (digits by length: seconds, milliseconds,
 * microseconds, nanoseconds; `now`, `now-15m`; an ISO date) and returns milliseconds.
 */
export function resolveTimeMs(text: string, nowMs: number): number | undefined {
  const s = text.trim();
  if (s === '') return undefined;
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (s.length <= 10) return n * 1000;
    if (s.length <= 13) return n;
    if (s.length <= 16) return n / 1000;
    return n / 1e6;
  }
  const units: Record<string, number> = { ms: 1, s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 };
  const rel = /^now(?:\s*([-+])\s*(\d+(?:\.\d+)?)(ms|s|m|h|d|w))?$/.exec(s);
  if (rel) {
    if (!rel[1]) return nowMs;
    const delta = Number(rel[2]) * units[rel[3]];
    return rel[1] === '-' ? nowMs - delta : nowMs + delta;
  }
  const date = Date.parse(s);
  return Number.isNaN(date) ? undefined : date;
}

/** formatTimeMs shows a time compactly in local time; the date only when it is not today. */
export function formatTimeMs(ms: number, nowMs: number): string {
  const t = new Date(ms);
  const now = new Date(nowMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}`;
  if (t.toDateString() === now.toDateString()) return time;
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())} ${time}`;
}

/** describeRange says what a range is: the preset's name, or its two ends. */
export function describeRange(from: string, until: string, nowMs: number): string {
  if (until === 'now' && from.startsWith('now-')) return `last ${from.slice(4)}`;
  const a = resolveTimeMs(from, nowMs);
  const b = resolveTimeMs(until, nowMs);
  if (a === undefined || b === undefined) return `${from} to ${until}`;
  return `${formatTimeMs(a, nowMs)} to ${formatTimeMs(b, nowMs)}`;
}

/** splitRange halves a range: the diff view's default is first half against second half. */
export function splitRange(fromMs: number, untilMs: number): [[number, number], [number, number]] {
  const mid = Math.round((fromMs + untilMs) / 2);
  return [
    [Math.round(fromMs), mid],
    [mid, Math.round(untilMs)],
  ];
}
