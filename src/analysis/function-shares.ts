import { functionIdentity } from '../model/function-identity.js';
import type { Profile } from '../model/profile.js';
import { checkDeadline } from '../model/work-deadline.js';

/** FunctionShare is one function's self and total value in a profile, absolute and as a share. */
export interface FunctionShare {
  key: string;
  name: string;
  file: string;
  self: number;
  total: number;
  /** selfShare and totalShare are fractions (0..1) of the profile's total for the sample type. */
  selfShare: number;
  totalShare: number;
}

/** FunctionShareTable is every function's share for one sample type, plus the profile total. */
export interface FunctionShareTable {
  total: number;
  functions: Map<string, FunctionShare>;
}

/**
 * functionKey identifies a function across profiles: by name and file, never by id, since ids
 * differ between any two imports. Comparisons across checkouts first make files stable
 * (model/function-identity.ts, which defines this key as functionIdentity).
 */
export function functionKey(name: string, file: string): string {
  return functionIdentity(name, file);
}

/**
 * functionShares computes self and total per function for one sample type. A function that
 * appears several times in one stack (recursion) counts once towards its total for that sample,
 * as pprof's cum does. Inlined frames count as their own functions.
 */
export function functionShares(profile: Profile, typeIndex: number): FunctionShareTable {
  const functions = new Map<string, FunctionShare>();
  const keyOfFunction = profile.functions.map((f) => functionKey(f.name, f.filename));
  const entryOf = (fnId: number): FunctionShare => {
    const key = keyOfFunction[fnId - 1];
    let entry = functions.get(key);
    if (!entry) {
      const fn = profile.functions[fnId - 1];
      entry = { key, name: fn.name, file: fn.filename, self: 0, total: 0, selfShare: 0, totalShare: 0 };
      functions.set(key, entry);
    }
    return entry;
  };
  let total = 0;
  const seen = new Set<FunctionShare>();
  for (const sample of profile.samples) {
    checkDeadline();
    const value = sample.values[typeIndex];
    if (value === 0) continue;
    total += value;
    seen.clear();
    for (let i = 0; i < sample.locationIds.length; i++) {
      const loc = profile.locations[sample.locationIds[i] - 1];
      for (let j = 0; j < loc.lines.length; j++) {
        const entry = entryOf(loc.lines[j].functionId);
        if (i === 0 && j === 0) entry.self += value;
        if (!seen.has(entry)) {
          seen.add(entry);
          entry.total += value;
        }
      }
    }
  }
  for (const entry of functions.values()) {
    entry.selfShare = total === 0 ? 0 : entry.self / total;
    entry.totalShare = total === 0 ? 0 : entry.total / total;
  }
  return { total, functions };
}

/**
 * scaledToTotal rescales a run's table so that its total is `total` (e.g. the CPU seconds the
 * kernel charged the run): each function's self and total become its share of that figure.
 * Shares are unchanged; absolute values stop depending on the profiler's clock, which for V8
 * and in-process Python samplers is wall time and stretches whenever the target is descheduled.
 */
export function scaledToTotal(table: FunctionShareTable, total: number): FunctionShareTable {
  const functions = new Map<string, FunctionShare>();
  for (const [key, f] of table.functions) {
    functions.set(key, { ...f, self: f.selfShare * total, total: f.totalShare * total });
  }
  return { total, functions };
}
