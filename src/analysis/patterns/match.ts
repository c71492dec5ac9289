import { withoutInferredMark } from '../../model/inferred-frame.js';
import type { Profile } from '../../model/profile.js';
import type { DiagnosisInput } from '../features/diagnosis-input.js';
import { viewOf } from '../features/diagnosis-input.js';
import { isJoinWaitFrame } from '../features/join-wait-frames.js';
import { evidenceOfMetric, metricHolds } from '../features/metric-evidence.js';
import { regexShape, regexSourceOfFrame } from '../features/regex-shape.js';
import { runtimeOfFrame } from '../features/runtimes.js';
import type { SampleView } from '../features/sample-views.js';
import { isModuleLoaderFrame, isStartupSample } from '../features/startup-frames.js';
import { type Evidence, type Finding, findingId, impactOf, pct, type Severity } from '../findings.js';
import { frameOrigin, functionOrigins, type HotspotOrigin, hotspotOrigin } from '../frame-origin.js';
import { packageOfFrame } from '../frame-package.js';
import { functionKey } from '../function-shares.js';
import type { FindingHotspot } from '../hotspot.js';
import type { FrameMatcher, Pattern, Range } from './schema.js';

/** MAX_FINDINGS_PER_PATTERN: one pattern reports at most this many call sites. */
const MAX_FINDINGS_PER_PATTERN = 5;

/** FlatView is a view with every sample's frames expanded once, leaf first, for fast scans. */
interface FlatView {
  view: SampleView;
  /** frames[i] are function ids of sample i, leaf first (inlined callees before callers). */
  frames: number[][];
  lines: number[][];
  values: number[];
  own: boolean[];
  /** named: own and not an anonymous function (callbacks are credited to their named caller). */
  named: boolean[];
  keys: string[];
  /** cFrameless: third-party code whose C-builtin calls leave no frame (Python files). */
  cFrameless: boolean[];
  /** startup: the sample loads a module for the program (see isStartupSample). */
  startup: boolean[];
  /** origins: hotspotOrigin of each function, undefined for the program's own. */
  origins: Array<HotspotOrigin | undefined>;
}

/**
 * namedOwnAbove: an anonymous callback (`items.map((x) => ...)`) is part of the named function
 * that passed it; the nearest named own frame above index i in the same file stands for it.
 */
function namedOwnAbove(flat: FlatView, p: Profile, frames: number[], i: number): number {
  if (flat.named[frames[i] - 1]) return i;
  const file = p.functions[frames[i] - 1].filename;
  for (let j = i + 1; j < frames.length; j++) {
    const f = frames[j];
    if (flat.own[f - 1] && p.functions[f - 1].filename !== file) return i;
    if (flat.named[f - 1] && p.functions[f - 1].filename === file) return j;
  }
  return i;
}

const flatCache = new WeakMap<Profile, FlatView>();

function flatten(view: SampleView): FlatView {
  const cached = flatCache.get(view.profile);
  if (cached) return cached;
  const p = view.profile;
  const frames: number[][] = [];
  const lines: number[][] = [];
  const values: number[] = [];
  for (const s of p.samples) {
    const f: number[] = [];
    const l: number[] = [];
    for (const id of s.locationIds) {
      const loc = p.locations[id - 1];
      for (const line of loc.lines) {
        f.push(line.functionId);
        l.push(line.line);
      }
    }
    frames.push(f);
    lines.push(l);
    values.push(s.values[0]);
  }
  const own = functionOrigins(p.functions).map((o) => o === 'own');
  const keys = p.functions.map((fn) => functionKey(fn.name, fn.filename));
  const named = p.functions.map((fn, i) => own[i] && fn.name !== '(anonymous)');
  const origins = p.functions.map((fn, i) =>
    own[i] ? undefined : (hotspotOrigin(fn.name, fn.filename) ?? 'runtime'),
  );
  const loader = p.functions.map((fn) => isModuleLoaderFrame(fn.name, fn.filename));
  const startup = frames.map((f) => isStartupSample(f, own, loader));
  const cFrameless = p.functions.map((fn, i) => origins[i] === 'dependency' && /\.py$/.test(fn.filename));
  const flat = { view, frames, lines, values, own, named, keys, origins, startup, cFrameless };
  flatCache.set(p, flat);
  return flat;
}

