import type { FlameLevels } from '../flamegraph/levels.js';

/**
 * FlameWire is FlameLevels as /api/v1/flamegraph sends it, about a third of the JSON (before
 * gzip) of the plain form, decoded in the page in a few milliseconds:
 *
 *   names:  string[]      the names table, as FlameLevels.names
 *   levels: number[][]    one row per depth, four integers per bar:
 *             [gap, total, self, nameIndex]
 *           gap:   the bar's start minus where the previous bar of the row ended (the first
 *                  bar: minus 0), in `scale` units; mostly 0, so it costs one character
 *           total, self: in `scale` units
 *           nameIndex:   into `names`
 *   scale:  number        the unit of the integers: the greatest common divisor of every start,
 *                         total and self (CPU values are multiples of the sampling period, so
 *                         nanoseconds shrink by six or seven digits); 1 when a value is not a
 *                         safe integer, and then `gap` is the absolute start (no rounding drift)
 *   deltas: boolean       whether `gap` is relative (true) or the absolute start (false)
 *   total:  number        the root's width, in the profile's unit (not scaled)
 *
 * Only plain (non-diff) levels travel this way; diffs keep FlameLevels.
 */
export interface FlameWire {
  names: string[];
  levels: number[][];
  scale: number;
  deltas: boolean;
  total: number;
}

/** encodeFlameWire packs levels for the wire; decodeFlameWire gives back the same numbers. */
export function encodeFlameWire(levels: FlameLevels): FlameWire {
  const gcd = (a: number, b: number) => {
    while (b !== 0) [a, b] = [b, a % b];
    return a;
  };
  let scale = 0;
  let integers = true;
  for (const row of levels.levels) {
    for (let i = 0; i < row.length && integers; i += 4) {
      for (let k = 0; k < 3; k++) {
        const v = Math.abs(row[i + k]);
        if (!Number.isSafeInteger(v)) {
          integers = false;
          break;
        }
        if (scale !== 1 && v !== 0) scale = gcd(v, scale);
      }
    }
  }
  if (!integers || scale === 0) scale = 1;
  const rows = levels.levels.map((row) => {
    const out = new Array<number>(row.length);
    let end = 0;
    for (let i = 0; i < row.length; i += 4) {
      out[i] = integers ? (row[i] - end) / scale : row[i];
      out[i + 1] = row[i + 1] / scale;
      out[i + 2] = row[i + 2] / scale;
      out[i + 3] = row[i + 3];
      end = row[i] + row[i + 1];
    }
    return out;
  });
  return { names: levels.names, levels: rows, scale, deltas: integers, total: levels.total };
}

/** decodeFlameWire unpacks a FlameWire into the FlameLevels the flame graph draws. */
export function decodeFlameWire(wire: FlameWire): FlameLevels {
  const scale = wire.scale;
  const levels = wire.levels.map((row) => {
    const out = new Array<number>(row.length);
    let end = 0;
    for (let i = 0; i < row.length; i += 4) {
      const start = wire.deltas ? end + row[i] * scale : row[i];
      const total = row[i + 1] * scale;
      out[i] = start;
      out[i + 1] = total;
      out[i + 2] = row[i + 2] * scale;
      out[i + 3] = row[i + 3];
      end = start + total;
    }
    return out;
  });
  return { names: wire.names, levels, total: wire.total, diff: false };
}
