/**
 * Projections and filters over benchmark results, as benchstat's -table, -row, -col,
 * -ignore and -filter flags use them (golang.org/x/perf/benchproc semantics).
 *
 * A projection such as ".name,/size" extracts fields of a result into a Key. Keys sort
 * lexicographically by field; each field sorts by first observation unless given an order
 * ("@alpha", "@num", or a fixed list "@(a b)" that also filters). Keys:
 *   .name      base benchmark name          .fullname  full name with sub-name config
 *   /key       sub-name key ("/format")     .file      input file or its label
 *   key        file configuration key       .config    every file key not named elsewhere
 *   .unit      (filters only) the unit of each measurement
 * Projections parsed by one ProjectionParser exclude each other's specific keys from the
 * group keys .config and .fullname; the Residue projection covers everything left over, so a
 * table cell whose results differ in the residue can warn "benchmarks vary in ...".
 */
import type { BenchResult } from './benchfmt.js';

/** BenchQueryError: a projection or filter expression did not parse. */
export class BenchQueryError extends Error {
  constructor(
    readonly query: string,
    readonly offset: number,
    readonly detail: string,
  ) {
    super(`syntax error: ${detail} (in '${query}' at column ${[...query.slice(0, offset)].length + 1})`);
  }
}

// ---------------------------------------------------------------------------------------
// Tokens (shared by projection and filter syntax)

type TokKind = 'w' | 'q' | 'r' | '(' | ')' | ':' | '@' | ',' | '-' | '*' | 'A' | 'O' | 'eof';

interface Tok {
  kind: TokKind;
  off: number;
  text: string;
  regexp?: RegExp;
}

const isOp = (ch: string) => ch === '(' || ch === ')' || ch === ':' || ch === '@' || ch === ',';
// "-" and "*" are operators only where a word would start, so "foo-bar" stays one word.
const isStartOp = (ch: string) => isOp(ch) || ch === '-' || ch === '*';
const isSpace = (ch: string) => /^\s$/u.test(ch);

/** Tokenizer walks a query; it records the first error and then yields only end-of-input. */
class Tokenizer {
  private pos = 0;
  error?: BenchQueryError;

  constructor(readonly query: string) {}

  /** next returns the next token; values (allowRegexp) may also be /regexp/. */
  next(allowRegexp: boolean): Tok {
    if (this.error) return { kind: 'eof', off: this.query.length, text: '' };
    const q = this.query;
    while (this.pos < q.length && isSpace(q[this.pos])) this.pos++;
    const off = this.pos;
    if (off >= q.length) return { kind: 'eof', off, text: '' };
    const ch = q[off];
    if (isStartOp(ch)) {
      this.pos++;
      return { kind: ch as TokKind, off, text: ch };
    }
    if (allowRegexp && ch === '/') return this.regexp();
    if (ch === '"') return this.quoted();
    let end = off;
    while (end < q.length && !isSpace(q[end]) && !isOp(q[end])) end++;
    const text = q.slice(off, end);
    this.pos = end;
    if (text === 'AND') return { kind: 'A', off, text };
    if (text === 'OR') return { kind: 'O', off, text };
    return { kind: 'w', off, text };
  }

  /** peek returns the next token without consuming it. */
  peek(allowRegexp: boolean): Tok {
    const save = this.pos;
    const hadError = this.error;
    const t = this.next(allowRegexp);
    this.pos = save;
    this.error = hadError;
    return t;
  }

  fail(message: string, at = this.pos): Tok {
    this.error ??= new BenchQueryError(this.query, at, message);
    this.pos = this.query.length;
    return { kind: 'eof', off: this.query.length, text: '' };
  }

  private quoted(): Tok {
    const q = this.query;
    const off = this.pos;
    let end = off + 1;
    while (end < q.length && (q[end] !== '"' || q[end - 1] === '\\')) end++;
    if (end >= q.length) return this.fail('missing end quote');
    let text: string;
    try {
      text = JSON.parse(q.slice(off, end + 1)) as string;
    } catch {
      return this.fail('bad escape sequence');
    }
    this.pos = end + 1;
    return { kind: 'q', off, text };
  }