function frameMatches(m: FrameMatcher, name: string, file: string): boolean {
  if (!m.function.test(withoutInferredMark(name))) return false;
  if (m.file && !m.file.test(file)) return false;
  if (m.origin && frameOrigin(name, file) !== m.origin) return false;
  return true;
}

/**
 * exclusionMask marks the frames whose samples a pattern never counts: its own exclude_frames,
 * and for lock contention a thread waiting for its own threads or tasks (isJoinWaitFrame), which
 * waits by design.
 */
function exclusionMask(p: Profile, pattern: Pattern): boolean[] | undefined {
  const own =
    pattern.condition.excludeFrames.length > 0 ? functionMask(p, pattern.condition.excludeFrames) : undefined;
  if (pattern.category !== 'lock-contention') return own;
  return p.functions.map((fn, i) => (own?.[i] ?? false) || isJoinWaitFrame(fn.name, fn.filename));
}

/** functionMask marks the function ids any matcher accepts. */
function functionMask(p: Profile, matchers: FrameMatcher[]): boolean[] {
  return p.functions.map((fn) => matchers.some((m) => frameMatches(m, fn.name, fn.filename)));
}

export function inRange(x: number, r: Range | undefined): boolean {
  if (!r) return true;
  return (r.min === undefined || x >= r.min) && (r.max === undefined || x <= r.max);
}

interface Group {
  fnId: number;
  total: number;
  self: number;
  bySource: number;
  byLine: Map<number, number>;
  paths: Map<string, { value: number; names: string[] }>;
  /** hot: value per library/runtime frame the matches were charged to (see hotIndex). */
  hot: Map<string, { fnId: number; value: number; line: Map<number, number> }>;
  /** matched: value per matched frame (the innermost one of each sample), by function id. */
  matched: Map<number, number>;
}

/**
 * hotIndex: the frame a matched sample's time is charged to, for the finding's hotspot: the
 * deepest dependency frame between the match and the responsible own frame (the library that
 * made the expensive call), else the outermost matched frame (the API the program called:
 * regexec, not one of the engine's many internal leaves), or for a kernel match the user-space
 * frame that made the system call; -1 when the match is own code.
 */
function hotIndex(flat: FlatView, match: boolean[], frames: number[], m: number, a: number): number {
  for (let i = m; i < a; i++) if (flat.origins[frames[i] - 1] === 'dependency') return i;
  let outer = m;
  for (let i = m + 1; i < a; i++) if (match[frames[i] - 1]) outer = i;
  if (flat.origins[frames[outer] - 1] === 'kernel') {
    // A match in the kernel (syscall entry, futex) is charged to the user-space call that
    // entered it (the C library's write or read wrapper): that is the call the program can
    // make less often, while the entry trampoline is the same for every system call.
    let caller = outer + 1;
    while (caller < a && flat.origins[frames[caller] - 1] === 'kernel') caller++;
    if (caller < a && flat.origins[frames[caller] - 1] !== undefined) return caller;
  }
  return flat.origins[frames[outer] - 1] !== undefined ? outer : -1;
}

/**
 * sourceWeight says how much of a sample whose innermost own frame is `fnId` (at `line`, leaf or
 * not) is spent on lines matching the pattern's source regex. Python and pprof frames carry the
 * executing line; V8 frames only the function, so V8 uses per-line ticks (self samples only) or,
 * lacking them, the whole function body.
 */
