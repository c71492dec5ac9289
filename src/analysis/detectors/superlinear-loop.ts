import type { Profile } from '../../model/profile.js';
import type { DiagnosisInput } from '../features/diagnosis-input.js';
import {
  type LinearOperation,
  languageOf,
  linearOperation,
  type SourceLanguage,
} from '../features/linear-operations.js';
import {
  type EnclosingLoop,
  enclosingLoops,
  iteratesOverCollection,
  iteratesOverItem,
} from '../features/loop-nesting.js';
import { ownLines } from '../features/own-lines.js';
import { withoutStartup } from '../features/startup-frames.js';
import type { LineTicks } from '../features/v8-line-ticks.js';
import { type Evidence, pct, type Severity } from '../findings.js';
import { isOwnFrame } from '../frame-origin.js';
import { functionKey } from '../function-shares.js';
import { traceHotspot } from '../hotspot.js';
import { absoluteEvidence } from '../patterns/match.js';
import { heaviestPath } from '../profile-diff.js';
import { type Detector, ladder, makeFinding } from './detector.js';

/** MIN_SHARE: the looping function must carry this share of CPU to matter. */
const MIN_SHARE = 0.15;
/** HOT_LINE_SHARE: one line must hold this share of the function's located time. */
const HOT_LINE_SHARE = 0.5;
/** LIBRARY_SHARE: a library frame below the program's function must hold this share of it. */
const LIBRARY_SHARE = 0.5;
const MAX_FINDINGS = 2;

/** FrameStats is one function's time below a location, by its executing line, and its callers. */
interface FrameStats {
  value: number;
  byLine: Map<number, number>;
  callers: Map<number, { value: number; lines: Map<number, number> }>;
}

/**
 * frameStats sums the samples whose stack holds `fnKey` at or below the function `underKey`,
 * by the line executing in `fnKey`'s innermost frame, and by the frame that called it. V8
 * frames carry function starts only, so a V8 function's self samples are split by its
 * positionTicks (`lineTicks`).
 */
function frameStats(p: Profile, fnKey: string, underKey: string, lineTicks: LineTicks): FrameStats {
  const keys = p.functions.map((fn) => functionKey(fn.name, fn.filename));
  const stats: FrameStats = { value: 0, byLine: new Map(), callers: new Map() };
  let self = 0;
  let startLine = -1;
  let linesAreStarts = true;
  for (const s of p.samples) {
    const frames: Array<{ fnId: number; line: number }> = [];
    for (const id of s.locationIds)
      for (const l of p.locations[id - 1].lines) frames.push({ fnId: l.functionId, line: l.line });
    const o = frames.findIndex((f) => keys[f.fnId - 1] === fnKey);
    if (o < 0 || !frames.slice(o).some((f) => keys[f.fnId - 1] === underKey)) continue;
    const v = Math.abs(s.values[0]);
    const fn = p.functions[frames[o].fnId - 1];
    stats.value += v;
    if (o === 0) self += v;
    startLine = fn.startLine;
    if (frames[o].line !== fn.startLine) linesAreStarts = false;
    stats.byLine.set(frames[o].line, (stats.byLine.get(frames[o].line) ?? 0) + v);
    if (o + 1 < frames.length) {
      const c = frames[o + 1];
      const e = stats.callers.get(c.fnId) ?? { value: 0, lines: new Map<number, number>() };
      e.value += v;
      e.lines.set(c.line, (e.lines.get(c.line) ?? 0) + v);
      stats.callers.set(c.fnId, e);
    }
  }
  const ticks = lineTicks.get(fnKey);
  if (linesAreStarts && startLine >= 0 && ticks && self > 0) {
    const sum = [...ticks.values()].reduce((a, b) => a + b, 0);
    stats.byLine = new Map([...ticks].map(([line, n]) => [line, (self * n) / sum]));
  }
  return stats;
}