  private regexp(): Tok {
    const q = this.query;
    const off = this.pos;
    // Find the closing "/" at the top level of the expression (not inside [...] or (...)).
    let classDepth = 0;
    let parenDepth = 0;
    let i = off + 1;
    for (; i < q.length; i++) {
      const c = q[i];
      if (classDepth === 0 && parenDepth === 0 && c === '/') break;
      if (c === '[') classDepth++;
      else if (c === ']') classDepth = Math.max(0, classDepth - 1);
      else if (c === '(' && classDepth === 0) parenDepth++;
      else if (c === ')' && classDepth === 0) parenDepth--;
      else if (c === '\\') i++;
    }
    if (i >= q.length) return this.fail('missing close "/"');
    const expr = q.slice(off + 1, i);
    let re: RegExp;
    try {
      re = new RegExp(expr);
    } catch (err) {
      return this.fail((err as Error).message);
    }
    const after = q[i + 1];
    if (after !== undefined && !isSpace(after) && !isStartOp(after)) {
      this.pos = i + 1;
      return this.fail('regexp must be followed by space or an operator (unescaped "/"?)');
    }
    this.pos = i + 1;
    return { kind: 'r', off, text: expr, regexp: re };
  }
}

// ---------------------------------------------------------------------------------------
// Extractors

/** nameParts splits "Encode/format=json-48" into "Encode" and ["/format=json", "-48"]. */
export function nameParts(name: string): { base: string; parts: string[] } {
  const { prefix, gomaxprocs } = splitGomaxprocs(name);
  const pieces: string[] = [];
  let prev = 0;
  for (let i = 0; i < prefix.length; i++) {
    if (prefix[i] === '/') {
      pieces.push(prefix.slice(prev, i));
      prev = i;
    }
  }
  pieces.push(prefix.slice(prev));
  if (gomaxprocs !== undefined) pieces.push(gomaxprocs);
  return { base: pieces[0], parts: pieces.slice(1) };
}

function splitGomaxprocs(name: string): { prefix: string; gomaxprocs?: string } {
  for (let i = name.length - 1; i >= 0; i--) {
    if (name[i] === '-' && i < name.length - 1)
      return { prefix: name.slice(0, i), gomaxprocs: name.slice(i) };
    if (!(name[i] >= '0' && name[i] <= '9')) break;
  }
  return { prefix: name };
}

/** baseName is the benchmark name without sub-name configuration or GOMAXPROCS. */
export function baseName(name: string): string {
  const slash = name.indexOf('/');
  return slash >= 0 ? name.slice(0, slash) : splitGomaxprocs(name).prefix;
}

type Extractor = (r: BenchResult) => string;

function configOf(r: BenchResult, key: string): string {
  for (const c of r.config) if (c.key === key) return c.value;
  return '';
}

/** newExtractor reads one key from a result (see the module comment for the key forms). */
function newExtractor(key: string): Extractor {
  if (key === '') throw new Error('key must not be empty');
  if (key === '.name') return (r) => baseName(r.name);
  if (key === '.fullname') return (r) => r.name;
  if (key.startsWith('/')) {
    const prefix = `${key}=`;
    const isGomaxprocs = key === '/gomaxprocs';
    return (r) => {
      const { parts } = nameParts(r.name);
      if (isGomaxprocs && parts.length > 0 && parts[parts.length - 1].startsWith('-')) {
        return parts[parts.length - 1].slice(1);
      }
      for (const part of parts) if (part.startsWith(prefix)) return part.slice(prefix.length);
      return '';
    };
  }
  return (r) => configOf(r, key);
}

/**
 * fullNameExtractor returns the full name with excluded sub-name keys deleted outright (not
 * blanked, so results with and without the key still merge) and ".name" replaced by "*".
 */