function sourceWeigher(p: Profile, input: DiagnosisInput, re: RegExp) {
  const cache = new Map<string, number>();
  return (fnId: number, line: number, isLeaf: boolean): { weight: number; coarse: boolean } => {
    const fn = p.functions[fnId - 1];
    const key = functionKey(fn.name, fn.filename);
    const ticks = input.lineTicks.get(key);
    if (ticks) {
      if (!isLeaf) return { weight: 0, coarse: false };
      const ck = `t\u0000${key}`;
      let w = cache.get(ck);
      if (w === undefined) {
        let hit = 0;
        let all = 0;
        const body = input.sources.body(fn.filename, fn.startLine);
        const last = body.length > 0 ? body[body.length - 1].line : Number.POSITIVE_INFINITY;
        for (const [l, n] of ticks) {
          // Ticks outside the function's own lines belong to a callee V8 inlined into it.
          if (l < fn.startLine || l > last) continue;
          all += n;
          if (re.test(input.sources.line(fn.filename, l) ?? '')) hit += n;
        }
        w = all === 0 ? 0 : hit / all;
        cache.set(ck, w);
      }
      return { weight: w, coarse: false };
    }
    if (runtimeOfFrame(fn.name, fn.filename) === 'node') {
      const ck = `b\u0000${key}`;
      let w = cache.get(ck);
      if (w === undefined) {
        w = input.sources.body(fn.filename, fn.startLine).some((l) => re.test(l.text)) ? 1 : 0;
        cache.set(ck, w);
      }
      return { weight: w, coarse: true };
    }
    if (line <= 0) return unknownLine(fnId, key);
    const ck = `l\u0000${key}\u0000${line}`;
    let w = cache.get(ck);
    if (w === undefined) {
      w = re.test(input.sources.line(fn.filename, line) ?? '') ? 1 : 0;
      cache.set(ck, w);
    }
    return { weight: w, coarse: false };
  };

  // An in-process Python sampler only sees other threads at the interpreter's switch points
  // (loop back-edges, calls), where CPython 3.11 often reports no line: the sample stands for
  // the whole loop. It is weighed by the body (coarse), as V8 functions without line ticks are.
  function unknownLine(fnId: number, key: string): { weight: number; coarse: boolean } {
    const ck = `u\u0000${key}`;
    let w = cache.get(ck);
    if (w === undefined) {
      const fn = p.functions[fnId - 1];
      const start = input.sources.startOf(fn.filename, fn.name, fn.startLine);
      w = input.sources.body(fn.filename, start).some((l) => re.test(l.text)) ? 1 : 0;
      cache.set(ck, w);
    }
    return { weight: w, coarse: true };
  }
}

/** MatchOptions carry what a finding needs beyond the pattern (the verify commands). */
export interface MatchOptions {
  verifyHint: string;
}

/**
 * matchPattern evaluates one pattern against the diagnosis input and returns one finding per
 * responsible call site (the program's own frame nearest to the matched frame), each with its
 * share, time, calls and the metrics the condition used.
 */
