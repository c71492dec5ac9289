import type { Profile } from '../model/profile.js';
import type { SampleView } from './features/sample-views.js';
import { frameOrigin, functionOrigins, type HotspotOrigin, hotspotOrigin } from './frame-origin.js';
import { packageOfFrame } from './frame-package.js';
import { functionKey } from './function-shares.js';

/**
 * FindingHotspot is the frame below a finding's `location` (the program's own frame) where the
 * time is actually spent: the hottest frame in a dependency, the runtime, a native library or
 * the kernel, with the package it ships in. `location` says where to change code, `hotspot`
 * says what is slow.
 */
export interface FindingHotspot {
  function: string;
  file: string;
  /** line: 0 when the profile knows only the function. */
  line: number;
  origin: HotspotOrigin;
  package?: string;
  version?: string;
  /** share: fraction (0..1) of the location's own value spent at or under this frame. */
  share: number;
  /**
   * entry: the first frame outside the program below the location (the library API the
   * program called), when it is not the hotspot itself.
   */
  entry?: { function: string; file: string; line: number };
}

/** HotspotTrace is the hotspot plus the heaviest stack root..hotspot through the location. */
export interface HotspotTrace {
  hotspot: FindingHotspot;
  stack: string[];
  /** locationValue: the value of samples through the location (the share's denominator). */
  locationValue: number;
  /**
   * maxDepth: the deepest recursion of the hotspot's code in one sample (1 = none): frames of
   * the same file, or for file-less JVM frames of the same outer class (Pattern$Loop.match and
   * Pattern$Curly.match recurse into each other as one matcher).
   */
  maxDepth: number;
}

/** MIN_HOTSPOT_SHARE: below this share of the location, no frame is "where the time goes". */
const MIN_HOTSPOT_SHARE = 0.2;

interface Flat {
  frames: number[][];
  lines: number[][];
  values: number[];
  own: boolean[];
  keys: string[];
}

const flatCache = new WeakMap<Profile, Flat>();

function flatOf(p: Profile): Flat {
  const cached = flatCache.get(p);
  if (cached) return cached;
  const frames: number[][] = [];
  const lines: number[][] = [];
  const values: number[] = [];
  for (const s of p.samples) {
    const f: number[] = [];
    const l: number[] = [];
    for (const id of s.locationIds)
      for (const line of p.locations[id - 1].lines) {
        f.push(line.functionId);
        l.push(line.line);
      }
    frames.push(f);
    lines.push(l);
    values.push(Math.abs(s.values[0]));
  }
  // A comprehension or lambda in the program's own file is the program's code here, even
  // though frameOrigin leaves it to its enclosing function for naming.
  const own = functionOrigins(p.functions).map(
    (o, i) =>
      o === 'own' || (p.functions[i].filename !== '' && frameOrigin('f', p.functions[i].filename) === 'own'),
  );
  const keys = p.functions.map((fn) => functionKey(fn.name, fn.filename));
  const flat = { frames, lines, values, own, keys };
  flatCache.set(p, flat);
  return flat;
}

/**
 * blamedIndex picks, in frames[0..end), the frame a sample's time is charged to below the
 * program: the deepest dependency frame (runtime builtins it calls are its doing), else the
 * deepest native-library frame, else the leaf.
 */
function blamedIndex(p: Profile, frames: number[], end: number, origins: Array<HotspotOrigin | undefined>) {
  let nativeLib = -1;
  for (let i = 0; i < end; i++) {
    const o = origins[frames[i] - 1];
    if (o === 'dependency') return i;
    if (o === 'native-lib' && nativeLib < 0) nativeLib = i;
  }
  if (nativeLib >= 0) return nativeLib;
  return end > 0 && !/^\((program|idle|root)\)$/.test(p.functions[frames[0] - 1].name) ? 0 : -1;
}

const originCache = new WeakMap<Profile, Array<HotspotOrigin | undefined>>();

function originsOf(p: Profile): Array<HotspotOrigin | undefined> {
  let o = originCache.get(p);
  if (!o) {
    const own = flatOf(p).own;
    o = p.functions.map((fn, i) => (own[i] ? undefined : (hotspotOrigin(fn.name, fn.filename) ?? 'runtime')));
    originCache.set(p, o);
  }
  return o;
}

