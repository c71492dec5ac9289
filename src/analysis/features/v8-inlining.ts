import type { Location, Profile, Sample } from '../../model/profile.js';
import { functionKey } from '../function-shares.js';
import { runtimeOfFrame } from './runtimes.js';
import type { SampleView } from './sample-views.js';
import type { SourceReader } from './source-lines.js';
import type { LineTicks } from './v8-line-ticks.js';

/**
 * V8 inlines small hot functions into their callers, and its CPU profile then credits the
 * callee's time to the caller's frame: the program's real hotspot vanishes behind the function
 * that called it (or behind the module's top level). The caller's `positionTicks` still say
 * which source lines were executing, and those lines lie inside the callee's body. This file
 * moves such ticks, and the matching share of the caller's self samples, to the callee, as if
 * V8 had reported the inlined frame.
 */

interface Span {
  fnId: number;
  start: number;
  end: number;
}

/** InliningResult is the view with inlined callees restored and the line ticks to match it. */
export interface InliningResult {
  view: SampleView;
  lineTicks: LineTicks;
  /** moved: the value credited to inlined callees (0 when nothing was inlined). */
  moved: number;
}

/**
 * restoreInlinedFrames applies the line evidence to a CPU view of V8 functions. Functions whose
 * source cannot be read, or whose ticks all fall on their own lines, are left as they are.
 */
export function restoreInlinedFrames(
  view: SampleView,
  lineTicks: LineTicks,
  sources: SourceReader,
): InliningResult {
  const p = view.profile;
  const spans = functionSpans(p, sources);
  if (spans.size === 0) return { view, lineTicks, moved: 0 };

  // For each function with ticks: which part stays and which part goes to which callee.
  const plans = new Map<number, { stay: number; moves: Map<number, { share: number; line: number }> }>();
  const newTicks: LineTicks = new Map();
  const addTicks = (key: string, line: number, n: number) => {
    let m = newTicks.get(key);
    if (!m) {
      m = new Map();
      newTicks.set(key, m);
    }
    m.set(line, (m.get(line) ?? 0) + n);
  };
  const keyOfId = new Map<string, number[]>();
  p.functions.forEach((fn, i) => {
    const k = functionKey(fn.name, fn.filename);
    keyOfId.set(k, [...(keyOfId.get(k) ?? []), i + 1]);
  });
  for (const [key, ticks] of lineTicks) {
    const ids = keyOfId.get(key);
    const fnId = ids?.find((id) => spans.has(id));
    const fileSpans = fnId === undefined ? undefined : spans.get(fnId);
    if (fnId === undefined || !fileSpans) {
      for (const [l, n] of ticks) addTicks(key, l, n);
      continue;
    }
    let all = 0;
    let stay = 0;
    const to = new Map<number, { ticks: number; byLine: Map<number, number> }>();
    for (const [line, n] of ticks) {
      all += n;
      const owner = innermost(fileSpans, line);
      // A tick moves only to another function: one elsewhere in the file (an inlined call) or a
      // closure nested in this one (an inlined callback).
      if (!owner || owner.fnId === fnId) {
        stay += n;
        addTicks(key, line, n);
        continue;
      }
      const t = to.get(owner.fnId) ?? { ticks: 0, byLine: new Map() };
      t.ticks += n;
      t.byLine.set(line, (t.byLine.get(line) ?? 0) + n);
      to.set(owner.fnId, t);
      const g = p.functions[owner.fnId - 1];
      addTicks(functionKey(g.name, g.filename), line, n);
    }
    if (to.size === 0 || all === 0) continue;
    const moves = new Map<number, { share: number; line: number }>();
    for (const [g, t] of to) {
      const line = [...t.byLine].sort((a, b) => b[1] - a[1])[0][0];
      moves.set(g, { share: t.ticks / all, line });
    }
    for (const id of ids ?? []) plans.set(id, { stay: stay / all, moves });
  }
  if (plans.size === 0) return { view, lineTicks, moved: 0 };

  const locations: Location[] = [...p.locations];
  const synthetic = new Map<string, number>();
  const locationOf = (fnId: number, line: number): number => {
    const k = `${fnId}:${line}`;
    let id = synthetic.get(k);
    if (id === undefined) {
      id = locations.length + 1;
      locations.push({ id, mappingId: 0, address: 0, lines: [{ functionId: fnId, line }] });
      synthetic.set(k, id);
    }
    return id;
  };
  const samples: Sample[] = [];
  let moved = 0;
  for (const s of p.samples) {
    const leaf = s.locationIds.length > 0 ? p.locations[s.locationIds[0] - 1] : undefined;
    const plan = leaf && leaf.lines.length > 0 ? plans.get(leaf.lines[0].functionId) : undefined;
    if (!plan) {
      samples.push(s);
      continue;
    }
    const value = s.values[0];
    const kept = value * plan.stay;
    if (kept > 0) samples.push({ ...s, values: [kept] });
    for (const [g, m] of plan.moves) {
      const v = value * m.share;
      moved += v;
      samples.push({ ...s, locationIds: [locationOf(g, m.line), ...s.locationIds], values: [v] });
    }
  }
  return {
    view: { ...view, profile: { ...p, locations, samples } },
    lineTicks: newTicks,
    moved,
  };
}

/** innermost is the narrowest span containing the line (the most deeply nested function). */
function innermost(spans: Span[], line: number): Span | undefined {
  let best: Span | undefined;
  for (const s of spans)
    if (line >= s.start && line <= s.end && (!best || s.end - s.start < best.end - best.start)) best = s;
  return best;
}

/**
 * functionSpans finds the source range of every V8 function of the program whose file is
 * readable, grouped per function id as the list of all spans of that file. A module's top level
 * (`(anonymous)` at line 1) spans the whole file.
 */
function functionSpans(p: Profile, sources: SourceReader): Map<number, Span[]> {
  const byFile = new Map<string, Span[]>();
  p.functions.forEach((fn, i) => {
    if (fn.startLine <= 0 || !fn.filename || runtimeOfFrame(fn.name, fn.filename) !== 'node') return;
    if (fn.filename.startsWith('node:')) return;
    const lines = sources.lines(fn.filename);
    if (!lines) return;
    let end: number;
    if (fn.name === '(anonymous)' && fn.startLine === 1) end = lines.length;
    else {
      const body = sources.body(fn.filename, fn.startLine);
      if (body.length === 0) return;
      // An expression-bodied arrow (`x => x * 2`) has no braces to balance: its own line only.
      end = body.slice(0, 3).some((l) => l.text.includes('{')) ? body[body.length - 1].line : fn.startLine;
    }
    const list = byFile.get(fn.filename) ?? [];
    list.push({ fnId: i + 1, start: fn.startLine, end });
    byFile.set(fn.filename, list);
  });
  const out = new Map<number, Span[]>();
  for (const list of byFile.values()) for (const s of list) out.set(s.fnId, list);
  return out;
}
