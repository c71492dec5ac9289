import type { EvidenceFact, FactSheet } from './facts.js';

/**
 * Grounding: every number, function name, file and evidence id a model writes is checked
 * against the fact sheet, sentence by sentence. A sentence with one claim the sheet does not
 * support is unsupported as a whole: a true number next to an invented function still misleads.
 *
 * Numbers match an evidence value allowing for the rounding the claim was written with
 * ("42%" for 42.137%), unit conversions (1250 ms = 1.25 s, 0.42 ratio = 42%, MB as 10^6 or
 * 2^20), and sign (a "-3 points" delta is written "dropped 3 points"). Small unit-less counts
 * (up to 10) pass, since "two functions" or "3 findings" invents nothing measured.
 */

/** Claim is one checkable statement inside a sentence. */
export interface Claim {
  kind: 'number' | 'function' | 'file' | 'evidence-id' | 'promise';
  text: string;
  supported: boolean;
  /** by: the evidence id or name that supports it. */
  by?: string;
}

/** CheckedSentence is one sentence of an answer with its claims. */
export interface CheckedSentence {
  text: string;
  supported: boolean;
  claims: Claim[];
  /** problems: why it is unsupported, one short phrase per failing claim. */
  problems: string[];
}

const FILE_EXT =
  'py|pyx|js|mjs|cjs|ts|tsx|jsx|go|java|kt|scala|clj|c|cc|cpp|cxx|h|hh|hpp|rs|rb|php|cs|swift|lua|pl|sh|erl|ex|exs';
const FILE_RE = new RegExp(
  `(?<![\\w/.-])((?:[\\w.@~-]+/)*[\\w@~-][\\w.@~-]*\\.(?:${FILE_EXT}))(?::(\\d+))?(?![\\w/])`,
  'g',
);
// Product and language names that look like files or identifiers but name no code of the user.
const COMMON_NAMES = new Set(
  [
    'node.js',
    'next.js',
    'nest.js',
    'vue.js',
    'react.js',
    'express.js',
    'deno.js',
    'three.js',
    'chart.js',
    'd3.js',
    'macOS',
    'iOS',
    'eBPF',
    'gRPC',
    'pprof',
    'py-spy',
    'e.g',
    'i.e',
    'a.k.a',
    'vs',
    'etc',
  ].map((s) => s.toLowerCase()),
);

const UNIT_WORDS =
  '%|percent|pp|percentage points?|points?|pts|ns|nanoseconds?|µs|us|microseconds?|ms|milliseconds?|s|secs?|seconds?|min|minutes?|h|hours?|B|bytes?|kB|KB|KiB|MB|MiB|GB|GiB|MB/s|x|×|times|cores?|calls?|samples?|/s|/10';
const NUMBER_RE = new RegExp(
  `(?<![\\w.\\-/^])([-+−]?(?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d+)?)(?:\\s*(${UNIT_WORDS}))?(?![\\w/])`,
  'gi',
);
const PROMISE_RE =
  /\b(guarantee[sd]?|guaranteed|will (?:definitely|certainly|surely) |certain(?:ly)? (?:be |make |run )?faster|will (?:be|run|make it) \d[\d.]*\s*(?:x|×|times|%)|will (?:cut|halve|double|reduce|speed up)[^.]*\bby \d)/i;
const HEDGE_RE = /(?:~|≈|about|around|roughly|approximately|nearly|almost|some)\s*$/i;

type Dim = 'time' | 'bytes' | 'percent' | 'times' | 'p' | 'raw' | `unit:${string}`;

interface Quantity {
  dim: Dim;
  values: number[];
}

const TIME: Record<string, number> = {
  ns: 1e-9,
  nanosecond: 1e-9,
  nanoseconds: 1e-9,
  µs: 1e-6,
  us: 1e-6,
  microsecond: 1e-6,
  microseconds: 1e-6,
  ms: 1e-3,
  millisecond: 1e-3,
  milliseconds: 1e-3,
  s: 1,
  sec: 1,
  secs: 1,
  second: 1,
  seconds: 1,
  min: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hour: 3600,
  hours: 3600,
};
const BYTES: Record<string, number[]> = {
  b: [1],
  byte: [1],
  bytes: [1],
  kb: [1e3, 1024],
  kib: [1024],
  mb: [1e6, 2 ** 20],
  mib: [2 ** 20],
  gb: [1e9, 2 ** 30],
  gib: [2 ** 30],
};

