/**
 * Python cProfile / profile statistics: the `.prof` file `cProfile -o` and
 * `pstats.Stats.dump_stats` write. It is `marshal.dump` of one dict:
 *
 *     {(file, line, funcname): (cc, nc, tt, ct, callers)}
 *     callers = {(file, line, funcname): (cc, nc, tt, ct)}      # cProfile
 *             | {(file, line, funcname): nc}                    # the pure-Python `profile`
 *
 * cc = primitive (non-recursive) calls, nc = all calls, tt = time in the function itself and
 * ct = time including callees, both in seconds. Built-ins use the file '~' and line 0.
 *
 * pstats keeps no stacks, only caller -> callee edges, so the Profile built here is a graph
 * written as samples. Sample types are [calls/count, time/nanoseconds]:
 *
 * - each edge caller -> callee is one 2-frame sample [callee, caller] (leaf first) carrying the
 *   edge's nc and its tt share;
 * - what the edges do not explain (calls with no profiled caller, e.g. the entry point) is one
 *   1-frame sample [callee] carrying the rest.
 *
 * So summing the samples by leaf function gives back each function's nc and tt exactly (tt in
 * integer nanoseconds). ct and cc are not sample values; the exact table is available through
 * `importPstatsStats`. Stacks longer than two frames are never invented: a "flame graph" of
 * this profile shows callers one level deep, which is all the file knows.
 */
import { FormatError } from '../errors.js';
import { ProfileBuilder } from '../model/builder.js';
import type { Profile } from '../model/profile.js';
import { MarshalError, type MarshalValue, readMarshal } from './python-marshal.js';
import type { FormatImporter, ImportOptions } from './types.js';

const FORMAT = 'pstats';

/** PstatsFunctionKey is pstats' function identity. */
export interface PstatsFunctionKey {
  file: string;
  line: number;
  name: string;
}

/** PstatsCounts are cProfile's four numbers; tt and ct in seconds. */
export interface PstatsCounts {
  cc: number;
  nc: number;
  tt: number;
  ct: number;
}

/** PstatsCaller is one caller of a function with the calls and time through that edge. */
export interface PstatsCaller extends PstatsFunctionKey, PstatsCounts {}

/** PstatsEntry is one row of the stats table. */
export interface PstatsEntry extends PstatsFunctionKey, PstatsCounts {
  callers: PstatsCaller[];
}

/** importPstatsStats decodes the exact stats table, in file order. */
export function importPstatsStats(bytes: Uint8Array, source = '<input>'): PstatsEntry[] {
  let root: MarshalValue;
  try {
    root = readMarshal(bytes);
  } catch (e) {
    if (e instanceof MarshalError) {
      throw new FormatError(FORMAT, e.message.replace(/ at byte \d+$/, ''), `${source}:offset ${e.offset}`, {
        cause: e,
      });
    }
    throw e;
  }
  const fail = (what: string): never => {
    throw new FormatError(FORMAT, what, source);
  };
  if (!isDict(root)) return fail('top-level object is not a dict');
  return root.entries.map(([key, value], i) => {
    const where = `entry ${i}`;
    const fn = functionKey(key) ?? fail(`${where}: key is not (file, line, name)`);
    if (!Array.isArray(value) || value.length < 5)
      return fail(`${where}: value is not (cc, nc, tt, ct, callers)`);
    const counts = countsOf(value) ?? fail(`${where}: cc, nc, tt, ct are not numbers`);
    const callersValue = value[4];
    if (!isDict(callersValue)) return fail(`${where}: callers is not a dict`);
    const callers = callersValue.entries.map(([ck, cv], j): PstatsCaller => {
      const caller = functionKey(ck) ?? fail(`${where} caller ${j}: key is not (file, line, name)`);
      // The pure-Python `profile` module stores only a call count per caller.
      if (typeof cv === 'number') return { ...caller, cc: cv, nc: cv, tt: 0, ct: 0 };
      const c = Array.isArray(cv) ? countsOf(cv) : undefined;
      return { ...caller, ...(c ?? fail(`${where} caller ${j}: value is not (cc, nc, tt, ct)`)) };
    });
    return { ...fn, ...counts, callers };
  });
}