function fullNameExtractor(exclude: readonly string[]): Extractor {
  const excName = exclude.includes('.name');
  const deleted = exclude.filter((k) => k.startsWith('/')).map((k) => `${k}=`);
  const excGomaxprocs = exclude.includes('/gomaxprocs');
  if (deleted.length === 0 && !excName && !excGomaxprocs) return (r) => r.name;
  return (r) => {
    const name = r.name;
    const touched = excName || deleted.some((k) => name.includes(k)) || (excGomaxprocs && name.includes('-'));
    if (!touched) return name;
    const { base, parts } = nameParts(name);
    let out = excName ? '*' : base;
    for (const part of parts) {
      if (deleted.some((k) => part.startsWith(k))) continue;
      if (excGomaxprocs && part.startsWith('-')) continue;
      out += part;
    }
    return out;
  };
}

// ---------------------------------------------------------------------------------------
// Filters

/** FilterMatch: per-measurement mask (for .unit terms) or one verdict for the whole result. */
interface FilterMatch {
  mask: boolean[] | null;
  all: boolean;
}

type FilterFn = (r: BenchResult) => FilterMatch;

type FilterNode =
  | { op: 'and' | 'or'; exprs: FilterNode[] }
  | { op: 'not'; exprs: [FilterNode] }
  | { op: 'match'; key: string; off: number; lit?: string; regexp?: RegExp };

/** BenchFilter keeps the results (and, for .unit terms, the measurements) a query matches. */
export class BenchFilter {
  constructor(private match: FilterFn) {}

  /** and adds another condition that must also hold (fixed projection orders use this). */
  and(fn: FilterFn): void {
    this.match = combine('and', [fn, this.match]);
  }

  /** apply returns the result restricted to matching measurements, or undefined if none match. */
  apply(r: BenchResult): BenchResult | undefined {
    const m = this.match(r);
    if (m.mask === null) return m.all ? r : undefined;
    const values = r.values.filter((_, i) => m.mask?.[i]);
    if (values.length === 0) return undefined;
    return values.length === r.values.length ? r : { ...r, values };
  }
}

/** parseBenchFilter compiles a filter query such as "/format:json .unit:(ns/op OR B/op)". */
export function parseBenchFilter(query: string): BenchFilter {
  const toks = new Tokenizer(query);
  const tree = parseOr(toks);
  const end = toks.next(false);
  if (end.kind !== 'eof') toks.fail(`unexpected ${JSON.stringify(end.text)}`, end.off);
  if (toks.error) throw toks.error;
  return new BenchFilter(compileFilter(tree, query));
}

function parseOr(toks: Tokenizer): FilterNode {
  const terms: FilterNode[] = [parseAnd(toks)];
  while (toks.peek(false).kind === 'O') {
    toks.next(false);
    terms.push(parseAnd(toks));
  }
  return terms.length === 1 ? terms[0] : { op: 'or', exprs: terms };
}

function parseAnd(toks: Tokenizer): FilterNode {
  const terms: FilterNode[] = [parseMatch(toks)];
  for (;;) {
    const t = toks.peek(false);
    if (t.kind === 'A') {
      toks.next(false);
      continue;
    }
    if (t.kind === '(' || t.kind === '-' || t.kind === '*' || t.kind === 'w' || t.kind === 'q') {
      terms.push(parseMatch(toks));
      continue;
    }
    if (t.kind === ')' || t.kind === 'O' || t.kind === 'eof') break;
    toks.fail(`unexpected ${JSON.stringify(t.text)}`, t.off);
    break;
  }
  return terms.length === 1 ? terms[0] : { op: 'and', exprs: terms };
}