export function matchPattern(pattern: Pattern, input: DiagnosisInput, options: MatchOptions): Finding[] {
  const c = pattern.condition;
  if (!pattern.runtimes.includes('any') && !pattern.runtimes.some((r) => input.runtimes.includes(r as never)))
    return [];
  if (c.requires.includes('call-stats') && !input.have.callStats) return [];
  if (c.requires.includes('timeseries') && !input.have.timeseries) return [];
  if (c.requires.includes('node-metrics') && !input.have.nodeMetrics) return [];
  for (const m of c.metrics) if (!metricHolds(input.metrics, m.name, m.range)) return [];

  const metricEvidence: Evidence = {};
  for (const m of c.metrics)
    Object.assign(metricEvidence, evidenceOfMetric(input.metrics, m.name, input.sourceOf.metrics));

  if (c.frames.length === 0 && !c.source) return [metricOnlyFinding(pattern, input, metricEvidence, options)];

  const view = viewOf(input, c.sample);
  if (!view || view.total === 0) return [];
  const flat = flatten(view);
  const p = view.profile;
  const match = functionMask(p, c.frames);
  const exclude = exclusionMask(p, pattern);
  const weigh = c.source ? sourceWeigher(p, input, c.source) : undefined;

  const groups = new Map<string, Group>();
  let matchedTotal = 0;
  let matchedSelf = 0;
  let coarseValue = 0;
  for (let s = 0; s < flat.frames.length; s++) {
    const frames = flat.frames[s];
    const value = flat.values[s];
    if (value === 0 || frames.length === 0 || flat.startup[s]) continue;
    if (exclude && frames.some((f) => exclude[f - 1])) continue;
    let m = frames.findIndex((f) => match[f - 1]);
    let weight = 1;
    let bySource = false;
    if (m < 0 && weigh && flat.cFrameless[frames[0] - 1]) {
      // The expensive call was made inside a library through a C builtin that leaves no frame
      // (Python's time.sleep, str methods, the regex engine): the library's executing line is
      // the evidence. Only exact lines count here, never a whole-body guess; only third-party
      // code (the stdlib's waiting machinery, threading's acquire under join, is not the
      // program's choice); and only where builtins are invisible: V8 and the JVM show the
      // call's own frame, which the pattern's frames match, so a source regex on their lines
      // would mistake RegExp#exec for child_process.exec.
      const w = weigh(frames[0], flat.lines[s][0], true);
      if (w.weight > 0 && !w.coarse) {
        m = 0;
        weight = w.weight;
        bySource = true;
      }
    }
    if (m < 0 && weigh) {
      const o = frames.findIndex((f) => flat.own[f - 1]);
      if (o < 0) continue;
      const w = weigh(frames[o], flat.lines[s][o], o === 0);
      if (w.weight === 0) continue;
      m = o;
      weight = w.weight;
      bySource = true;
      if (w.coarse) coarseValue += value * weight;
    }
    if (m < 0) continue;
    // The responsible frame is the nearest own one above the match; frames the pattern matched
    // are the library code being diagnosed, whatever frameOrigin guessed for them.
    let a = m;
    while (a < frames.length && (!flat.own[frames[a] - 1] || match[frames[a] - 1])) a++;
    if (a >= frames.length) a = m;
    else a = namedOwnAbove(flat, p, frames, a);
    const v = value * weight;
    matchedTotal += v;
    if (m === 0) matchedSelf += v;
    const key = flat.keys[frames[a] - 1];
    let g = groups.get(key);
    if (!g) {
      g = {
        fnId: frames[a],
        total: 0,
        self: 0,
        bySource: 0,
        byLine: new Map(),
        paths: new Map(),
        hot: new Map(),
        matched: new Map(),
      };
      groups.set(key, g);
    }
    g.total += v;
    g.matched.set(frames[m], (g.matched.get(frames[m]) ?? 0) + v);
    if (m === 0) g.self += v;
    if (bySource) g.bySource += v;
    const line = flat.lines[s][a];
    g.byLine.set(line, (g.byLine.get(line) ?? 0) + v);
    const h = hotIndex(flat, match, frames, m, a);
    if (h >= 0) {
      const hk = flat.keys[frames[h] - 1];
      const e = g.hot.get(hk) ?? { fnId: frames[h], value: 0, line: new Map() };
      e.value += v;
      e.line.set(flat.lines[s][h], (e.line.get(flat.lines[s][h]) ?? 0) + v);
      g.hot.set(hk, e);
    }
    const names: string[] = [];
    for (let i = frames.length - 1; i >= m; i--) names.push(p.functions[frames[i] - 1].name);
    const pk = names.join('\u0000');
    const path = g.paths.get(pk);
    if (path) path.value += v;
    else g.paths.set(pk, { value: v, names });
  }
  const totalShare = matchedTotal / view.total;
  const selfShare = matchedSelf / view.total;
  if (matchedTotal === 0) return [];
  if (!inRange(totalShare, c.totalShare) || !inRange(selfShare, c.selfShare)) return [];

  const calls = callsOf(pattern, input);
  if (c.calls && (!calls || !inRange(calls.calls, c.calls))) return [];
  if (c.timePerCallUs && (!calls || !inRange(calls.perCallUs, c.timePerCallUs))) return [];

  const floor = Math.max(0.005, (c.totalShare?.min ?? c.selfShare?.min ?? 0.02) / 4);
  const ranked = [...groups.values()]
    .filter((g) => g.total / view.total >= floor)
    .sort((x, y) => y.total - x.total);
  return ranked.slice(0, MAX_FINDINGS_PER_PATTERN).map((g) =>
    groupFinding(pattern, input, view, g, {
      totalShare,
      groups: ranked.length,
      coarse: coarseValue / matchedTotal,
      metricEvidence,
      calls,
      options,
    }),
  );
}

interface GroupContext {
  totalShare: number;
  groups: number;
  coarse: number;
  metricEvidence: Evidence;
  calls: { calls: number; perCallUs: number; byCaller: Map<string, number> } | undefined;
  options: MatchOptions;
}