/** importPstats builds the edge-sample profile described in the file comment. */
export function importPstats(bytes: Uint8Array, options: ImportOptions): Profile {
  const table = importPstatsStats(bytes, options.source);
  const builder = new ProfileBuilder([
    { type: 'calls', unit: 'count' },
    { type: 'time', unit: 'nanoseconds' },
  ]);
  builder.profile.defaultSampleType = 'time';
  for (const entry of table) {
    const callee = builder.locationId(frameOf(entry));
    const totalNs = toNanos(entry.tt);
    // Cumulative rounding: the edges' integer nanoseconds sum to round(sum of edge tt).
    const edgeNs: number[] = [];
    let cumulative = 0;
    let prevRounded = 0;
    for (const c of entry.callers) {
      cumulative += c.tt;
      const rounded = toNanos(cumulative);
      edgeNs.push(rounded - prevRounded);
      prevRounded = rounded;
    }
    let restNs = totalNs - prevRounded;
    // Float noise can make the edges exceed tt by a nanosecond; take it back from the edges.
    for (let i = edgeNs.length - 1; i >= 0 && restNs < 0; i--) {
      const take = Math.min(edgeNs[i], -restNs);
      edgeNs[i] -= take;
      restNs += take;
    }
    let restCalls = entry.nc;
    entry.callers.forEach((c, i) => {
      builder.addSample([callee, builder.locationId(frameOf(c))], [c.nc, edgeNs[i]]);
      restCalls -= c.nc;
    });
    if (restCalls !== 0 || restNs !== 0 || entry.callers.length === 0) {
      builder.addSample([callee], [restCalls, restNs]);
    }
  }
  return builder.build();
}

/**
 * sniffPstats checks the first bytes: a dict whose first key is a 3-tuple, or an empty dict.
 * Text formats never start with these bytes.
 */
export function sniffPstats(bytes: Uint8Array): boolean {
  if (bytes.length < 2 || (bytes[0] & 0x7f) !== 0x7b) return false;
  if (bytes[1] === 0x30) return bytes.length === 2;
  const tuple = bytes[1] & 0x7f;
  if (tuple === 0x29) return bytes.length > 2 && bytes[2] === 3;
  if (tuple === 0x28)
    return bytes.length > 5 && bytes[2] === 3 && bytes[3] === 0 && bytes[4] === 0 && bytes[5] === 0;
  return false;
}

function toNanos(seconds: number): number {
  return Math.round(seconds * 1e9);
}

function frameOf(fn: PstatsFunctionKey): { name: string; file: string; line: number; startLine: number } {
  // '~' is pstats' marker for built-ins, not a file name.
  const file = fn.file === '~' ? '' : fn.file;
  return { name: fn.name, file, line: fn.line, startLine: fn.line };
}

function isDict(v: MarshalValue): v is { kind: 'dict'; entries: Array<[MarshalValue, MarshalValue]> } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function functionKey(v: MarshalValue): PstatsFunctionKey | undefined {
  if (!Array.isArray(v) || v.length !== 3) return undefined;
  const [file, line, name] = v;
  if (typeof file !== 'string' || typeof line !== 'number' || typeof name !== 'string') return undefined;
  return { file, line, name };
}

function countsOf(v: MarshalValue[]): PstatsCounts | undefined {
  const [cc, nc, tt, ct] = v.map((x) => (typeof x === 'bigint' ? Number(x) : x));
  if (typeof cc !== 'number' || typeof nc !== 'number' || typeof tt !== 'number' || typeof ct !== 'number') {
    return undefined;
  }
  return { cc, nc, tt, ct };
}

/** pstatsImporter reads cProfile's marshal dumps. */
export const pstatsImporter: FormatImporter = {
  name: FORMAT,
  sniff: sniffPstats,
  importProfiles: (bytes, options) => [importPstats(bytes, options)],
};
