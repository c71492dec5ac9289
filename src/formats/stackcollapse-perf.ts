/**
 * A streaming re-implementation of FlameGraph's stackcollapse-perf.pl: `perf script` text in,
 * folded stacks (`comm;root;...;leaf count`, sorted by stack like Perl's `sort keys`) out.
 *
 * Written from the script's documented behaviour and its goldens, not from its code (CDDL).
 * Every rule below mirrors one of the script's regular expressions, spelled out as character
 * scans because a regex per line is the hot loop's main cost and because the Perl patterns
 * backtrack in ways a literal port to JS regexes would not reproduce on odd input.
 *
 * Text is handled as latin1 (one char per byte) so that, like Perl reading bytes, any input
 * (non-UTF-8, binary garbage) round-trips byte for byte and sorts in byte order.
 *
 * Version choice: the Java tidy (strip the leading `L` of `Lcom/foo;.bar`) applies only when
 * the process name is exactly `java`, as before FlameGraph PR #147 (208c495). HEAD also
 * tidies `java-PID/TID` names, but FlameGraph's own goldens were never regenerated for that
 * change; matching the goldens (78/78) is the conformance target, so pre-#147 is the default
 * and `javaPrefixTidy: true` gives HEAD's behaviour.
 */

/** CollapseOptions are stackcollapse-perf.pl's flags (minus --inline/--context/--srcline). */
export interface CollapseOptions {
  /** pid: append `-PID` to the process name (`?` when perf printed only a TID). */
  pid?: boolean;
  /** tid: append `-PID/TID` to the process name. */
  tid?: boolean;
  /** kernel: suffix kernel frames with `_[k]`. */
  kernel?: boolean;
  /** jit: suffix frames from /tmp/perf-PID.map with `_[j]`. */
  jit?: boolean;
  /** all: kernel and jit. */
  all?: boolean;
  /** addrs: write unresolved frames as `[module <addr>]`. */
  addrs?: boolean;
  /** eventFilter: keep only this event; default: the first event seen. */
  eventFilter?: string;
  /** javaPrefixTidy: tidy Java frames for any process name starting with `java` (FlameGraph HEAD). */
  javaPrefixTidy?: boolean;
}

/** CollapseWarnings receives the script's stderr messages (unrecognized lines, event filtering). */
export type CollapseWarn = (message: string) => void;

const CC_TAB = 9;
const CC_CR = 13;
const CC_SPACE = 32;
const CC_HASH = 35;
const CC_LPAREN = 40;
const CC_SLASH = 47;
const CC_0 = 48;
const CC_9 = 57;
const CC_COLON = 58;

/** isSpace is Perl's `\s` on byte strings: [\t\n\v\f\r ]. */
export function isSpace(c: number): boolean {
  return c === CC_SPACE || (c >= CC_TAB && c <= CC_CR);
}

function isDigit(c: number): boolean {
  return c >= CC_0 && c <= CC_9;
}

/** isWordChar is Perl's `\w` on byte strings: [A-Za-z0-9_]. */
function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= CC_0 && c <= CC_9) || c === 95;
}

function isLowerHex(c: number): boolean {
  return (c >= CC_0 && c <= CC_9) || (c >= 97 && c <= 102);
}

/** EventHeader is what `^(\S.+?)\s+(\d+)\/*(\d+)*\s+` captures from a sample's first line. */
export interface EventHeader {
  comm: string;
  /** first number: the PID when a TID follows (`pid/tid`), else the TID. */
  first: string;
  /** tid: the number after the slash, when perf printed `pid/tid`. */
  second: string | undefined;
}

/**
 * matchEventHeader finds the shortest comm (at least two chars, starting with a non-space)
 * followed by whitespace, digits, optional `/` and digits, then whitespace — the first match
 * the lazy Perl pattern would take.
 */
export function matchEventHeader(line: string): EventHeader | undefined {
  const len = line.length;
  if (len < 2 || isSpace(line.charCodeAt(0))) return undefined;
  let k = 2;
  while (k < len) {
    if (!isSpace(line.charCodeAt(k))) {
      k++;
      continue;
    }
    let j = k + 1;
    while (j < len && isSpace(line.charCodeAt(j))) j++;
    // Any k inside this whitespace run reaches the same j, so a failure skips the whole run.
    if (j < len && isDigit(line.charCodeAt(j))) {
      let p = j + 1;
      while (p < len && isDigit(line.charCodeAt(p))) p++;
      const firstEnd = p;
      while (p < len && line.charCodeAt(p) === CC_SLASH) p++;
      const secondStart = p;
      while (p < len && isDigit(line.charCodeAt(p))) p++;
      if (p < len && isSpace(line.charCodeAt(p))) {
        const hasSecond = secondStart > firstEnd && p > secondStart;
        return {
          comm: line.slice(0, k),
          first: line.slice(j, firstEnd),
          second: hasSecond ? line.slice(secondStart, p) : undefined,
        };
      }
    }
    k = j;
  }
  return undefined;
}

