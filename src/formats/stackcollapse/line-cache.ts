/**
 * LineCache: the distinct frame lines of a perf script, each with the frame ids it tidies to,
 * kept as a struct of typed arrays so that the per-line work touches a few small, dense arrays
 * (one object per line measured as a cache miss on most lines).
 *
 * A line is found by hash, or checked against a guess (the line that followed the previous
 * one last time) with a word-wise compare that also finds the line's end, so a guessed line
 * needs no newline search and no hashing.
 */

const CC_LF = 10;

/** MAX_PROBES bounds a lookup, so colliding lines cost a few compares, then a plain parse. */
const MAX_PROBES = 8;

/** NONE marks a missing entry in the index arrays. */
export const NONE = -1;

/** grownInt32 returns a copy of `a` at least `min` long (doubling). */
export function grownInt32(a: Int32Array, min: number): Int32Array<ArrayBuffer> {
  let n = Math.max(a.length * 2, 16);
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
 * (or, under 4 bytes, the bytes packed low first). Its frame ids sit in `idPool` from
 * `idOff[e]`, `idLen[e]` of them, in the order the collapser appends them (leaf first).
 * It holds at most `capacity` entries and starts over when full (`generation` counts the
 * restarts, so holders of entry numbers can drop them): memory stays flat on inputs whose
 * every line is distinct (JIT code at fresh addresses).
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
  idOff = new Int32Array(1024);
  idLen = new Int32Array(1024);
  idPool = new Int32Array(1024);
  words = new Int32Array(1 << 15);
  private idUsed = 0;
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

  /** add stores `bytes[pos, nl)` with its frame ids (leaf first) and returns its entry number. */
  add(
    bytes: Uint8Array,
    dv: DataView,
    pos: number,
    nl: number,
    hash: number,
    java: boolean,
    ids: readonly number[],
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
    if (this.idUsed + ids.length > this.idPool.length)
      this.idPool = grownInt32(this.idPool, this.idUsed + ids.length);
    for (let k = 0; k < ids.length; k++) this.idPool[this.idUsed + k] = ids[k];
    this.idOff[e] = this.idUsed;
    this.idLen[e] = ids.length;
    this.idUsed += ids.length;
    this.len[e] = len;
    this.off[e] = o;
    this.java[e] = java ? 1 : 0;
    this.hash[e] = hash;
    this.next[e] = NONE;
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
    this.idOff = grownInt32(this.idOff, n);
    this.idLen = grownInt32(this.idLen, n);
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
    this.idUsed = 0;
    this.slots = new Int32Array(2048);
    this.len = new Int32Array(1024);
    this.off = new Int32Array(1024);
    this.java = new Uint8Array(1024);
    this.hash = new Int32Array(1024);
    this.next = new Int32Array(1024);
    this.idOff = new Int32Array(1024);
    this.idLen = new Int32Array(1024);
    this.idPool = new Int32Array(1024);
    this.words = new Int32Array(1 << 15);
    this.generation++;
  }
}
