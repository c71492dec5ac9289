/**
 * The two tables behind StackCollapser's hot loop, kept as structs of typed arrays so that the
 * per-line work touches a few small, dense arrays instead of objects spread over the heap (with
 * one object per trie node, loading the node measured as a cache miss on most lines).
 *
 * - LineCache: distinct frame lines (their bytes as 32-bit words) and the frame ids each one
 *   tidies to, found by hash or checked against a guess.
 * - StackTrie: folded-stack counts in a trie of frame ids, rooted per process name and running
 *   leaf first (the order perf prints frames), so a sample walks it as it is read.
 */

const CC_LF = 10;

/** MAX_PROBES bounds a lookup, so colliding lines cost a few compares, then a plain parse. */
const MAX_PROBES = 8;

/** NONE marks a missing entry or node in the index arrays. */
export const NONE = -1;

function grownInt32(a: Int32Array, min: number): Int32Array<ArrayBuffer> {
  let n = a.length * 2;
  while (n < min) n *= 2;
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

/**
 * hashLine mixes `bytes[pos, nl)` four bytes at a time, salted with the Java-tidy flag because
 * the same line tidies differently for a `java` process.
 */
export function hashLine(bytes: Uint8Array, dv: DataView, pos: number, nl: number, java: boolean): number {
  let h = java ? 0x3c6ef372 : 0x811c9dc5;
  const stop = pos + ((nl - pos) & ~3);
  let p = pos;
  for (; p < stop; p += 4) {
    h = Math.imul(h ^ dv.getInt32(p, true), 0x5bd1e995);
    h ^= h >>> 15;
  }
  for (; p < nl; p++) h = Math.imul(h ^ bytes[p], 0x01000193);
  h ^= nl - pos;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/**
 * LineCache holds distinct frame lines as entries 0..size-1. An entry's key is its bytes as
 * little-endian words: `len >> 2` full words, then one more, the word ending at the last byte
 * (or, under 4 bytes, the bytes packed low first). It holds at most `capacity` entries and
 * starts over when full (`generation` counts the restarts, so holders of entry numbers can
 * drop them).
 */
export class LineCache {
  size = 0;
  generation = 0;
  len = new Int32Array(1024);
  off = new Int32Array(1024);
  java = new Uint8Array(1024);
  hash = new Int32Array(1024);
  /** next: the entry that followed this one last time (a guess for the next line). */
  next = new Int32Array(1024);
  ids: number[][] = [];
  words = new Int32Array(1 << 15);
  private wordsUsed = 0;
  /** slots: open-addressing table of entry + 1 (0 = empty). */
  private slots = new Int32Array(2048);

  constructor(private readonly capacity: number) {
    this.clear();
  }

  /** matches tells whether entry `e` is `bytes[pos, pos + len)`, followed by a newline before `end`. */
  matches(e: number, bytes: Uint8Array, dv: DataView, pos: number, end: number): boolean {
    const len = this.len[e];
    const stop = pos + len;
    if (stop >= end || bytes[stop] !== CC_LF) return false;
    const words = this.words;
    let o = this.off[e];
    if (len < 4) {
      let w = 0;
      for (let k = 0; k < len; k++) w |= bytes[pos + k] << (k * 8);
      return w === words[o];
    }
    const full = pos + (len & ~3);
    for (let p = pos; p < full; p += 4, o++) if (dv.getInt32(p, true) !== words[o]) return false;
    return dv.getInt32(stop - 4, true) === words[o];
  }

  /** find returns the entry for `bytes[pos, nl)` (hash from hashLine) or NONE. */
  find(bytes: Uint8Array, dv: DataView, pos: number, nl: number, hash: number, java: boolean): number {
    const slots = this.slots;
    const mask = slots.length - 1;
    const j = java ? 1 : 0;
    for (let p = 0, i = hash & mask; p < MAX_PROBES; p++, i = (i + 1) & mask) {
      const e = slots[i] - 1;
      if (e < 0) return NONE;
      if (this.hash[e] === hash && this.java[e] === j && this.matches(e, bytes, dv, pos, nl + 1)) return e;
    }
    return NONE;
  }

  /** add stores `bytes[pos, nl)` with its frame ids and returns its entry number. */
  add(
    bytes: Uint8Array,
    dv: DataView,
    pos: number,
    nl: number,
    hash: number,
    java: boolean,
    ids: number[],
  ): number {
    if (this.size >= this.capacity) this.clear();
    const e = this.size++;
    if (e >= this.len.length) this.growEntries();
    const len = nl - pos;
    const need = (len >> 2) + 1;
    if (this.wordsUsed + need > this.words.length) this.words = grownInt32(this.words, this.wordsUsed + need);
    const o = this.wordsUsed;
    this.wordsUsed += need;
    const words = this.words;
    if (len < 4) {
      let w = 0;
      for (let k = 0; k < len; k++) w |= bytes[pos + k] << (k * 8);
      words[o] = w;
    } else {
      for (let k = 0; k < len >> 2; k++) words[o + k] = dv.getInt32(pos + k * 4, true);
      words[o + (len >> 2)] = dv.getInt32(nl - 4, true);
    }
    this.len[e] = len;
    this.off[e] = o;
    this.java[e] = java ? 1 : 0;
    this.hash[e] = hash;
    this.next[e] = NONE;
    this.ids[e] = ids;
    if (this.size * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.insert(e);
    return e;
  }

  private insert(e: number): void {
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let p = 0, i = this.hash[e] & mask; p < MAX_PROBES; p++, i = (i + 1) & mask) {
      if (slots[i] === 0) {
        slots[i] = e + 1;
        return;
      }
    }
    // Past MAX_PROBES the line is not findable by hash; it still works as a guess.
  }

  private rehash(capacity: number): void {
    this.slots = new Int32Array(capacity);
    for (let e = 0; e < this.size; e++) this.insert(e);
  }

  private growEntries(): void {
    const n = this.len.length * 2;
    this.len = grownInt32(this.len, n);
    this.off = grownInt32(this.off, n);
    this.hash = grownInt32(this.hash, n);
    this.next = grownInt32(this.next, n);
    const java = new Uint8Array(n);
    java.set(this.java);
    this.java = java;
  }

  /**
   * clear empties the cache. Run once by the constructor too: fields assigned again after
   * their first store are not treated as constants by V8, so optimized code does not get
   * thrown away when the arrays grow.
   */
  private clear(): void {
    this.size = 0;
    this.wordsUsed = 0;
    this.ids = [];
    this.slots = new Int32Array(2048);
    this.len = new Int32Array(1024);
    this.off = new Int32Array(1024);
    this.java = new Uint8Array(1024);
    this.hash = new Int32Array(1024);
    this.next = new Int32Array(1024);
    this.words = new Int32Array(1 << 15);
    this.generation++;
  }
}

function childHash(parent: number, frame: number): number {
  const h = Math.imul(parent, 0x9e3779b1) ^ Math.imul(frame, 0x85ebca6b);
  return h ^ (h >>> 15);
}

/**
 * StackTrie: node n has a parent, a frame id (NONE on the root of a process name), children by
 * frame id (one hash table for the whole trie), and a count once a sample ends there. Below a root, paths run leaf first, so a
 * node's parent chain spells its stack root first.
 */
export class StackTrie {
  size = 0;
  parent = new Int32Array(1024);
  frame = new Int32Array(1024);
  /** lastFrame/lastChild: the child looked up last, checked before the map. */
  lastFrame = new Int32Array(1024);
  lastChild = new Int32Array(1024);
  /**
   * predLine/predNode: the two line entries read last at node n (at 2n, most recent, and
   * 2n + 1), and the nodes their frames led to.
   */
  predLine = new Int32Array(2048);
  predNode = new Int32Array(2048);
  /** slots: open-addressing table of child + 1 (0 = empty), keyed by (parent, frame). */
  private slots = new Int32Array(2048);
  private children = 0;
  /** count: undefined until a sample ends at the node (a period of "00" counts 0 but prints). */
  count: (number | bigint | undefined)[] = [];
  /** rootName: the process name of each root node. */
  readonly rootName = new Map<number, string>();

  constructor() {
    // Store the arrays a second time: see LineCache.clear (V8 field constness).
    this.parent = new Int32Array(1024);
    this.frame = new Int32Array(1024);
    this.lastFrame = new Int32Array(1024);
    this.lastChild = new Int32Array(1024);
    this.predLine = new Int32Array(2048);
    this.predNode = new Int32Array(2048);
    this.slots = new Int32Array(2048);
  }

  newRoot(name: string): number {
    const n = this.newNode(NONE, NONE);
    this.rootName.set(n, name);
    return n;
  }

  /** child returns the child of `n` for `frame`, created if need be. */
  child(n: number, frame: number): number {
    if (this.lastFrame[n] === frame) return this.lastChild[n];
    const slots = this.slots;
    const mask = slots.length - 1;
    let i = childHash(n, frame) & mask;
    for (;;) {
      const c = slots[i] - 1;
      if (c < 0) break;
      if (this.parent[c] === n && this.frame[c] === frame) {
        this.lastFrame[n] = frame;
        this.lastChild[n] = c;
        return c;
      }
      i = (i + 1) & mask;
    }
    const c = this.newNode(n, frame);
    if (++this.children * 2 > slots.length) this.rehash(slots.length * 2);
    else slots[i] = c + 1;
    this.lastFrame[n] = frame;
    this.lastChild[n] = c;
    return c;
  }

  private rehash(capacity: number): void {
    const slots = new Int32Array(capacity);
    const mask = capacity - 1;
    for (let c = 0; c < this.size; c++) {
      if (this.frame[c] === NONE) continue;
      let i = childHash(this.parent[c], this.frame[c]) & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = c + 1;
    }
    this.slots = slots;
  }

  /** remember records that line entry `line` led from node `from` to node `to`. */
  remember(from: number, line: number, to: number): void {
    const i = 2 * from;
    const predLine = this.predLine;
    const predNode = this.predNode;
    if (predLine[i] !== line) {
      predLine[i + 1] = predLine[i];
      predNode[i + 1] = predNode[i];
    }
    predLine[i] = line;
    predNode[i] = to;
  }

  /** forgetLines drops every predLine (the line cache started over, so entry numbers changed). */
  forgetLines(): void {
    this.predLine.fill(NONE);
  }

  private newNode(parent: number, frame: number): number {
    const n = this.size++;
    if (n >= this.parent.length) {
      const min = n + 1;
      this.parent = grownInt32(this.parent, min);
      this.frame = grownInt32(this.frame, min);
      this.lastFrame = grownInt32(this.lastFrame, min);
      this.lastChild = grownInt32(this.lastChild, min);
      this.predLine = grownInt32(this.predLine, 2 * min);
      this.predNode = grownInt32(this.predNode, 2 * min);
    }
    this.parent[n] = parent;
    this.frame[n] = frame;
    this.lastFrame[n] = NONE;
    this.predLine[2 * n] = NONE;
    this.predLine[2 * n + 1] = NONE;
    this.count.push(undefined);
    return n;
  }
}
