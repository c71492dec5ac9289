import { type Document, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { METRIC_NAMES, type MetricName } from '../features/metrics.js';
import { RUNTIMES, type Runtime } from '../features/runtimes.js';
import { SAMPLE_KINDS, type SampleKind } from '../features/sample-views.js';
import { CATEGORIES, type Category, SEVERITIES, type Severity } from '../findings.js';
import type { FrameOrigin } from '../frame-origin.js';

/**
 * A pattern file is YAML: `patterns:` followed by a list of patterns. One pattern:
 *
 *   id: python-regex-compile            unique, kebab-case
 *   category: regex                     one of CATEGORIES
 *   runtimes: [python]                  node, python, jvm, go, native, or any
 *   title: Regular expression compiled on the hot path
 *   description: why this is slow
 *   condition:
 *     sample: cpu                       cpu (default), wall, alloc, heap, lock, off-cpu
 *     frames:                           a sample matches when any frame matches one entry
 *       - function: '^re\._compile$'    regex on the function name
 *         file: 're/__init__\.py$'      optional regex on the file
 *         origin: library               optional: own, library, runtime or kernel
 *     source: 're\.compile\('           or: the hot line of the program's own frame matches
 *     exclude_frames: [...]             samples with such a frame never match
 *     total_share: {min: 0.03}          matched value / all of the sample kind (0..1)
 *     self_share: {min: 0.01}           the same, counting only samples whose leaf matched
 *     calls: {min: 10000}               cProfile calls of the matched functions
 *     time_per_call_us: {max: 20}
 *     metrics: {gc_share: {min: 0.1}}   run metrics (see Metrics)
 *     requires: [call-stats]            data the pattern cannot do without
 *   severity:                           first rule that holds, on the finding's own share
 *     - {level: high, total_share: {min: 0.25}}
 *     - {level: medium, total_share: {min: 0.1}, backtracking: true}   share of one risky regex
 *     - {level: low}
 *   confidence: 0.8                     0..1 before adjustments for weak evidence
 *   suggestions: [text, ...]
 *   verify: how to confirm the fix
 *   references: [url, ...]
 */

const FRAME_ORIGINS: readonly FrameOrigin[] = ['own', 'library', 'runtime', 'kernel'];

/** Range bounds a number; either end may be absent. */
export interface Range {
  min?: number;
  max?: number;
}

/** FrameMatcher matches one frame. Regexes are compiled once at load. */
export interface FrameMatcher {
  function: RegExp;
  file?: RegExp;
  origin?: FrameOrigin;
}

export type Requirement = 'call-stats' | 'timeseries' | 'node-metrics';
const REQUIREMENTS: readonly Requirement[] = ['call-stats', 'timeseries', 'node-metrics'];

/** Condition is when a pattern fires. */
export interface Condition {
  sample: SampleKind;
  frames: FrameMatcher[];
  source?: RegExp;
  excludeFrames: FrameMatcher[];
  totalShare?: Range;
  selfShare?: Range;
  calls?: Range;
  timePerCallUs?: Range;
  metrics: Array<{ name: MetricName; range: Range }>;
  requires: Requirement[];
}

/** SeverityRule is one step of a pattern's severity ladder. */
export interface SeverityRule {
  level: Severity;
  totalShare?: Range;
  /**
   * backtracking: the rule holds only when one matched regex frame of a backtracking-prone
   * shape (see features/regex-shape.ts) holds total_share by itself: hot matching alone is
   * not a defect.
   */
  backtracking?: boolean;
  metrics: Array<{ name: MetricName; range: Range }>;
}

/** Pattern is one entry of the knowledge base, validated and compiled. */
export interface Pattern {
  id: string;
  category: Category;
  runtimes: Array<Runtime | 'any'>;
  title: string;
  description: string;
  condition: Condition;
  severity: SeverityRule[];
  confidence: number;
  suggestions: string[];
  verify: string;
  references: string[];
  /** origin: the file and line the pattern was read from. */
  origin: { file: string; line: number };
}

/** SchemaProblem is one validation error with its position. */
export interface SchemaProblem {
  file: string;
  line: number;
  path: string;
  message: string;
}

/** formatProblem renders `file:line: path: message`, the one-line form `patterns check` prints. */
export function formatProblem(p: SchemaProblem): string {
  return `${p.file}:${p.line}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

type Json = unknown;

class Checker {
  readonly problems: SchemaProblem[] = [];
  constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  lineOf(path: Array<string | number>): number {
    for (let n = path.length; n >= 0; n--) {
      const node = this.doc.getIn(path.slice(0, n), true) as Node | undefined;
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range) return this.lines.linePos(range[0]).line;
    }
    return 1;
  }

  fail(path: Array<string | number>, message: string): undefined {
    this.problems.push({ file: this.file, line: this.lineOf(path), path: pathText(path), message });
    return undefined;
  }
}

function pathText(path: Array<string | number>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

const isObject = (v: Json): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const PATTERN_KEYS = new Set([
  'id',
  'category',
  'runtimes',
  'title',
  'description',
  'condition',
  'severity',
  'confidence',
  'suggestions',
  'verify',
  'references',
]);
const CONDITION_KEYS = new Set([
  'sample',
  'frames',
  'source',
  'exclude_frames',
  'total_share',
  'self_share',
  'calls',
  'time_per_call_us',
  'metrics',
  'requires',
]);

function oneOf<T extends string>(c: Checker, path: Array<string | number>, v: Json, allowed: readonly T[]) {
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  return c.fail(path, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(v)})`);
}