/** EventName is what `:\s*(\d+)*\s+(\S+):\s*$` captures: the event and the optional period. */
export interface EventName {
  event: string;
  period: string | undefined;
}

/**
 * matchEventName reads the event name (last token, minus its trailing colon) and the period
 * perf prints before it, when the token is preceded by `:` (timestamp) or `: <digits>`.
 */
export function matchEventName(line: string): EventName | undefined {
  let e = line.length;
  while (e > 0 && isSpace(line.charCodeAt(e - 1))) e--;
  if (e < 2 || line.charCodeAt(e - 1) !== CC_COLON) return undefined;
  let t = e - 1;
  while (t > 0 && !isSpace(line.charCodeAt(t - 1))) t--;
  if (e - t < 2 || t === 0) return undefined;
  let w = t - 1;
  while (w > 0 && isSpace(line.charCodeAt(w - 1))) w--;
  let ds = w;
  while (ds > 0 && isDigit(line.charCodeAt(ds - 1))) ds--;
  const event = line.slice(t, e - 1);
  if (ds < w) {
    let q = ds - 1;
    while (q >= 0 && isSpace(line.charCodeAt(q))) q--;
    if (q >= 0 && line.charCodeAt(q) === CC_COLON) return { event, period: line.slice(ds, w) };
    return undefined;
  }
  if (w > 0 && line.charCodeAt(w - 1) === CC_COLON) return { event, period: undefined };
  return undefined;
}

/** FrameLine is what `^\s*(\w+)\s*(.+) \((.*)\)` captures from a stack line. */
export interface FrameLine {
  pc: string;
  rawFunc: string;
  module: string;
}

/**
 * matchFrameLine emulates the greedy Perl pattern: the module sits between the last ` (` that
 * has a `)` after it and the last `)`; the address is the leading word run, shortened only
 * when the symbol would otherwise be empty.
 */
export function matchFrameLine(line: string): FrameLine | undefined {
  const r = line.lastIndexOf(')');
  if (r < 3) return undefined;
  const i = line.lastIndexOf(' (', r - 2);
  if (i < 0) return undefined;
  const len = line.length;
  let s0 = 0;
  while (s0 < len && isSpace(line.charCodeAt(s0))) s0++;
  if (s0 >= len || !isWordChar(line.charCodeAt(s0))) return undefined;
  let wEnd = s0 + 1;
  while (wEnd < len && isWordChar(line.charCodeAt(wEnd))) wEnd++;
  let pcEnd: number;
  let funcStart: number;
  if (i - 1 >= wEnd) {
    let wsEnd = wEnd;
    while (wsEnd < len && isSpace(line.charCodeAt(wsEnd))) wsEnd++;
    pcEnd = wEnd;
    funcStart = wsEnd < i - 1 ? wsEnd : i - 1;
  } else if (i - 1 >= s0 + 1) {
    pcEnd = i - 1;
    funcStart = i - 1;
  } else {
    return undefined;
  }
  return { pc: line.slice(s0, pcEnd), rawFunc: line.slice(funcStart, i), module: line.slice(i + 2, r) };
}

/** stripSymbolOffset removes a trailing `+0x<lowercase hex>` (Linux >= 4.8 prints offsets). */
export function stripSymbolOffset(func: string): string {
  let h = func.length;
  while (h > 0 && isLowerHex(func.charCodeAt(h - 1))) h--;
  if (h === func.length || h < 3) return func;
  if (func.charCodeAt(h - 1) === 120 && func.charCodeAt(h - 2) === CC_0 && func.charCodeAt(h - 3) === 43) {
    return func.slice(0, h - 3);
  }
  return func;
}

/**
 * splitInlined is Perl's `split /->/`: trailing empty fields are dropped, leading ones kept.
 */