/** quantityOf puts a value with a unit into a comparable dimension and scale. */
function quantityOf(value: number, unit: string): Quantity {
  const u = unit.trim();
  const lower = u.toLowerCase();
  if (lower in TIME) return { dim: 'time', values: [value * TIME[lower]] };
  if (lower in BYTES && u !== 'B/s') return { dim: 'bytes', values: BYTES[lower].map((f) => value * f) };
  if (
    ['%', 'percent', 'pp', 'points', 'point', 'pts', 'percentage point', 'percentage points'].includes(lower)
  )
    return { dim: 'percent', values: [value] };
  if (['x', '×', 'times'].includes(lower)) return { dim: 'times', values: [value] };
  if (lower === 'p') return { dim: 'p', values: [value] };
  if (lower === '') return { dim: 'raw', values: [value] };
  return { dim: `unit:${lower.replace(/s$/, '')}`, values: [value] };
}

// Evidence is comparable in more than one way: a ratio is also a percentage, a share is what a
// "x times" claim may not be, and every value may be repeated bare.
function evidenceQuantities(e: EvidenceFact): Quantity[] {
  const unit = e.unit === 'count' ? '' : e.unit;
  const out = [quantityOf(e.value, unit)];
  if (e.unit === 'ratio')
    out.push({ dim: 'percent', values: [e.value * 100] }, { dim: 'times', values: [e.value] });
  if (e.unit === 'cores') out.push({ dim: 'percent', values: [e.value * 100] });
  out.push({ dim: 'raw', values: [e.value] });
  return out;
}

function decimalsOf(text: string): number {
  const dot = text.indexOf('.');
  return dot === -1 ? 0 : text.length - dot - 1;
}

interface NumberClaim {
  text: string;
  value: number;
  unit: string;
  decimals: number;
  hedged: boolean;
}

function close(claim: number, tol: number, fact: number): boolean {
  return Math.abs(Math.abs(claim) - Math.abs(fact)) <= tol + 1e-9 * Math.max(1, Math.abs(fact));
}

/** checkNumber finds the evidence a written number rounds from, or says there is none. */
export function checkNumber(
  claim: { value: number; unit: string; decimals: number; hedged?: boolean },
  sheet: FactSheet,
): EvidenceFact | 'known' | null {
  const written = quantityOf(claim.value, claim.unit);
  // Half a unit in the last written place, expressed in the claim's own unit.
  let tolerance = 0.5 * 10 ** -claim.decimals;
  if (claim.hedged) tolerance = Math.max(tolerance, Math.abs(claim.value) * 0.02);
  const toleranceQ = quantityOf(tolerance, claim.unit);
  for (const e of sheet.evidence) {
    for (const q of evidenceQuantities(e)) {
      if (q.dim !== written.dim && written.dim !== 'raw') continue;
      // A bare number matches the evidence as printed in its own unit, nothing converted.
      if (written.dim === 'raw' && q.dim !== 'raw') continue;
      for (let i = 0; i < written.values.length; i++) {
        const tol = toleranceQ.values[i] ?? toleranceQ.values[0];
        if (q.values.some((v) => close(written.values[i], tol, v))) return e;
      }
    }
  }
  if (written.dim === 'raw') {
    if (Number.isInteger(claim.value) && Math.abs(claim.value) <= 10) return 'known';
    for (const n of sheet.numbers) if (close(claim.value, 0.5 * 10 ** -claim.decimals, n)) return 'known';
  }
  return null;
}

function normalizeFunction(name: string): string {
  return name
    .trim()
    .replace(/\(.*\)$/, '')
    .replace(/[.,:;]+$/, '');
}