function text(c: Checker, path: Array<string | number>, v: Json, required = true): string | undefined {
  if (v === undefined && !required) return undefined;
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  return c.fail(path, v === undefined ? 'is required' : 'must be a non-empty string');
}

function texts(c: Checker, path: Array<string | number>, v: Json, required: boolean): string[] {
  if (v === undefined) {
    if (required) c.fail(path, 'is required (a list of strings)');
    return [];
  }
  if (!Array.isArray(v)) {
    c.fail(path, 'must be a list of strings');
    return [];
  }
  return v.map((x, i) => text(c, [...path, i], x)).filter((x): x is string => x !== undefined);
}

function regex(c: Checker, path: Array<string | number>, v: Json): RegExp | undefined {
  const source = text(c, path, v);
  if (source === undefined) return undefined;
  try {
    return new RegExp(source);
  } catch (err) {
    return c.fail(path, `invalid regular expression: ${(err as Error).message}`);
  }
}

function range(c: Checker, path: Array<string | number>, v: Json): Range | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) return c.fail(path, 'must be {min: N} and/or {max: N}');
  const out: Range = {};
  for (const [k, x] of Object.entries(v)) {
    if (k !== 'min' && k !== 'max') {
      c.fail([...path, k], `unknown key '${k}' (use min or max)`);
      continue;
    }
    if (typeof x !== 'number' || !Number.isFinite(x)) c.fail([...path, k], 'must be a number');
    else out[k] = x;
  }
  if (out.min === undefined && out.max === undefined) return c.fail(path, 'needs min or max');
  if (out.min !== undefined && out.max !== undefined && out.min > out.max)
    return c.fail(path, `min ${out.min} is above max ${out.max}`);
  return out;
}

function share(c: Checker, path: Array<string | number>, v: Json): Range | undefined {
  const r = range(c, path, v);
  for (const k of ['min', 'max'] as const) {
    const x = r?.[k];
    if (x !== undefined && (x < 0 || x > 1)) c.fail([...path, k], `a share is 0..1 (got ${x})`);
  }
  return r;
}

function frames(c: Checker, path: Array<string | number>, v: Json): FrameMatcher[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length === 0) {
    c.fail(path, 'must be a non-empty list of {function, file?, origin?}');
    return [];
  }
  const out: FrameMatcher[] = [];
  v.forEach((f, i) => {
    const p = [...path, i];
    if (!isObject(f)) {
      c.fail(p, 'must be {function, file?, origin?}');
      return;
    }
    for (const k of Object.keys(f))
      if (!['function', 'file', 'origin'].includes(k)) c.fail([...p, k], `unknown key '${k}'`);
    const fn = regex(c, [...p, 'function'], f.function);
    const file = f.file === undefined ? undefined : regex(c, [...p, 'file'], f.file);
    const origin = f.origin === undefined ? undefined : oneOf(c, [...p, 'origin'], f.origin, FRAME_ORIGINS);
    if (fn) out.push({ function: fn, ...(file ? { file } : {}), ...(origin ? { origin } : {}) });
  });
  return out;
}

