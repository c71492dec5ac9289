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
  /** maxDepth: the deepest recursion of the hotspot function in one sample (1 = no recursion). */
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

/**
 * traceHotspot finds the hotspot below the own function `location` (name + file) in a view:
 * every sample through the location is charged to one frame below the innermost own frame
 * (see blamedIndex); the frame charged most is the hotspot. Undefined when the location's time
 * is its own (no frame outside the program holds MIN_HOTSPOT_SHARE of it).
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
  // Keyed by function key, not id: importers may give one function several ids (one per line).
  const charged = new Map<
    string,
    { fnId: number; value: number; line: Map<number, number>; depth: number }
  >();
  const paths = new Map<string, { value: number; names: string[]; entry: number; entryLine: number }>();
  for (let s = 0; s < flat.frames.length; s++) {
    const frames = flat.frames[s];
    const o = frames.findIndex((f) => flat.keys[f - 1] === key);
    if (o < 0 || (atLine > 0 && flat.lines[s][o] !== atLine)) continue;
    const value = flat.values[s];
    locationValue += value;
    // Time under an own frame deeper than the location (a helper, a callback) is that frame's.
    let end = o;
    for (let i = 0; i < o; i++)
      if (flat.own[frames[i] - 1]) {
        end = i;
        break;
      }
    const b = blamedIndex(p, frames, end, origins);
    if (b < 0) continue;
    const fnId = frames[b];
    const fk = flat.keys[fnId - 1];
    const e = charged.get(fk) ?? { fnId, value: 0, line: new Map(), depth: 1 };
    e.value += value;
    const line = flat.lines[s][b];
    e.line.set(line, (e.line.get(line) ?? 0) + value);
    let depth = 0;
    for (let i = 0; i < frames.length; i++) if (flat.keys[frames[i] - 1] === fk) depth++;
    e.depth = Math.max(e.depth, depth);
    charged.set(fk, e);
    const names: string[] = [];
    for (let i = frames.length - 1; i >= b; i--) names.push(p.functions[frames[i] - 1].name);
    const pk = `${fk}\u0001${names.join('\u0000')}`;
    const path = paths.get(pk);
    if (path) path.value += value;
    else paths.set(pk, { value, names, entry: frames[end - 1], entryLine: flat.lines[s][end - 1] });
  }
  const best = [...charged].sort((a, b) => b[1].value - a[1].value)[0];
  if (!best || locationValue === 0 || best[1].value / locationValue < MIN_HOTSPOT_SHARE) return undefined;
  const [fk, e] = best;
  const fnId = e.fnId;
  const fn = p.functions[fnId - 1];
  const heaviest = [...paths.entries()]
    .filter(([k]) => k.startsWith(`${fk}\u0001`))
    .sort((a, b) => b[1].value - a[1].value)[0][1];
  const line = [...e.line].filter(([l]) => l > 0).sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
  const pkg = packageOfFrame(fn.name, fn.filename);
  const entryFn = p.functions[heaviest.entry - 1];
  const hotspot: FindingHotspot = {
    function: fn.name,
    file: fn.filename,
    line,
    origin: origins[fnId - 1] ?? 'runtime',
    ...(pkg ? { package: pkg.name } : {}),
    ...(pkg?.version ? { version: pkg.version } : {}),
    share: Math.round((e.value / locationValue) * 10000) / 10000,
    ...(entryFn && flat.keys[heaviest.entry - 1] !== fk
      ? { entry: { function: entryFn.name, file: entryFn.filename, line: heaviest.entryLine } }
      : {}),
  };
  return { hotspot, stack: heaviest.names, locationValue, maxDepth: e.depth };
}