/**
 * lineFilter: the location's line when the profile's frames carry executing lines for it
 * (Python, pprof), so a finding at one line of a long function (a script's top level) gets the
 * hotspot of that line; 0 (whole function) when they do not (V8 gives function starts).
 */
function lineFilter(flat: Flat, key: string, line: number): number {
  if (line <= 0) return 0;
  for (let s = 0; s < flat.frames.length; s++) {
    const o = flat.frames[s].findIndex((f) => flat.keys[f - 1] === key);
    if (o >= 0 && flat.lines[s][o] === line) return line;
  }
  return 0;
}

/** DOMINANT_SHARE: a frame on the dominant path holds at least this share of the location. */
const DOMINANT_SHARE = 0.5;

/** Hit is one sample through the location: its index, the location's own end, the chosen frame. */
interface Hit {
  s: number;
  end: number;
  at: number;
}

/**
 * traceHotspot finds the hotspot below the own function `location` (name + file, and line when
 * frames carry lines) in a view. It follows the dominant path down from the location (each
 * step the callee holding at least DOMINANT_SHARE of the location's value) and names its deepest
 * dependency frame (runtime builtins a library calls are its doing), else its deepest frame:
 * regexec -> re_search_internal -> check_arrival names check_arrival, not one of the many leaves.
 * Without a dominant path, the frame that most samples are charged to (blamedIndex) is named
 * when it holds MIN_HOTSPOT_SHARE. Undefined when the location's time is its own.
 */
export function traceHotspot(
  view: SampleView,
  location: { function: string; file: string; line?: number },
): HotspotTrace | undefined {
  const p = view.profile;
  const flat = flatOf(p);
  const origins = originsOf(p);
  const key = functionKey(location.function, location.file);
  const atLine = lineFilter(flat, key, location.line ?? 0);
  let locationValue = 0;
  const through: Hit[] = [];
  for (let s = 0; s < flat.frames.length; s++) {
    const frames = flat.frames[s];
    const o = frames.findIndex((f) => flat.keys[f - 1] === key);
    if (o < 0 || (atLine > 0 && flat.lines[s][o] !== atLine)) continue;
    locationValue += flat.values[s];
    // Time under an own frame deeper than the location (a helper, a callback) is that frame's.
    let end = o;
    for (let i = 0; i < o; i++)
      if (flat.own[frames[i] - 1]) {
        end = i;
        break;
      }
    if (end > 0) through.push({ s, end, at: -1 });
  }
  if (locationValue === 0) return undefined;
  const chosen =
    dominantHotspot(p, flat, origins, through, locationValue) ??
    chargedHotspot(p, flat, origins, through, locationValue);
  if (!chosen) return undefined;
  return describe(p, flat, origins, chosen.fk, chosen.hits, locationValue);
}

function sumOf(flat: Flat, hits: Hit[]): number {
  let v = 0;
  for (const h of hits) v += flat.values[h.s];
  return v;
}

function dominantHotspot(
  p: Profile,
  flat: Flat,
  origins: Array<HotspotOrigin | undefined>,
  through: Hit[],
  locationValue: number,
): { fk: string; hits: Hit[] } | undefined {
  const path: Array<{ fk: string; hits: Hit[]; dependency: boolean }> = [];
  let cur = through;
  for (let k = 0; cur.length > 0; k++) {
    const groups = new Map<string, Hit[]>();
    for (const h of cur) {
      const i = h.end - 1 - k;
      if (i < 0) continue;
      const fk = flat.keys[flat.frames[h.s][i] - 1];
      const list = groups.get(fk) ?? [];
      list.push({ ...h, at: i });
      groups.set(fk, list);
    }
    let best: [string, Hit[], number] | undefined;
    for (const [fk, hits] of groups) {
      const v = sumOf(flat, hits);
      if (!best || v > best[2]) best = [fk, hits, v];
    }
    if (!best || best[2] < DOMINANT_SHARE * locationValue) break;
    const fnId = flat.frames[best[1][0].s][best[1][0].at];
    if (NO_FUNCTION.test(p.functions[fnId - 1].name)) break;
    path.push({ fk: best[0], hits: best[1], dependency: origins[fnId - 1] === 'dependency' });
    cur = best[1];
  }
  const pick = [...path].reverse().find((n) => n.dependency) ?? path[path.length - 1];
  return pick ? { fk: pick.fk, hits: pick.hits } : undefined;
}