function splitInlined(func: string): string[] {
  const parts = func.split('->');
  let n = parts.length;
  while (n > 0 && parts[n - 1] === '') n--;
  parts.length = n;
  return parts;
}

const ANON_NS = 'anonymous namespace)';

/**
 * tidyGeneric: `;` becomes `:` (it separates frames), argument lists are dropped unless the
 * name looks like a Go method (`pkg.(*T).M`) or the paren opens `(anonymous namespace)`, and
 * quotes are deleted.
 */
export function tidyGeneric(func: string): string {
  let f = func;
  if (f.indexOf(';') >= 0) f = f.replaceAll(';', ':');
  if (f.indexOf('(') >= 0) {
    const a = f.indexOf('.(');
    const isGoMethod = a >= 0 && f.lastIndexOf(').') >= a + 2;
    if (!isGoMethod) {
      let p = f.indexOf('(');
      while (p >= 0 && f.startsWith(ANON_NS, p + 1)) p = f.indexOf('(', p + 1);
      if (p >= 0) f = f.slice(0, p);
    }
  }
  if (f.indexOf('"') >= 0 || f.indexOf("'") >= 0) f = f.replace(/["']/g, '');
  return f;
}

/** tidyJava drops the `L` of a JVM type descriptor (`Lorg/foo/Bar:.baz`). */
export function tidyJava(func: string): string {
  return func.charCodeAt(0) === 76 && func.indexOf('/') >= 0 ? func.slice(1) : func;
}

/** unknownFrameName names an unresolved frame after its module (basename), like the script. */
export function unknownFrameName(module: string, pc: string, addrs: boolean): string {
  const name = module !== '[unknown]' ? module.slice(module.lastIndexOf('/') + 1) : 'unknown';
  return addrs ? `[${name} <${pc}>]` : `[${name}]`;
}

function isKernelModule(module: string): boolean {
  return (module.charCodeAt(0) === 91 || module.endsWith('vmlinux')) && module.indexOf('unknown') < 0;
}

const JIT_MAP = /\/tmp\/perf-\d+\.map/;

/** FrameTidyContext carries what frame tidying depends on besides the frame itself. */
export interface FrameTidyContext {
  javaTidy: boolean;
  kernel: boolean;
  jit: boolean;
  addrs: boolean;
}

/**
 * tidyFrameLine turns one stack line into its frames, outermost inline caller first (the
 * script's `@inline` order), or `undefined` when the script skips the line (`(comm)` frames).
 */
export function tidyFrameLine(frame: FrameLine, ctx: FrameTidyContext): string[] | undefined {
  const raw = stripSymbolOffset(frame.rawFunc);
  if (raw.charCodeAt(0) === CC_LPAREN) return undefined;
  const parts = raw.indexOf('->') >= 0 ? splitInlined(raw) : raw.length > 0 ? [raw] : [];
  for (let n = 0; n < parts.length; n++) {
    let func = parts[n];
    if (func === '[unknown]') func = unknownFrameName(frame.module, frame.pc, ctx.addrs);
    func = tidyGeneric(func);
    if (ctx.javaTidy) func = tidyJava(func);
    if (n > 0) {
      if (func.indexOf('_[i]') < 0) func += '_[i]';
    } else if (ctx.kernel && isKernelModule(frame.module)) {
      func += '_[k]';
    } else if (ctx.jit && JIT_MAP.test(frame.module)) {
      if (func.indexOf('_[j]') < 0) func += '_[j]';
    }
    parts[n] = func;
  }
  return parts;
}

const MAX_UV = 18446744073709551615n;

/** perlNumberString prints a count as Perl does: exact integers up to 2^64-1, then `%.15g`. */
export function perlNumberString(n: number | bigint): string {
  if (typeof n === 'number') return String(n);
  if (n <= MAX_UV) return n.toString();
  const [mantissa, exp] = Number(n).toPrecision(15).split('e');
  const trimmed = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa;
  return exp === undefined ? trimmed : `${trimmed}e${exp}`;
}

/**
 * MAX_CACHED_LINES bounds the frame-line cache. Past it the cache is dropped and refilled, so
 * memory stays flat on inputs whose every line is distinct (e.g. JIT code at fresh addresses).
 */
const MAX_CACHED_LINES = 1 << 18;

/**
 * hashRange is FNV-1a over `text[start, end)`, salted with the Java-tidy flag because the same
 * line tidies differently for a `java` process.
 */
function hashRange(text: string, start: number, end: number, javaTidy: boolean): number {
  let h = javaTidy ? 0x01000193 : 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h | 0;
}

/**
 * sameRange compares `key` with `text` at `start`. A plain loop: on V8, `startsWith` with a
 * position into a megabyte chunk measured several times slower per call.
 */
function sameRange(key: string, text: string, start: number): boolean {
  for (let k = key.length - 1; k >= 0; k--)
    if (key.charCodeAt(k) !== text.charCodeAt(start + k)) return false;
  return true;
}

/** MAX_PROBES bounds a lookup, so colliding lines cost a few compares, then a plain parse. */
const MAX_PROBES = 8;

/**
 * FrameLineTable caches tidied frame lines (line text -> frame ids) in an open-addressing table
 * that is probed with a range of the input chunk, so a hit allocates nothing. It holds at most
 * MAX_CACHED_LINES entries and starts over when full.
 */
class FrameLineTable {
  private mask = 1023;
  private hashes = new Int32Array(1024);
  private keys: (string | undefined)[] = new Array(1024);
  private values: number[][] = new Array(1024);
  private size = 0;

  get(text: string, start: number, end: number, hash: number): number[] | undefined {
    const len = end - start;
    for (let p = 0, i = hash & this.mask; p < MAX_PROBES; p++, i = (i + 1) & this.mask) {
      const key = this.keys[i];
      if (key === undefined) return undefined;
      if (this.hashes[i] === hash && key.length === len && sameRange(key, text, start)) return this.values[i];
    }
    return undefined;
  }

  set(line: string, hash: number, ids: number[]): void {
    if (this.size >= MAX_CACHED_LINES) this.reset(1024);
    else if (this.size * 2 >= this.mask) this.grow();
    for (let p = 0, i = hash & this.mask; p < MAX_PROBES; p++, i = (i + 1) & this.mask) {
      if (this.keys[i] === undefined) {
        this.keys[i] = line;
        this.hashes[i] = hash;
        this.values[i] = ids;
        this.size++;
        return;
      }
    }
  }

  private reset(capacity: number): void {
    this.mask = capacity - 1;
    this.hashes = new Int32Array(capacity);
    this.keys = new Array(capacity);
    this.values = new Array(capacity);
    this.size = 0;
  }

  private grow(): void {
    const { keys, hashes, values } = this;
    this.reset((this.mask + 1) * 2);
    for (let j = 0; j < keys.length; j++) {
      const key = keys[j];
      if (key !== undefined) this.set(key, hashes[j], values[j]);
    }
  }
}

/**
 * detach copies a string out of the chunk it was sliced from. V8 slices keep their parent
 * alive, so an interned frame name would otherwise pin a whole megabyte input chunk.
 */
function detach(text: string): string {
  return Buffer.from(text, 'latin1').toString('latin1');
}

/** StackNode is a node of the trie of frame ids that holds the folded counts. */
interface StackNode {
  frame: number;
  children: Map<number, StackNode> | undefined;
  /** count is undefined until a sample ends here (a period of "00" counts as 0 but still prints). */
  count: number | bigint | undefined;
}

function childOf(node: StackNode, frame: number): StackNode {
  let children = node.children;
  if (children === undefined) {
    children = new Map();
    node.children = children;
  }
  let child = children.get(frame);
  if (child === undefined) {
    child = { frame, children: undefined, count: undefined };
    children.set(frame, child);
  }
  return child;
}

function addCount(prev: number | bigint | undefined, period: number | bigint): number | bigint {
  if (typeof prev !== 'bigint' && typeof period === 'number') {
    const next = (prev ?? 0) + period;
    if (Number.isSafeInteger(next)) return next;
  }
  return BigInt(prev ?? 0) + BigInt(period);
}

/**
 * StackCollapser is fed perf-script text (latin1 strings, any chunking) and accumulates folded
 * stack counts. Memory is the distinct stacks (a trie of interned frames) plus a bounded cache
 * of tidied frame lines and one partial line.
 *
 * Speed comes from two observations: frame lines repeat (the same hot addresses), so each
 * distinct line is parsed and tidied once and later costs one map lookup; and counting in a
 * trie of small integer ids avoids hashing a kilobyte-long stack string per sample.
 */
export class StackCollapser {
  private readonly root: StackNode = { frame: -1, children: undefined, count: undefined };
  private readonly frameIds = new Map<string, number>();
  private readonly frameNames: string[] = [];
  private readonly pnameIdsCache = new Map<string, number[]>();
  private readonly lines = new FrameLineTable();
  private readonly includePid: boolean;
  private readonly includeTid: boolean;
  private readonly ctx: FrameTidyContext;
  private readonly javaPrefixTidy: boolean;
  private eventFilter: string;
  private eventDefaulted = false;
  private eventWarned = false;
  private carry = '';
  /** stack holds the open sample's frame ids leaf first, each line's inline group reversed. */
  private stack: number[] = [];
  /** pnameIds is the process name split at `;` (so trie paths and folded strings correspond). */
  private pnameIds: number[] | undefined;
  private period: number | bigint = 1;
  private distinct = 0;
  private readonly warn: CollapseWarn;

  constructor(options: CollapseOptions = {}, warn: CollapseWarn = () => {}) {
    this.includePid = options.pid === true;
    this.includeTid = options.tid === true;
    const all = options.all === true;
    this.ctx = {
      javaTidy: false,
      kernel: all || options.kernel === true,
      jit: all || options.jit === true,
      addrs: options.addrs === true,
    };
    this.javaPrefixTidy = options.javaPrefixTidy === true;
    this.eventFilter = options.eventFilter ?? '';
    this.warn = warn;
  }

  /** push feeds a chunk of text; lines may span chunks. */
  push(chunk: string): void {
    let start = 0;
    let nl = chunk.indexOf('\n');
    if (nl < 0) {
      this.carry += chunk;
      return;
    }
    if (this.carry.length > 0) {
      this.line(this.carry + chunk.slice(0, nl));
      this.carry = '';
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    }
    while (nl >= 0) {
      this.lineAt(chunk, start, nl);
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    }
    if (start < chunk.length) this.carry = chunk.slice(start);
  }

  /**
   * lineAt handles `text[start, end)` without copying it when it is an indented frame line
   * already seen: the common case costs one hash scan and one native compare.
   */
  private lineAt(text: string, start: number, end: number): void {
    if (end === start) {
      this.flush();
      return;
    }
    const c0 = text.charCodeAt(start);
    if (c0 === CC_HASH) return;
    if (!isSpace(c0)) {
      this.line(text.slice(start, end));
      return;
    }
    const table = this.lines;
    const hash = hashRange(text, start, end, this.ctx.javaTidy);
    let ids = table.get(text, start, end, hash);
    if (ids === undefined) {
      const line = text.slice(start, end);
      const frame = matchFrameLine(line);
      if (frame === undefined) {
        this.warn(`Unrecognized line: ${line}`);
        return;
      }
      if (this.pnameIds === undefined) return;
      ids = this.frameLineIds(frame);
      table.set(detach(line), hash, ids);
    }
    if (this.pnameIds === undefined) return;
    const stack = this.stack;
    for (let n = 0; n < ids.length; n++) stack.push(ids[n]);
  }

  /** pushBytes feeds raw bytes, decoded one byte per char so output is byte-exact. */
  pushBytes(bytes: Uint8Array): void {
    this.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'));
  }

  /** end processes a final line without a newline. Like the script, an unterminated sample is dropped. */
  end(): void {
    if (this.carry.length > 0) {
      const last = this.carry;
      this.carry = '';
      this.line(last);
    }
  }

  /** line handles one line without its `\n`. */
  line(line: string): void {
    if (line.length === 0) {
      this.flush();
      return;
    }
    const c0 = line.charCodeAt(0);
    if (c0 === CC_HASH) return;
    if (!isSpace(c0)) {
      const header = matchEventHeader(line);
      if (header !== undefined) {
        this.header(line, header);
        return;
      }
    }
    const frame = matchFrameLine(line);
    if (frame === undefined) {
      this.warn(`Unrecognized line: ${line}`);
      return;
    }
    if (this.pnameIds === undefined) return;
    const ids = this.frameLineIds(frame);
    const stack = this.stack;
    for (let n = 0; n < ids.length; n++) stack.push(ids[n]);
  }

  /**
   * frameLineIds tidies a frame line into interned ids. Frames arrive leaf first; within a line
   * the script keeps caller-then-inlined order, so the group is stored reversed and the whole
   * stack read backwards at flush.
   */
  private frameLineIds(frame: FrameLine): number[] {
    const funcs = tidyFrameLine(frame, this.ctx);
    if (funcs === undefined) return [];
    const ids = new Array<number>(funcs.length);
    for (let n = 0; n < funcs.length; n++) ids[funcs.length - 1 - n] = this.frameId(funcs[n]);
    return ids;
  }

  private frameId(name: string): number {
    let id = this.frameIds.get(name);
    if (id === undefined) {
      id = this.frameNames.length;
      const own = detach(name);
      this.frameNames.push(own);
      this.frameIds.set(own, id);
    }
    return id;
  }

  private header(line: string, h: EventHeader): void {
    let pid: string;
    let tid: string;
    // Perl truthiness: a missing or "0" second number means perf printed only the TID.
    if (h.second === undefined || h.second === '0') {
      pid = '?';
      tid = h.first;
    } else {
      pid = h.first;
      tid = h.second;
    }
    let period: string | undefined;
    const ev = matchEventName(line);
    if (ev !== undefined) {
      period = ev.period;
      if (this.eventFilter === '') {
        this.eventFilter = ev.event;
        this.eventDefaulted = true;
      } else if (ev.event !== this.eventFilter) {
        if (this.eventDefaulted && !this.eventWarned) {
          this.warn(`Filtering for events of type: ${ev.event}`);
          this.eventWarned = true;
        }
        return;
      }
    }
    // Perl truthiness again: "" and "0" mean no period (count 1); "00" is a true string worth 0.
    if (period === undefined || period === '' || period === '0') this.period = 1;
    else this.period = period.length <= 15 ? Number(period) : BigInt(period);
    let pname = this.includeTid ? `${h.comm}-${pid}/${tid}` : this.includePid ? `${h.comm}-${pid}` : h.comm;
    if (pname.indexOf(' ') >= 0) pname = pname.replaceAll(' ', '_');
    let ids = this.pnameIdsCache.get(pname);
    if (ids === undefined) {
      ids = pname.split(';').map((part) => this.frameId(part));
      if (this.pnameIdsCache.size >= MAX_CACHED_LINES) this.pnameIdsCache.clear();
      this.pnameIdsCache.set(detach(pname), ids);
    }
    this.pnameIds = ids;
    this.ctx.javaTidy = this.javaPrefixTidy ? pname.startsWith('java') : pname === 'java';
  }

  private flush(): void {
    const pnameIds = this.pnameIds;
    if (pnameIds === undefined) return;
    let node = this.root;
    for (let n = 0; n < pnameIds.length; n++) node = childOf(node, pnameIds[n]);
    const stack = this.stack;
    for (let n = stack.length - 1; n >= 0; n--) node = childOf(node, stack[n]);
    if (node.count === undefined) this.distinct++;
    node.count = addCount(node.count, this.period);
    stack.length = 0;
    this.pnameIds = undefined;
  }

  /** distinctStacks is the number of distinct folded stacks so far. */
  get distinctStacks(): number {
    return this.distinct;
  }

  /** entries returns every folded stack and its count, unsorted. */
  private entries(): [string, number | bigint][] {
    const out: [string, number | bigint][] = [];
    const names = this.frameNames;
    const walk = (node: StackNode, prefix: string) => {
      if (node.children === undefined) return;
      for (const child of node.children.values()) {
        const key =
          prefix === '' && node === this.root ? names[child.frame] : `${prefix};${names[child.frame]}`;
        if (child.count !== undefined) out.push([key, child.count]);
        walk(child, key);
      }
    };
    walk(this.root, '');
    return out;
  }

  /** sortedLines yields `stack count\n` lines in Perl's `sort keys` (byte) order. */
  *sortedLines(): Generator<string> {
    const entries = this.entries();
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [key, count] of entries) yield `${key} ${perlNumberString(count)}\n`;
  }

  /** output returns the whole collapsed text (latin1 chars = bytes). */
  output(): string {
    let out = '';
    for (const l of this.sortedLines()) out += l;
    return out;
  }
}

/** collapsePerfScript collapses a whole perf-script text (latin1 string or bytes) in one call. */
export function collapsePerfScript(
  input: string | Uint8Array,
  options: CollapseOptions = {},
  warn?: CollapseWarn,
): string {
  const collapser = new StackCollapser(options, warn);
  if (typeof input === 'string') collapser.push(input);
  else collapser.pushBytes(input);
  collapser.end();
  return collapser.output();
}

/** perfScriptLineIsComment: the script skips every line starting with `#`. */
export function perfScriptLineIsComment(line: string): boolean {
  return line.charCodeAt(0) === CC_HASH;
}