function parseMatch(toks: Tokenizer): FilterNode {
  const start = toks.next(false);
  const nothing: FilterNode = { op: 'and', exprs: [] };
  switch (start.kind) {
    case '(': {
      const inner = parseOr(toks);
      if (toks.next(false).kind !== ')') toks.fail('missing ")"');
      return inner;
    }
    case '-':
      return { op: 'not', exprs: [parseMatch(toks)] };
    case '*':
      return nothing;
    case 'w':
    case 'q': {
      if (toks.next(false).kind !== ':') {
        toks.fail('expected key:value', start.off);
        return nothing;
      }
      const val = toks.next(true);
      const mk = (v: Tok): FilterNode =>
        v.kind === 'r'
          ? { op: 'match', key: start.text, off: start.off, regexp: v.regexp }
          : { op: 'match', key: start.text, off: start.off, lit: v.text };
      if (val.kind === 'w' || val.kind === 'q' || val.kind === 'r') return mk(val);
      if (val.kind !== '(') {
        toks.fail('expected key:value', start.off);
        return nothing;
      }
      const terms: FilterNode[] = [];
      for (;;) {
        const v = toks.next(true);
        if (v.kind !== 'w' && v.kind !== 'q' && v.kind !== 'r') {
          toks.fail('expected value', v.off);
          return nothing;
        }
        terms.push(mk(v));
        const sep = toks.next(true);
        if (sep.kind === ')') return { op: 'or', exprs: terms };
        if (sep.kind !== 'O') {
          toks.fail('value list must be separated by OR', sep.off);
          return nothing;
        }
      }
    }
    default:
      toks.fail('expected key:value or subexpression', start.off);
      return nothing;
  }
}

function combine(op: 'and' | 'or', subs: FilterFn[]): FilterFn {
  return (r) => {
    let mask: boolean[] | null = null;
    for (const sub of subs) {
      const m = sub(r);
      if (m.mask === null) {
        // A whole-result verdict decides alone: false ends an AND, true ends an OR.
        if (op === 'and' && !m.all) return { mask: null, all: false };
        if (op === 'or' && m.all) return { mask: null, all: true };
      } else if (mask === null) {
        mask = [...m.mask];
      } else {
        const other = m.mask;
        mask = mask.map((b, i) => (op === 'and' ? b && other[i] : b || other[i]));
      }
    }
    return { mask, all: op === 'and' };
  };
}

function compileFilter(node: FilterNode, query: string): FilterFn {
  switch (node.op) {
    case 'and':
    case 'or':
      return combine(
        node.op,
        node.exprs.map((e) => compileFilter(e, query)),
      );
    case 'not': {
      const sub = compileFilter(node.exprs[0], query);
      return (r) => {
        const m = sub(r);
        return m.mask === null ? { mask: null, all: !m.all } : { mask: m.mask.map((b) => !b), all: false };
      };
    }
    case 'match': {
      const test = (s: string) => (node.regexp ? node.regexp.test(s) : node.lit === s);
      if (node.key === '.unit') {
        return (r) => ({
          mask: r.values.map((v) => test(v.unit) || (v.origUnit !== undefined && test(v.origUnit))),
          all: false,
        });
      }
      if (node.key === '.config')
        throw new BenchQueryError(query, node.off, '.config is only allowed in projections');
      let ext: Extractor;
      try {
        ext = newExtractor(node.key);
      } catch (err) {
        throw new BenchQueryError(query, node.off, (err as Error).message);
      }
      return (r) => ({ mask: null, all: test(ext(r)) });
    }
  }
}

// ---------------------------------------------------------------------------------------
// Projections and keys

/** Field is one field of a Projection; a tuple field (".config") only groups sub-fields. */
export interface Field {
  name: string;
  isTuple: boolean;
  sub: Field[];
  /** idx into Key values; -1 for tuples and the root. */
  idx: number;
  proj: Projection;
  cmp: (a: string, b: string) => number;
  /** order records first observations, for fields sorted that way. */
  order?: Map<string, number>;
}

/** Key is an interned tuple of field values: equal Keys of one Projection are the same object. */
export class Key {
  constructor(
    readonly proj: Projection,
    /** vals indexed by Field.idx, trailing empty values trimmed. */
    readonly vals: readonly string[],
  ) {}

  /** get returns the key's value for a (non-tuple) field, "" when unset. */
  get(f: Field): string {
    return f.idx < this.vals.length ? this.vals[f.idx] : '';
  }

  /** stringValues joins the non-empty values in field order with spaces. */
  stringValues(): string {
    return this.proj
      .flattenedFields()
      .map((f) => this.get(f))
      .filter((v) => v !== '')
      .join(' ');
  }
}

/** Projection extracts some fields of a result into a Key and orders the Keys. */
export class Projection {
  readonly root: Field;
  nFields = 0;
  unitField?: Field;
  readonly projectFns: ((r: BenchResult) => void)[] = [];
  private row: string[] = [];
  private readonly keys = new Map<string, Key>();
  private flatCache?: Field[];