// Pseudo-frames name no code: V8's (program), perf's [unknown] module frames are kept.
const NO_FUNCTION = /^\((program|idle|root)\)$/;

function chargedHotspot(
  p: Profile,
  flat: Flat,
  origins: Array<HotspotOrigin | undefined>,
  through: Hit[],
  locationValue: number,
): { fk: string; hits: Hit[] } | undefined {
  const charged = new Map<string, Hit[]>();
  for (const h of through) {
    const b = blamedIndex(p, flat.frames[h.s], h.end, origins);
    if (b < 0) continue;
    const fk = flat.keys[flat.frames[h.s][b] - 1];
    const list = charged.get(fk) ?? [];
    list.push({ ...h, at: b });
    charged.set(fk, list);
  }
  let best: [string, Hit[], number] | undefined;
  for (const [fk, hits] of charged) {
    const v = sumOf(flat, hits);
    if (!best || v > best[2]) best = [fk, hits, v];
  }
  if (!best || best[2] / locationValue < MIN_HOTSPOT_SHARE) return undefined;
  return { fk: best[0], hits: best[1] };
}

/** familyOf: the unit recursion is counted in, a frame's file or its JVM outer class. */
function familyOf(fn: { name: string; filename: string }): string {
  if (fn.filename) return fn.filename;
  const jvm = /^(.+?)(\$[\w$]*)?[.:]+[^./:$]+$/.exec(fn.name);
  return jvm && /[./]/.test(jvm[1]) ? jvm[1] : fn.name;
}

/** describe turns the chosen frame's samples into the hotspot, its stack and recursion depth. */
function describe(
  p: Profile,
  flat: Flat,
  origins: Array<HotspotOrigin | undefined>,
  fk: string,
  hits: Hit[],
  locationValue: number,
): HotspotTrace {
  const value = sumOf(flat, hits);
  const lines = new Map<number, number>();
  const paths = new Map<string, { value: number; names: string[]; hit: Hit }>();
  let maxDepth = 1;
  for (const h of hits) {
    const frames = flat.frames[h.s];
    const v = flat.values[h.s];
    const line = flat.lines[h.s][h.at];
    lines.set(line, (lines.get(line) ?? 0) + v);
    const family = familyOf(p.functions[frames[h.at] - 1]);
    let depth = 0;
    for (const f of frames) if (familyOf(p.functions[f - 1]) === family) depth++;
    maxDepth = Math.max(maxDepth, depth);
    const names: string[] = [];
    for (let i = frames.length - 1; i >= h.at; i--) names.push(p.functions[frames[i] - 1].name);
    const pk = names.join('\u0000');
    const e = paths.get(pk);
    if (e) e.value += v;
    else paths.set(pk, { value: v, names, hit: h });
  }
  const heaviest = [...paths.values()].sort((a, b) => b.value - a.value)[0];
  const fnId = flat.frames[heaviest.hit.s][heaviest.hit.at];
  const fn = p.functions[fnId - 1];
  const entryIndex = heaviest.hit.end - 1;
  const entryId = flat.frames[heaviest.hit.s][entryIndex];
  const entryFn = p.functions[entryId - 1];
  const line = [...lines].filter(([l]) => l > 0).sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
  const pkg = packageOfFrame(fn.name, fn.filename);
  const hotspot: FindingHotspot = {
    function: fn.name,
    file: fn.filename,
    line,
    origin: origins[fnId - 1] ?? 'runtime',
    ...(pkg ? { package: pkg.name } : {}),
    ...(pkg?.version ? { version: pkg.version } : {}),
    share: Math.round((value / locationValue) * 10000) / 10000,
    ...(flat.keys[entryId - 1] !== fk
      ? {
          entry: {
            function: entryFn.name,
            file: entryFn.filename,
            line: flat.lines[heaviest.hit.s][entryIndex],
          },
        }
      : {}),
  };
  return { hotspot, stack: heaviest.names, locationValue, maxDepth };
}