function groupFinding(
  pattern: Pattern,
  input: DiagnosisInput,
  view: SampleView,
  g: Group,
  gc: GroupContext,
): Finding {
  const p = view.profile;
  const fn = p.functions[g.fnId - 1];
  const line =
    tickLine(input, fn, pattern.condition.source) ??
    [...g.byLine].filter(([l]) => l > 0).sort((a, b) => b[1] - a[1])[0]?.[0] ??
    input.sources.startOf(fn.filename, fn.name, fn.startLine);
  const stack = [...g.paths.values()].sort((a, b) => b.value - a.value)[0]?.names ?? [fn.name];
  const share = g.total / view.total;
  const kind = view.kind;
  const evidence: Evidence = {};
  const src = input.sourceOf[kind] ?? 'profile';
  evidence[`${kind}_share`] = { value: pct(share), unit: '%', source: src };
  if (g.self > 0)
    evidence[`${kind}_self_share`] = { value: pct(g.self / view.total), unit: '%', source: src };
  Object.assign(evidence, absoluteEvidence(kind, view.unit, g.total, src));
  if (gc.groups > 1)
    evidence[`${kind}_share_all_sites`] = { value: pct(gc.totalShare), unit: '%', source: src };
  if (gc.calls) {
    const own = gc.calls.byCaller.get(functionKey(fn.name, fn.filename));
    const callSource = input.sourceOf['call-stats'];
    evidence.calls = {
      value: own ?? gc.calls.calls,
      unit: 'calls',
      ...(callSource ? { source: callSource } : {}),
    };
    evidence.time_per_call = {
      value: Math.round(gc.calls.perCallUs * 100) / 100,
      unit: 'us',
      ...(callSource ? { source: callSource } : {}),
    };
  }
  Object.assign(evidence, gc.metricEvidence);
  const severity = severityOf(pattern, input, share, () => riskyRegexShare(g, p) / view.total);
  const bySourceShare = g.total === 0 ? 0 : g.bySource / g.total;
  let confidence = pattern.confidence;
  // Weaker evidence, lower confidence: a source-text match is an inference, a whole-body match
  // (no line numbers) more so; a handful of milliseconds may be noise.
  if (bySourceShare > 0.5) confidence *= gc.coarse > 0.5 ? 0.7 : 0.9;
  if (view.unit === 'nanoseconds' && g.total < 50e6) confidence *= 0.8;
  confidence = Math.round(confidence * 100) / 100;
  const location = { function: fn.name, file: fn.filename, line };
  const hotspot = hotspotOfGroup(g, p, flatten(view));
  return {
    id: findingId(pattern.id, location),
    pattern_id: pattern.id,
    category: pattern.category,
    title: `${pattern.title} in ${fn.name}`,
    severity,
    confidence,
    location,
    ...(hotspot ? { hotspot } : {}),
    stack,
    evidence,
    description: pattern.description,
    suggestions: pattern.suggestions,
    verify: `${pattern.verify} ${gc.options.verifyHint}`.trim(),
    references: pattern.references,
    impact: impactOf(share, confidence, severity),
  };
}

/** hotspotOfGroup names the library or runtime frame most of a group's matches were charged to. */
function hotspotOfGroup(g: Group, p: Profile, fv: FlatView): FindingHotspot | undefined {
  const ranked = [...g.hot.values()].sort((x, y) => y.value - x.value);
  const best = ranked[0];
  if (!best || g.total === 0) return undefined;
  const family = familyEntries(ranked, p, g.total);
  // perf may print the same function with and without its module (a lone `(inlined)` frame);
  // the package comes from a frame that has one.
  const top = family?.top ?? best;
  const fn = p.functions[top.fnId - 1];
  const pkg = packageOfFrame(fn.name, fn.filename);
  const line = [...top.line].filter(([l]) => l > 0).sort((x, y) => y[1] - x[1])[0]?.[0] ?? 0;
  return {
    function: family?.names ?? fn.name,
    file: fn.filename,
    line,
    origin: fv.origins[top.fnId - 1] ?? 'runtime',
    ...(pkg ? { package: pkg.name } : {}),
    ...(pkg?.version ? { version: pkg.version } : {}),
    share: Math.round(((family?.value ?? best.value) / g.total) * 10000) / 10000,
  };
}