  constructor() {
    this.root = { name: '', isTuple: false, sub: [], idx: -1, proj: this, cmp: () => 0 };
  }

  addField(group: Field, name: string): Field {
    const field: Field = { name, isTuple: false, sub: [], idx: this.nFields++, proj: this, cmp: () => 0 };
    group.sub.push(field);
    this.flatCache = undefined;
    this.row.push('');
    return field;
  }

  addGroup(group: Field, name: string): Field {
    const field: Field = { name, isTuple: true, sub: [], idx: -1, proj: this, cmp: () => 0 };
    group.sub.push(field);
    return field;
  }

  /** setValue is used by projection functions to fill the row being built. */
  setValue(field: Field, value: string): void {
    this.row[field.idx] = value;
  }

  /** fields are the top-level fields, as written in the projection expression. */
  fields(): Field[] {
    return this.root.sub;
  }

  /** flattenedFields expands tuples; this is also the sort order of Keys. */
  flattenedFields(): Field[] {
    if (!this.flatCache) {
      const out: Field[] = [];
      const walk = (f: Field) => {
        if (f.idx !== -1) out.push(f);
        else f.sub.forEach(walk);
      };
      walk(this.root);
      this.flatCache = out;
    }
    return this.flatCache;
  }

  /** project maps a result to its Key. */
  project(r: BenchResult): Key {
    this.populateRow(r);
    return this.internRow();
  }

  /** projectValues maps each measurement of a result to a Key (they differ only in .unit). */
  projectValues(r: BenchResult): Key[] {
    this.populateRow(r);
    const unitField = this.unitField;
    if (!unitField) {
      const key = this.internRow();
      return r.values.map(() => key);
    }
    return r.values.map((v) => {
      this.row[unitField.idx] = v.unit;
      return this.internRow();
    });
  }

  private populateRow(r: BenchResult): void {
    this.row.fill('');
    for (const fn of this.projectFns) fn(r);
  }

  private internRow(): Key {
    let n = this.row.length;
    while (n > 0 && this.row[n - 1] === '') n--;
    const vals = this.row.slice(0, n);
    const id = JSON.stringify(vals);
    const have = this.keys.get(id);
    if (have) return have;
    for (const field of this.fields()) {
      if (!field.order) continue;
      const val = field.idx < vals.length ? vals[field.idx] : '';
      if (!field.order.has(val)) field.order.set(val, field.order.size);
    }
    const key = new Key(this, vals);
    this.keys.set(id, key);
    return key;
  }
}

/** compareKeys orders two Keys of one projection field by field. */
export function compareKeys(a: Key, b: Key): number {
  for (const f of a.proj.flattenedFields()) {
    const av = a.get(f);
    const bv = b.get(f);
    if (av === bv) continue;
    const c = f.cmp(av, bv);
    if (c !== 0) return c;
    // Unordered but different values still need a total order.
    return av < bv ? -1 : 1;
  }
  return 0;
}

/** sortKeys sorts Keys of one projection in place and returns them. */
export function sortKeys(keys: Key[]): Key[] {
  return keys.sort(compareKeys);
}

const NUM_PREFIXES = 'KMGTPEZY';

/** parseFuzzyNumber understands "4k", "1Mi", "2.5GB" for the "num" order. */
function parseFuzzyNumber(x: string): number | undefined {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(x) || /^[+-]?(inf|infinity|nan)$/i.test(x)) {
    return Number(x.replace(/^\+?inf(inity)?$/i, 'Infinity').replace(/^-inf(inity)?$/i, '-Infinity'));
  }
  const m = /([0-9.]+)([kKMGTPEZY]i?)?[bB]?/.exec(x);
  if (!m || !/^(\d+\.?\d*|\.\d+)$/.test(m[1])) return undefined;
  const v = Number(m[1]);
  let exp = 0;
  if (m[2]) exp = 1 + NUM_PREFIXES.indexOf(m[2][0] === 'k' ? 'K' : m[2][0]);
  return v * (m[2]?.endsWith('i') ? 1024 : 1000) ** exp;
}