/** hottestLine: the line holding most of the frame's time, with its share of it. */
function hottestLine(stats: FrameStats): { line: number; share: number } | undefined {
  const known = [...stats.byLine].filter(([l]) => l > 0).sort((a, b) => b[1] - a[1]);
  if (known.length === 0 || stats.value === 0) return undefined;
  const located = known.reduce((a, [, v]) => a + v, 0);
  // Samples a sampler could not place on a line do not vote, but the hot line must still hold
  // a real part of the whole function.
  const share = known[0][1] / located;
  return known[0][1] / stats.value >= HOT_LINE_SHARE / 2 ? { line: known[0][0], share } : undefined;
}

/** Shape is the super-linear shape a hot line shows, with the loops that make it one. */
interface Shape {
  kind: 'scan-in-loop' | 'scan-in-caller-loop' | 'nested-loops';
  op?: LinearOperation;
  loop: EnclosingLoop;
  /** loopOwner: the function whose loop repeats the work. */
  loopOwner: string;
  confidence: number;
  severity: (share: number) => Severity;
}

interface CallerLoops {
  name: string;
  loops: EnclosingLoop[];
}

/**
 * shapeOf reads the hot line and the loops around it: a linear-time operation (scan, copy,
 * serialisation) repeated by a loop of the same function or of the library function that calls
 * it, or a line inside a loop over one collection nested in a loop over another. A scan of the
 * loop's own item (`for line in lines: line.split()`) is linear in total and does not count.
 */
export function shapeOf(
  text: string,
  language: SourceLanguage,
  fnName: string,
  loops: EnclosingLoop[],
  caller: CallerLoops | undefined,
): Shape | undefined {
  const op = linearOperation(text, language);
  if (op) {
    const head = /^[A-Za-z_$][\w$]*/.exec(op.subject)?.[0] ?? '';
    const perItem = head !== '' && loops.some((l) => l.variables.includes(head));
    if (!perItem && loops.length > 0)
      return {
        kind: 'scan-in-loop',
        op,
        loop: loops[0],
        loopOwner: fnName,
        confidence: 0.7,
        severity: (s) =>
          ladder(
            s,
            [
              [0.4, 'high'],
              [0.2, 'medium'],
            ],
            'low',
          ),
      };
    if (!perItem && caller && caller.loops.length > 0)
      return {
        kind: 'scan-in-caller-loop',
        op,
        loop: caller.loops[0],
        loopOwner: caller.name,
        confidence: 0.6,
        severity: (s) => ladder(s, [[0.3, 'medium']], 'low'),
      };
  }
  const inner = loops[0];
  if (!inner || !iteratesOverCollection(inner)) return undefined;
  // The outer loop must go over an input too: a `while` that advances a position (a tokenizer
  // trying each rule of a fixed table at every offset) is linear in the input.
  const outer = loops[1] ?? caller?.loops[0];
  if (!outer || outer.kind === 'while' || (loops[1] && iteratesOverItem(inner, outer))) return undefined;
  return {
    kind: 'nested-loops',
    loop: inner,
    loopOwner: loops[1] ? fnName : (caller?.name ?? fnName),
    confidence: 0.5,
    severity: (s) => ladder(s, [[0.4, 'medium']], 'low'),
  };
}

/** startOfFunction: a function's first line (Python samplers only give executing lines). */
function startOfFunction(input: DiagnosisInput, name: string, file: string, known: number, hint: number) {
  const python = languageOf(file) === 'python';
  // A Python script's top level is a function from its first line on.
  if (python && name === '<module>') return 1;
  return input.sources.startOf(file, name, python ? 0 : known, hint);
}

/**
 * callerLoops: the loops around the call of `callee` in its heaviest caller, when that caller
 * is library code too. A loop in the program's own code calls the library on separate inputs
 * (linear in their number); a loop inside the library repeats the work over one input. With a
 * line per frame (Python) the call's line is known; V8 gives function starts, so every call of
 * the callee in the caller's body is read.
 */