/** FAMILY_MEMBER_SHARE: an entry with this share of a finding's matches is named beside the top one. */
const FAMILY_MEMBER_SHARE = 0.2;

type HotEntry = { fnId: number; value: number; line: Map<number, number> };

/**
 * familyEntries: when the pattern's matches were charged to several API entries, each holding
 * a real share (malloc and free in allocation churn, regcomp and regexec), naming only the top
 * one would flip between runs with sampling noise; the hotspot then names them all, heaviest
 * first (`__GI___libc_malloc + __GI___libc_free`), with their combined share. Entries are
 * counted by name, whatever module perf could give each sample's frame.
 */
function familyEntries(
  ranked: HotEntry[],
  p: Profile,
  total: number,
): { names: string; value: number; top: HotEntry } | undefined {
  const byName = new Map<string, { value: number; top: HotEntry }>();
  for (const e of ranked) {
    const fn = p.functions[e.fnId - 1];
    const entry = byName.get(fn.name);
    if (!entry) byName.set(fn.name, { value: e.value, top: e });
    else {
      entry.value += e.value;
      if (!p.functions[entry.top.fnId - 1].filename.startsWith('/') && fn.filename.startsWith('/'))
        entry.top = e;
    }
  }
  const members = [...byName]
    .filter(([, e]) => e.value >= FAMILY_MEMBER_SHARE * total)
    .sort((a, b) => b[1].value - a[1].value);
  if (members.length < 2) return undefined;
  return {
    names: members.map(([name]) => name).join(' + '),
    value: members.reduce((sum, [, e]) => sum + e.value, 0),
    top: members[0][1].top,
  };
}

/**
 * riskyRegexShare: the value of the group's hottest matched regex frame whose pattern has a
 * backtracking-prone shape (0 when no frame names its pattern or none is risky).
 */
function riskyRegexShare(g: Group, p: Profile): number {
  let best = 0;
  for (const [fnId, value] of g.matched) {
    if (value <= best) continue;
    const source = regexSourceOfFrame(p.functions[fnId - 1].name);
    if (source !== undefined && regexShape(source) === 'risky') best = value;
  }
  return best;
}

/**
 * tickLine is the hottest line of a V8 function from its line ticks (matching the pattern's
 * source regex when it has one), since V8 locations only carry the function's first line.
 */
function tickLine(
  input: DiagnosisInput,
  fn: Profile['functions'][number],
  re: RegExp | undefined,
): number | undefined {
  const ticks = input.lineTicks.get(functionKey(fn.name, fn.filename));
  if (!ticks) return undefined;
  const lines = [...ticks].filter(([l]) => !re || re.test(input.sources.line(fn.filename, l) ?? ''));
  return lines.sort((a, b) => b[1] - a[1])[0]?.[0];
}

/** absoluteEvidence states the matched amount in the view's unit (seconds or bytes). */
export function absoluteEvidence(kind: string, unit: string, value: number, source: string): Evidence {
  if (unit === 'nanoseconds') return { [`${kind}_time`]: { value: round3(value / 1e9), unit: 's', source } };
  if (unit === 'bytes') return { [`${kind}_bytes`]: { value: Math.round(value), unit: 'bytes', source } };
  return { [`${kind}_${unit}`]: { value: Math.round(value), unit, source } };
}

function severityOf(
  pattern: Pattern,
  input: DiagnosisInput,
  share: number,
  riskyShare: () => number,
): Severity {
  for (const rule of pattern.severity) {
    if (!inRange(share, rule.totalShare)) continue;
    if (rule.backtracking && !inRange(riskyShare(), rule.totalShare)) continue;
    if (!rule.metrics.every((m) => metricHolds(input.metrics, m.name, m.range))) continue;
    return rule.level;
  }
  return 'info';
}

/** callsOf sums cProfile calls of the functions the pattern's frames match, by caller too. */
function callsOf(pattern: Pattern, input: DiagnosisInput) {
  if (input.callStats.length === 0 || pattern.condition.frames.length === 0) return undefined;
  let calls = 0;
  let total = 0;
  const byCaller = new Map<string, number>();
  for (const s of input.callStats) {
    if (!pattern.condition.frames.some((m) => frameMatches(m, s.name, s.file))) continue;
    calls += s.calls;
    total += s.total_s;
    for (const c of s.callers) {
      const k = functionKey(c.name, c.file);
      byCaller.set(k, (byCaller.get(k) ?? 0) + c.calls);
    }
  }
  if (calls === 0) return undefined;
  return { calls, perCallUs: (total / calls) * 1e6, byCaller };
}