function metricRanges(c: Checker, path: Array<string | number>, v: Json) {
  const out: Array<{ name: MetricName; range: Range }> = [];
  if (v === undefined) return out;
  if (!isObject(v)) {
    c.fail(path, 'must map metric names to {min, max}');
    return out;
  }
  for (const [k, x] of Object.entries(v)) {
    const name = oneOf(c, [...path, k], k, METRIC_NAMES);
    const r = range(c, [...path, k], x);
    if (name && r) out.push({ name, range: r });
  }
  return out;
}

function condition(c: Checker, path: Array<string | number>, v: Json): Condition | undefined {
  if (!isObject(v)) return c.fail(path, v === undefined ? 'is required' : 'must be a mapping');
  for (const k of Object.keys(v)) if (!CONDITION_KEYS.has(k)) c.fail([...path, k], `unknown key '${k}'`);
  const sample = v.sample === undefined ? 'cpu' : oneOf(c, [...path, 'sample'], v.sample, SAMPLE_KINDS);
  const requires = texts(c, [...path, 'requires'], v.requires, false)
    .map((r, i) => oneOf(c, [...path, 'requires', i], r, REQUIREMENTS))
    .filter((r): r is Requirement => r !== undefined);
  const cond: Condition = {
    sample: sample ?? 'cpu',
    frames: frames(c, [...path, 'frames'], v.frames),
    excludeFrames: frames(c, [...path, 'exclude_frames'], v.exclude_frames),
    metrics: metricRanges(c, [...path, 'metrics'], v.metrics),
    requires,
  };
  if (v.source !== undefined) cond.source = regex(c, [...path, 'source'], v.source);
  const opt = <K extends 'totalShare' | 'selfShare' | 'calls' | 'timePerCallUs'>(
    k: K,
    r: Range | undefined,
  ) => {
    if (r) cond[k] = r;
  };
  opt('totalShare', share(c, [...path, 'total_share'], v.total_share));
  opt('selfShare', share(c, [...path, 'self_share'], v.self_share));
  opt('calls', range(c, [...path, 'calls'], v.calls));
  opt('timePerCallUs', range(c, [...path, 'time_per_call_us'], v.time_per_call_us));
  if (cond.frames.length === 0 && !cond.source && cond.metrics.length === 0 && v.frames === undefined)
    c.fail(path, 'needs at least one of frames, source or metrics');
  if ((cond.frames.length > 0 || cond.source) && !cond.totalShare && !cond.selfShare)
    c.fail(path, 'a frames or source condition needs total_share or self_share (no finding without numbers)');
  if ((cond.calls || cond.timePerCallUs) && cond.frames.length === 0)
    c.fail(path, 'calls and time_per_call_us apply to matched frames: add frames');
  return cond;
}

function severity(c: Checker, path: Array<string | number>, v: Json): SeverityRule[] {
  if (!Array.isArray(v) || v.length === 0) {
    c.fail(path, 'must be a non-empty list of {level, total_share?, metrics?}');
    return [];
  }
  const out: SeverityRule[] = [];
  v.forEach((r, i) => {
    const p = [...path, i];
    if (!isObject(r)) {
      c.fail(p, 'must be {level, total_share?, metrics?}');
      return;
    }
    for (const k of Object.keys(r))
      if (!['level', 'total_share', 'metrics', 'backtracking'].includes(k))
        c.fail([...p, k], `unknown key '${k}'`);
    const level = oneOf(c, [...p, 'level'], r.level, SEVERITIES);
    const rule: SeverityRule = {
      level: level ?? 'info',
      metrics: metricRanges(c, [...p, 'metrics'], r.metrics),
    };
    const s = share(c, [...p, 'total_share'], r.total_share);
    if (s) rule.totalShare = s;
    if (r.backtracking !== undefined) {
      if (typeof r.backtracking !== 'boolean') c.fail([...p, 'backtracking'], 'must be true or false');
      else if (r.backtracking) rule.backtracking = true;
    }
    if (level) out.push(rule);
  });
  const last = v[v.length - 1];
  if (
    isObject(last) &&
    (last.total_share !== undefined || last.metrics !== undefined || last.backtracking !== undefined)
  )
    c.fail(
      [...path, v.length - 1],
      'the last rule must be unconditional ({level: ...}) so every match has a severity',
    );
  return out;
}