function callerLoops(input: DiagnosisInput, p: Profile, stats: FrameStats, callee: string) {
  const best = [...stats.callers].sort((a, b) => b[1].value - a[1].value)[0];
  if (!best || best[1].value < stats.value / 2) return undefined;
  const fn = p.functions[best[0] - 1];
  const language = languageOf(fn.filename);
  if (!language || isOwnFrame(fn.name, fn.filename)) return undefined;
  const lines = input.sources.lines(fn.filename);
  if (!lines) return undefined;
  const callLine = [...best[1].lines].filter(([l]) => l > 0).sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
  const start = startOfFunction(input, fn.name, fn.filename, fn.startLine, callLine);
  if (start <= 0) return undefined;
  const short = callee.split(/[.:]/).pop() ?? callee;
  const callLines =
    callLine > 0 && callLine !== fn.startLine
      ? [callLine]
      : input.sources
          .body(fn.filename, start)
          .filter((l) => new RegExp(`\\b${short.replace(/\$/g, '\\$')}\\s*\\(`).test(l.text))
          .map((l) => l.line);
  for (const line of callLines) {
    const loops = enclosingLoops(lines, start, line, language);
    if (loops.length > 0) return { name: fn.name, loops };
  }
  return { name: fn.name, loops: [] };
}

/**
 * superlinearLoop flags super-linear cost that leaves no recursion in a profile: the hot line of
 * a dominating function (the program's own, or the library function below it) repeats a
 * linear-time scan, copy or serialisation inside a loop over the same input, or runs in a loop
 * over one collection nested in a loop over another. One run cannot time several input sizes,
 * but a scan that holds most of a loop's time covers far more than the loop advances per step:
 * that is O(n) work per step, O(n^2) in all. Severity follows how direct the evidence is.
 */
export const superlinearLoop: Detector = {
  id: 'superlinear-loop',
  detect(input, ctx) {
    const all = input.views.find((v) => v.kind === 'cpu');
    if (!all || all.total === 0) return [];
    const view = withoutStartup(all);
    const p = view.profile;
    const byFn = new Map<string, { fn: string; file: string; value: number; lines: Map<number, number> }>();
    for (const l of ownLines(p, input.lineTicks)) {
      const e = byFn.get(l.key) ?? { fn: l.function, file: l.file, value: 0, lines: new Map() };
      e.value += l.value;
      e.lines.set(l.line, (e.lines.get(l.line) ?? 0) + l.value);
      byFn.set(l.key, e);
    }
    const src = input.sourceOf.cpu ?? 'profile';
    const out = [];
    for (const e of [...byFn.values()].sort((a, b) => b.value - a.value).slice(0, 3)) {
      if (e.value / all.total < MIN_SHARE) break;
      const ownKey = functionKey(e.fn, e.file);
      const trace = traceHotspot(view, { function: e.fn, file: e.file });
      const library =
        trace && trace.hotspot.share >= LIBRARY_SHARE && languageOf(trace.hotspot.file) ? trace : undefined;
      const name = library ? library.hotspot.function : e.fn;
      const file = library ? library.hotspot.file : e.file;
      const language = languageOf(file);
      const lines = input.sources.lines(file);
      if (!language || !lines) continue;
      const stats = frameStats(p, functionKey(name, file), ownKey, input.lineTicks);
      const hot = hottestLine(stats);
      if (!hot || hot.share < HOT_LINE_SHARE) continue;
      const share = stats.value / all.total;
      if (share < MIN_SHARE) continue;
      const fnId = p.functions.findIndex((f) => functionKey(f.name, f.filename) === functionKey(name, file));
      const start = startOfFunction(input, name, file, p.functions[fnId]?.startLine ?? 0, hot.line);
      if (start <= 0) continue;
      const text = lines[hot.line - 1]?.trim() ?? '';
      const loops = enclosingLoops(lines, start, hot.line, language);
      const caller = library ? callerLoops(input, p, stats, name) : undefined;
      const shape = shapeOf(text, language, name, loops, caller);
      if (!shape) continue;
      const ownLine = [...e.lines].filter(([l]) => l > 0).sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
      const h = library?.hotspot;
      const pkg = h?.package ? ` (${h.package}${h.version ? `@${h.version}` : ''})` : '';
      const at = `${file.replace(/^.*[\\/]/, '')}:${hot.line}`;
      const evidence: Evidence = {
        cpu_share: { value: pct(share), unit: '%', source: src },
        hot_line_share: { value: pct(hot.share), unit: '%', source: src },
        enclosing_loops: { value: loops.length, unit: 'count', source: src },
        ...absoluteEvidence('cpu', view.unit, stats.value, src),
      };
      const f = makeFinding(
        {
          patternId: `superlinear-${shape.kind}`,
          category: 'algorithmic',
          title: titleOf(shape, name + pkg, at),
          severity: shape.severity(share),
          confidence: shape.confidence,
          location: { function: e.fn, file: e.file, line: ownLine },
          stack: library ? library.stack : heaviestPath(p, 0, ownKey).stack,
          evidence,
          description: descriptionOf(shape, name, text, Math.round(hot.share * 100)),
          suggestions: suggestionsOf(shape, name, e.fn, Boolean(library)),
          verify: `Run with inputs of growing size: time should grow linearly, and ${name}'s share of CPU should drop.`,
          share,
        },
        ctx,
      );
      out.push(h ? { ...f, hotspot: h } : f);
      if (out.length >= MAX_FINDINGS) break;
    }
    return out;
  },
};