/**
 * metricOnlyFinding places a metrics-only pattern at the program's busiest own function, since
 * /proc numbers have no stack; its confidence is the pattern's own.
 */
function metricOnlyFinding(
  pattern: Pattern,
  input: DiagnosisInput,
  evidence: Evidence,
  options: MatchOptions,
): Finding {
  const view = viewOf(input, 'cpu') ?? input.views[0];
  let location = { function: '(whole process)', file: '', line: 0 };
  let stack: string[] = [];
  if (view) {
    const top = topOwnFunction(view);
    if (top) {
      location = { function: top.name, file: top.file, line: top.line };
      stack = top.stack;
    }
  }
  const severity = severityOf(pattern, input, 0, () => 0);
  const share = shareOfMetrics(input, pattern);
  return {
    id: findingId(pattern.id, location),
    pattern_id: pattern.id,
    category: pattern.category,
    title: pattern.title,
    severity,
    confidence: pattern.confidence,
    location,
    stack,
    evidence,
    description: pattern.description,
    suggestions: pattern.suggestions,
    verify: `${pattern.verify} ${options.verifyHint}`.trim(),
    references: pattern.references,
    impact: impactOf(share, pattern.confidence, severity),
  };
}

// A metrics-only finding has no profile share; rank it by the share metric it names, if any.
function shareOfMetrics(input: DiagnosisInput, pattern: Pattern): number {
  const shares = pattern.condition.metrics
    .filter((m) => m.name.endsWith('_share'))
    .map((m) => (input.metrics[m.name] as number | undefined) ?? 0);
  return shares.length > 0 ? Math.max(...shares) : 0.1;
}

/** topOwnFunction is the own function with the largest total value, with its heaviest path. */
export function topOwnFunction(view: SampleView) {
  const flat = flatten(view);
  const p = view.profile;
  const totals = new Map<number, number>();
  const best = new Map<number, { value: number; stack: string[]; line: number }>();
  for (let s = 0; s < flat.frames.length; s++) {
    const frames = flat.frames[s];
    const first = frames.findIndex((f) => flat.own[f - 1]);
    if (first < 0) continue;
    const o = namedOwnAbove(flat, p, frames, first);
    const fnId = frames[o];
    totals.set(fnId, (totals.get(fnId) ?? 0) + flat.values[s]);
    const prev = best.get(fnId);
    if (!prev || flat.values[s] > prev.value) {
      const names: string[] = [];
      for (let i = frames.length - 1; i >= o; i--) names.push(p.functions[frames[i] - 1].name);
      best.set(fnId, { value: flat.values[s], stack: names, line: flat.lines[s][o] });
    }
  }
  const ranked = [...totals].sort((a, b) => b[1] - a[1]);
  let top = ranked[0];
  if (!top) return undefined;
  // Allocation profiles have no line ticks to undo V8 inlining, so a script's top level shows
  // the bytes of every function inlined into its loop. A named function of the same file that
  // allocated on its own (before it was inlined) is the better site.
  if (view.kind === 'alloc' || view.kind === 'heap') {
    const first = p.functions[top[0] - 1];
    if (isScriptBody(first)) {
      const named = ranked.find(([id]) => {
        const f = p.functions[id - 1];
        return f.filename === first.filename && !isScriptBody(f) && f.name !== '(anonymous)';
      });
      if (named) top = named;
    }
  }
  const fn = p.functions[top[0] - 1];
  const b = best.get(top[0]);
  return {
    name: fn.name,
    file: fn.filename,
    line: b?.line ?? fn.startLine,
    stack: b?.stack ?? [fn.name],
    value: top[1],
  };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** isScriptBody: V8's frame for a script's or module's top-level code. */
export function isScriptBody(fn: { name: string; startLine: number }): boolean {
  return fn.name === '(anonymous)' && fn.startLine <= 1;
}