function pattern(c: Checker, path: Array<string | number>, v: Json, seen: Set<string>): Pattern | undefined {
  if (!isObject(v)) return c.fail(path, 'must be a mapping');
  const before = c.problems.length;
  for (const k of Object.keys(v)) if (!PATTERN_KEYS.has(k)) c.fail([...path, k], `unknown key '${k}'`);
  const id = text(c, [...path, 'id'], v.id);
  if (id && !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id)) c.fail([...path, 'id'], `'${id}' is not kebab-case`);
  if (id && seen.has(id)) c.fail([...path, 'id'], `duplicate id '${id}'`);
  if (id) seen.add(id);
  const category = oneOf(c, [...path, 'category'], v.category, CATEGORIES);
  const runtimes = texts(c, [...path, 'runtimes'], v.runtimes, true)
    .map((r, i) => oneOf(c, [...path, 'runtimes', i], r, [...RUNTIMES, 'any'] as const))
    .filter((r): r is Runtime | 'any' => r !== undefined);
  const title = text(c, [...path, 'title'], v.title);
  const description = text(c, [...path, 'description'], v.description);
  const cond = condition(c, [...path, 'condition'], v.condition);
  const sev = severity(c, [...path, 'severity'], v.severity);
  let confidence = 0.7;
  if (v.confidence !== undefined) {
    if (typeof v.confidence !== 'number' || v.confidence <= 0 || v.confidence > 1)
      c.fail([...path, 'confidence'], 'must be a number in (0, 1]');
    else confidence = v.confidence;
  }
  const suggestions = texts(c, [...path, 'suggestions'], v.suggestions, true);
  if (Array.isArray(v.suggestions) && v.suggestions.length === 0)
    c.fail([...path, 'suggestions'], 'needs at least one suggestion');
  const verify = text(c, [...path, 'verify'], v.verify);
  const references = texts(c, [...path, 'references'], v.references, false);
  if (c.problems.length > before || !id || !category || !title || !description || !cond || !verify)
    return undefined;
  return {
    id,
    category,
    runtimes,
    title,
    description,
    condition: cond,
    severity: sev,
    confidence,
    suggestions,
    verify,
    references,
    origin: { file: c.file, line: c.lineOf(path) },
  };
}

/**
 * parsePatternFile validates one YAML pattern file and compiles its patterns. Problems carry the
 * file and line; a pattern with any problem is left out, the others are returned.
 */
export function parsePatternFile(
  file: string,
  textContent: string,
  seen = new Set<string>(),
): { patterns: Pattern[]; problems: SchemaProblem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(textContent, { lineCounter: lines, prettyErrors: false });
  const c = new Checker(file, doc, lines);
  for (const e of doc.errors) {
    const line = e.linePos?.[0]?.line ?? 1;
    c.problems.push({ file, line, path: '', message: `YAML: ${e.message.split('\n')[0]}` });
  }
  if (doc.errors.length > 0) return { patterns: [], problems: c.problems };
  const root = doc.toJS() as Json;
  const list = isObject(root) ? root.patterns : undefined;
  if (!isObject(root) || !isSeq(doc.get('patterns', true)) || !Array.isArray(list)) {
    c.fail([], "must be a mapping with a 'patterns:' list");
    return { patterns: [], problems: c.problems };
  }
  for (const k of Object.keys(root)) if (k !== 'patterns') c.fail([k], `unknown top-level key '${k}'`);
  const patterns: Pattern[] = [];
  list.forEach((p, i) => {
    const compiled = pattern(c, ['patterns', i], p, seen);
    if (compiled) patterns.push(compiled);
  });
  return { patterns, problems: c.problems };
}