/** knownFunction: the name, or a qualified form of it, appears in the findings, stacks or profile. */
export function knownFunction(name: string, sheet: FactSheet): string | null {
  const n = normalizeFunction(name);
  if (!n) return null;
  if (sheet.functions.has(n) || sheet.vocabulary.has(n)) return n;
  const seps = ['.', '::', '#', '/', ':', '$'];
  for (const k of sheet.functions) {
    // "compile" names the profile's "re.compile"; "Parser.parse" names "app.Parser.parse".
    if (seps.some((s) => k.endsWith(`${s}${n}`))) return k;
  }
  // "re.compile" for a frame "compile" in re/__init__.py: the qualifier must be a known
  // module or class, never a free invention.
  const parts = n.split(/\.|::|#/);
  if (parts.length > 1) {
    const last = parts[parts.length - 1];
    const qualifiers = parts.slice(0, -1);
    if (sheet.functions.has(last)) {
      const modules = new Set<string>();
      for (const f of sheet.files) for (const seg of f.split(/[\\/]/)) modules.add(seg.replace(/\.\w+$/, ''));
      for (const fn of sheet.functions) for (const seg of fn.split(/\.|::|#/)) modules.add(seg);
      if (qualifiers.every((q) => modules.has(q))) return last;
    }
  }
  return null;
}

/** knownFile: the path, or its base name, appears in a location, stack or the profile. */
export function knownFile(path: string, sheet: FactSheet): boolean {
  const clean = path.replace(/^file:\/\//, '').replace(/^\.\//, '');
  if (sheet.files.has(clean)) return true;
  const base = clean.replace(/^.*[\\/]/, '');
  for (const f of sheet.files) if (f === base || f.endsWith(`/${clean}`)) return true;
  return false;
}

function looksLikeCode(token: string): boolean {
  return (
    /^[A-Za-z_$][\w$]*(?:(?:\.|::|#)[A-Za-z_$][\w$]*)+$/.test(token) || // dotted or qualified
    /^[A-Za-z_$]*[a-z0-9]_[\w$]*[A-Za-z0-9]$/.test(token) || // snake_case
    /^_{1,2}[A-Za-z]\w*$/.test(token) || // _private, __dunder__
    /^[a-z][a-z0-9]*[A-Z][\w$]*$/.test(token) // camelCase
  );
}

/** extractClaims finds the checkable statements in one sentence and checks each. */
export function checkSentence(sentence: string, sheet: FactSheet): CheckedSentence {
  const claims: Claim[] = [];
  const evidenceIds = new Set(sheet.evidence.map((e) => e.id));
  let rest = sentence;
  // Drop URLs: they are neither numbers nor code of the profiled program.
  rest = rest.replace(/\bhttps?:\/\/\S+/g, ' ');

  // Evidence citations: [E3], (E3, E4), E12.
  rest = rest.replace(/\b(?:E\d+|F\d+|C\d+)\b/g, (id) => {
    if (id.startsWith('E'))
      claims.push({ kind: 'evidence-id', text: id, supported: evidenceIds.has(id), by: id });
    return ' ';
  });

  const checkCodeToken = (raw: string) => {
    const token = raw.trim();
    if (!token || COMMON_NAMES.has(token.toLowerCase())) return;
    FILE_RE.lastIndex = 0;
    const file = FILE_RE.exec(token);
    if (file && file[0] === token) {
      checkFile(file[1], file[2]);
      return;
    }
    const fnName = normalizeFunction(token);
    if (sheet.vocabulary.has(fnName)) return;
    const by = knownFunction(fnName, sheet);
    claims.push({ kind: 'function', text: fnName, supported: by !== null, ...(by ? { by } : {}) });
  };
  const checkFile = (path: string, line: string | undefined) => {
    if (COMMON_NAMES.has(path.toLowerCase())) return;
    let ok = knownFile(path, sheet);
    if (ok && line) ok = sheet.numbers.has(Number(line));
    claims.push({ kind: 'file', text: line ? `${path}:${line}` : path, supported: ok });
  };

  // Known files first, verbatim: 'libc.so.6' or 'app.min.js' must not be read as identifiers.
  for (const f of [...sheet.files].sort((a, b) => b.length - a.length)) {
    if (f.length < 3 || !rest.includes(f)) continue;
    rest = rest.replace(new RegExp(`(?<![\\w/.-])${escapeRegExp(f)}(?::\\d+)?(?![\\w/-])`, 'g'), (m) => {
      const line = m.slice(f.length + 1);
      if (line) checkFile(f, line);
      return ' ';
    });
  }

  // Code spans: a single identifier or path is a claim; a command or expression is not checked
  // as a name, but its numbers are (below), since `--runs 5` is not a measurement.
  rest = rest.replace(/`([^`]+)`/g, (_m, code: string) => {
    const c = code.trim();
    if (/^autoprof\s/.test(c)) return ' ';
    // Code with spaces (a frame with its position, an expression) is read like prose.
    if (/\s/.test(c) && !/^[\w.$:#]+\(.*\)$/.test(c)) return ` ${c} `;
    checkCodeToken(c);
    return ' ';
  });
  rest = rest.replace(FILE_RE, (_m, path: string, line: string | undefined) => {
    checkFile(path, line);
    return ' ';
  });
  // Bare calls "parse_config()" and identifiers that only code has (snake, camel, dotted).
  rest = rest.replace(
    /(?<![\w$.])([A-Za-z_$][\w$]*(?:(?:\.|::|#)[A-Za-z_$][\w$]*)*)\(\)/g,
    (_m, name: string) => {
      checkCodeToken(name);
      return ' ';
    },
  );
  rest = rest.replace(/(?<![\w$.-])[A-Za-z_$][\w$]*(?:(?:\.|::|#)[A-Za-z_$][\w$]*)*(?![\w$(])/g, (token) => {
    const t = token.replace(/\.+$/, '');
    if (COMMON_NAMES.has(t.toLowerCase()) || !looksLikeCode(t)) return token;
    checkCodeToken(t);
    return ' ';
  });

  for (const m of rest.matchAll(NUMBER_RE)) {
    const text = m[1].replace(/,/g, '').replace('−', '-');
    const value = Number(text);
    if (!Number.isFinite(value)) continue;
    const unit = m[2] ?? '';
    const before = rest.slice(0, m.index);
    // "1." at the start of a list item is numbering, not a claim.
    if (!unit && /^\s*$/.test(before) && /^\d+\.?$/.test(m[0].trim())) continue;
    const claim: NumberClaim = {
      text: m[0].trim(),
      value,
      unit,
      decimals: decimalsOf(text),
      hedged: HEDGE_RE.test(before),
    };
    const by = checkNumber(claim, sheet);
    claims.push({
      kind: 'number',
      text: claim.text,
      supported: by !== null,
      ...(by && by !== 'known' ? { by: by.id } : {}),
    });
  }
  const promise = PROMISE_RE.exec(sentence);
  if (promise) claims.push({ kind: 'promise', text: promise[0].trim(), supported: false });

  const problems = claims
    .filter((c) => !c.supported)
    .map((c) =>
      c.kind === 'number'
        ? `${c.text} matches no evidence`
        : c.kind === 'function'
          ? `function ${c.text} is not in the findings or profile`
          : c.kind === 'file'
            ? `file ${c.text} is not in the findings or profile`
            : c.kind === 'evidence-id'
              ? `${c.text} is no evidence id`
              : `promises a speed-up ("${c.text}")`,
    );
  return { text: sentence, supported: problems.length === 0, claims, problems };
}

/** splitSentences cuts prose into sentences, keeping decimals, "e.g." and file names whole. */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  for (const rawLine of text.split(/\n+/)) {
    const line = rawLine.replace(/^\s*(?:[-*•]|\d+[.)])\s+/, '').trim();
    if (!line) continue;
    const protectedLine = line.replace(/\b(e\.g|i\.e|vs|etc|approx|cf)\./gi, (m) =>
      m.replace(/\./g, '\u0000'),
    );
    for (const s of protectedLine.split(/(?<=[.!?])\s+(?=["'`([*_A-Z0-9])/)) {
      const t = s.replace(/\u0000/g, '.').trim();
      if (t) out.push(t);
    }
  }
  return out;
}

/** GroundedText is a piece of model prose checked sentence by sentence. */
export interface GroundedText {
  sentences: CheckedSentence[];
  supported: number;
  unsupported: number;
}

/** groundText checks every sentence of a text against the sheet. */
export function groundText(text: string, sheet: FactSheet): GroundedText {
  const sentences = splitSentences(text).map((s) => checkSentence(s, sheet));
  const unsupported = sentences.filter((s) => !s.supported).length;
  return { sentences, supported: sentences.length - unsupported, unsupported };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