const BUILTIN_ORDERS: Record<string, (a: string, b: string) => number> = {
  alpha: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
  num: (a, b) => {
    const x = parseFuzzyNumber(a);
    const y = parseFuzzyNumber(b);
    if (x !== undefined && y !== undefined) {
      if (x < y || (!Number.isNaN(x) && Number.isNaN(y))) return -1;
      if (x > y || (Number.isNaN(x) && !Number.isNaN(y))) return 1;
      return 0;
    }
    if (x === undefined && y === undefined) return 0;
    return x !== undefined ? -1 : 1;
  },
};

interface ProjectionPart {
  key: string;
  order: string;
  fixed: string[];
  keyOff: number;
  orderOff: number;
}

/** parseProjectionParts splits ".name,/size@num /x@(a b)" into fields with their orders. */
function parseProjectionParts(q: string): ProjectionPart[] {
  const toks = new Tokenizer(q);
  const parts: ProjectionPart[] = [];
  for (;;) {
    let t = toks.peek(false);
    if (t.kind === 'eof') break;
    if (t.kind === ',' && parts.length > 0) {
      toks.next(false);
      t = toks.peek(false);
    }
    const key = toks.next(false);
    if (key.kind !== 'w' && key.kind !== 'q') {
      toks.fail('expected key', key.off);
      break;
    }
    const part: ProjectionPart = {
      key: key.text,
      order: 'first',
      fixed: [],
      keyOff: key.off,
      orderOff: key.off + key.text.length,
    };
    parts.push(part);
    if (toks.peek(false).kind !== '@') continue;
    toks.next(false);
    const order = toks.next(false);
    part.orderOff = order.off;
    if (order.kind === 'w' || order.kind === 'q') {
      part.order = order.text;
      continue;
    }
    if (order.kind !== '(') {
      toks.fail('expected named sort order or parenthesized list', order.off);
      break;
    }
    part.order = 'fixed';
    for (;;) {
      const v = toks.next(false);
      if (v.kind === 'w' || v.kind === 'q') part.fixed.push(v.text);
      else if (v.kind === ')') {
        if (part.fixed.length === 0) toks.fail('nothing to match', v.off);
        break;
      } else {
        toks.fail('missing )', v.off);
        break;
      }
    }
  }
  if (toks.error) throw toks.error;
  return parts;
}

/**
 * ProjectionParser parses a related group of projections (-table, -row, -col, -ignore) so
 * that keys named specifically in one are left out of .config and .fullname in the others.
 */
export class ProjectionParser {
  private readonly configKeys = new Set<string>();
  private readonly fullnameKeys: string[] = [];
  private haveConfig = false;
  private haveFullname = false;
  private fullExtractor?: Extractor;

  /** parse parses one projection; fixed orders add their implied filter to `filter`. */
  parse(expr: string, filter: BenchFilter): Projection {
    const proj = new Projection();
    const filters: FilterFn[] = [];
    for (const part of parseProjectionParts(expr)) {
      const f = this.addPart(proj, expr, part);
      if (f) filters.push(f);
    }
    for (const f of filters) filter.and(f);
    return proj;
  }

  /** parseWithUnit is parse plus a trailing ".unit" field, ordered by first observation. */
  parseWithUnit(expr: string, filter: BenchFilter): Projection {
    const proj = this.parse(expr, filter);
    const field = proj.addField(proj.root, '.unit');
    const order = new Map<string, number>();
    field.order = order;
    field.cmp = (a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0);
    proj.unitField = field;
    return proj;
  }

  /** residue projects every key no parsed projection has claimed. */
  residue(): Projection {
    const proj = new Projection();
    const first = { order: 'first', fixed: [], keyOff: 0, orderOff: 0 };
    if (!this.haveConfig) this.addPart(proj, '', { key: '.config', ...first });
    if (!this.haveFullname) this.addPart(proj, '', { key: '.fullname', ...first });
    return proj;
  }