function titleOf(shape: Shape, fn: string, at: string): string {
  if (shape.kind === 'scan-in-loop')
    return `Quadratic loop: ${fn} repeats a ${shape.op?.what} inside a loop (${at})`;
  if (shape.kind === 'scan-in-caller-loop')
    return `Super-linear loop: ${fn} does a ${shape.op?.what} on each step of ${shape.loopOwner}'s loop (${at})`;
  return `Nested loops: ${fn} goes over one collection for every element of another (${at})`;
}

function descriptionOf(shape: Shape, fn: string, text: string, hotPct: number): string {
  const line = `\`${text.length > 120 ? `${text.slice(0, 117)}...` : text}\``;
  if (shape.kind === 'nested-loops')
    return `${hotPct}% of ${fn}'s time is on ${line}, inside a loop over a collection (line ${shape.loop.line}) that itself runs in a loop over another input: the work is the product of the two sizes, quadratic when both grow with the input.`;
  const expands =
    shape.op?.what === 'conversion of a whole container'
      ? ' A container built from shared or nested references (aliases, repeated sub-objects) converts to far more text than its source, so each conversion can even grow exponentially.'
      : '';
  return `${hotPct}% of ${fn}'s time is on ${line}, a ${shape.op?.what} whose cost grows with the size of ${shape.op?.subject || 'its input'}, and it runs once per iteration of ${shape.loopOwner}'s loop (line ${shape.loop.line}). A scan that holds most of a loop's time covers much more than the loop advances per step: O(n) work per step, O(n^2) in all, so the run time grows with the square of the input.${expands}`;
}

function suggestionsOf(shape: Shape, fn: string, caller: string, library: boolean): string[] {
  const out: string[] = [];
  if (shape.op) out.push(`In ${shape.loopOwner}: ${shape.op.instead}.`);
  else
    out.push(
      'Index the inner collection once (a dict or set keyed on what the outer loop looks up) instead of going over it for every outer element.',
    );
  if (library)
    out.push(
      `${fn} is library code: bound or reject the input that drives it (length, nesting, repetition) before ${caller} calls it, or use a version or API of the library without the quadratic path.`,
    );
  return out;
}
