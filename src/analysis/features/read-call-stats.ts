import type { PstatsEntry } from '../../formats/pstats.js';
import { functionKey } from '../function-shares.js';

/**
 * CallStat is one function's exact call count and times, from a deterministic profiler
 * (cProfile). Times are seconds and include the profiler's own overhead.
 */
export interface CallStat {
  key: string;
  name: string;
  file: string;
  line: number;
  calls: number;
  primitive_calls: number;
  self_s: number;
  total_s: number;
  /** per_call_us: total_s / calls in microseconds. */
  per_call_us: number;
  /** callers: the functions calling this one, by calls through that edge. */
  callers: Array<{ name: string; file: string; line: number; calls: number; total_s: number }>;
}

// pstats names built-ins "<built-in method re.compile>" or "<method 'insert' of 'list' objects>"
// with file '~'; the readable name is what patterns match against.
function readableName(name: string): string {
  const builtin = /^<built-in method ([^>]+)>$/.exec(name);
  if (builtin) return builtin[1];
  const method = /^<method '([^']+)' of '([^']+)' objects>$/.exec(name);
  if (method) return `${method[2]}.${method[1]}`;
  return name;
}

/** callStatsOf turns a pstats table into CallStats keyed like functionShares keys. */
export function callStatsOf(entries: PstatsEntry[]): CallStat[] {
  return entries.map((e) => {
    const file = e.file === '~' ? '' : e.file;
    const name = readableName(e.name);
    return {
      key: functionKey(name, file),
      name,
      file,
      line: e.line,
      calls: e.nc,
      primitive_calls: e.cc,
      self_s: e.tt,
      total_s: e.ct,
      per_call_us: e.nc === 0 ? 0 : Math.round((e.ct / e.nc) * 1e9) / 1e3,
      callers: e.callers.map((c) => ({
        name: readableName(c.name),
        file: c.file === '~' ? '' : c.file,
        line: c.line,
        calls: c.nc,
        total_s: c.ct,
      })),
    };
  });
}

/** mergeCallStats adds up the tables of several processes by function key. */
export function mergeCallStats(tables: CallStat[][]): CallStat[] {
  const byKey = new Map<string, CallStat>();
  for (const table of tables) {
    for (const s of table) {
      const prev = byKey.get(s.key);
      if (!prev) {
        byKey.set(s.key, { ...s, callers: [...s.callers] });
        continue;
      }
      prev.calls += s.calls;
      prev.primitive_calls += s.primitive_calls;
      prev.self_s += s.self_s;
      prev.total_s += s.total_s;
      prev.per_call_us = prev.calls === 0 ? 0 : Math.round((prev.total_s / prev.calls) * 1e9) / 1e3;
      prev.callers.push(...s.callers);
    }
  }
  return [...byKey.values()];
}