  private addPart(proj: Projection, q: string, part: ProjectionPart): FilterFn | undefined {
    let initField: (f: Field) => void;
    let makeFilter: (ext: Extractor) => FilterFn | undefined = () => undefined;
    if (part.order === 'fixed') {
      const fixed = new Map(part.fixed.map((v, i) => [v, i] as const));
      initField = (f) => {
        f.cmp = (a, b) => (fixed.get(a) ?? 0) - (fixed.get(b) ?? 0);
      };
      makeFilter = (ext) => (r) => ({ mask: null, all: fixed.has(ext(r)) });
    } else if (part.order === 'first') {
      initField = (f) => {
        const order = new Map<string, number>();
        f.order = order;
        f.cmp = (a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0);
      };
    } else if (BUILTIN_ORDERS[part.order]) {
      const cmp = BUILTIN_ORDERS[part.order];
      initField = (f) => {
        f.cmp = cmp;
      };
    } else {
      throw new BenchQueryError(q, part.orderOff, `unknown order ${JSON.stringify(part.order)}`);
    }

    switch (part.key) {
      case '.config': {
        if (part.order === 'fixed')
          throw new BenchQueryError(q, part.orderOff, 'fixed order not allowed for .config');
        this.haveConfig = true;
        const group = proj.addGroup(proj.root, '.config');
        const seen = new Map<string, Field>();
        proj.projectFns.push((r) => {
          for (const cfg of r.config) {
            if (!cfg.file) continue;
            let field = seen.get(cfg.key);
            if (!field) {
              // Keys named by another projection belong to it, not to .config.
              if (this.configKeys.has(cfg.key)) continue;
              field = proj.addField(group, cfg.key);
              initField(field);
              seen.set(cfg.key, field);
            }
            proj.setValue(field, cfg.value);
          }
        });
        return undefined;
      }
      case '.fullname': {
        this.haveFullname = true;
        const field = proj.addField(proj.root, '.fullname');
        initField(field);
        // Built lazily: later projections may still add keys to exclude.
        proj.projectFns.push((r) => {
          this.fullExtractor ??= fullNameExtractor(this.fullnameKeys);
          proj.setValue(field, this.fullExtractor(r));
        });
        return makeFilter((r) => r.name);
      }
      case '.unit':
        throw new BenchQueryError(q, part.keyOff, '.unit is only allowed in filters');
      default: {
        if (part.key === '.name' || part.key.startsWith('/')) this.fullnameKeys.push(part.key);
        else this.configKeys.add(part.key);
        let ext: Extractor;
        try {
          ext = newExtractor(part.key);
        } catch (err) {
          throw new BenchQueryError(q, part.keyOff, (err as Error).message);
        }
        const field = proj.addField(proj.root, part.key);
        initField(field);
        proj.projectFns.push((r) => proj.setValue(field, ext(r)));
        return makeFilter(ext);
      }
    }
  }
}

/** nonSingularFields lists the fields in which at least two of the keys differ. */
export function nonSingularFields(keys: readonly Key[]): Field[] {
  if (keys.length <= 1) return [];
  return keys[0].proj.flattenedFields().filter((f) => keys.some((k) => k.get(f) !== keys[0].get(f)));
}

/** KeyHeaderNode spans keys[start, start+len) that share a value for field `level`. */
export interface KeyHeaderNode {
  level: number;
  value: string;
  start: number;
  len: number;
  children: KeyHeaderNode[];
}

/** keyHeader groups a sequence of keys into a forest by common leading field values. */
export function keyHeader(keys: readonly Key[]): KeyHeaderNode[] {
  if (keys.length === 0) return [];
  const fields = keys[0].proj.flattenedFields();
  const walk = (parent: KeyHeaderNode) => {
    const level = parent.level + 1;
    if (level === fields.length) return;
    let node: KeyHeaderNode | undefined;
    for (let j = parent.start; j < parent.start + parent.len; j++) {
      const val = keys[j].get(fields[level]);
      if (node && val === node.value) node.len++;
      else {
        node = { level, value: val, start: j, len: 1, children: [] };
        parent.children.push(node);
      }
    }
    parent.children.forEach(walk);
  };
  const root: KeyHeaderNode = { level: -1, value: '', start: 0, len: keys.length, children: [] };
  walk(root);
  return root.children;
}
