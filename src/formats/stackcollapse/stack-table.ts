/**
 * StackTable: the distinct folded stacks and their counts. A stack is a process id and its frame
 * ids, root first, stored back to back in one Int32Array (`[process, depth, ids...]`) and found
 * through an open-addressing hash table, so memory is about four bytes per frame of each
 * distinct stack: no per-stack object, no string until the output is written.
 */
import { grownInt32 } from './line-cache.js';

/** addCount adds a period to a count, switching to bigint past 2^53 as Perl switches to UV. */
export function addCount(prev: number | bigint, period: number | bigint): number | bigint {
  if (typeof prev === 'number' && typeof period === 'number') {
    const next = prev + period;
    if (Number.isSafeInteger(next)) return next;
  }
  return BigInt(prev) + BigInt(period);
}

/** hashStack mixes a process id and `depth` frame ids read backwards from `leafFirst`. */
function hashStack(process: number, leafFirst: Int32Array, depth: number): number {
  let h = Math.imul(process ^ 0x2545f491, 0x9e3779b1) ^ depth;
  for (let k = depth - 1; k >= 0; k--) {
    h = Math.imul(h ^ leafFirst[k], 0x5bd1e995);
    h ^= h >>> 15;
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return (h ^ (h >>> 13)) | 0;
}

/** StackTableData is a StackTable's contents as plain arrays (structured-cloneable). */
export interface StackTableData {
  size: number;
  off: Int32Array;
  pool: Int32Array;
  counts: Float64Array;
  bigCounts: Map<number, bigint>;
}

export class StackTable {
  size = 0;
  /** off: where stack s starts in `pool` (`[process, depth, ids root first]`). */
  off = new Int32Array(1024);
  pool = new Int32Array(1 << 16);
  /** counts: the count of stack s while it is a safe integer; `bigCounts` takes over after. */
  counts = new Float64Array(1024);
  readonly bigCounts = new Map<number, bigint>();
  private hash = new Int32Array(1024);
  private poolUsed = 0;
  /** slots: open-addressing table of stack + 1 (0 = empty). */
  private slots = new Int32Array(2048);

  constructor() {
    // Store the arrays a second time: see LineCache.clear (V8 field constness).
    this.off = new Int32Array(1024);
    this.pool = new Int32Array(1 << 16);
    this.counts = new Float64Array(1024);
    this.hash = new Int32Array(1024);
    this.slots = new Int32Array(2048);
  }

  /**
   * add counts one sample: process `process`, frames `leafFirst[0, depth)` leaf first (as perf
   * prints them). The stack is stored root first.
   */
  add(process: number, leafFirst: Int32Array, depth: number, period: number | bigint): void {
    const h = hashStack(process, leafFirst, depth);
    const slots = this.slots;
    const mask = slots.length - 1;
    let i = h & mask;
    for (;;) {
      const s = slots[i] - 1;
      if (s < 0) break;
      if (this.hash[s] === h && this.equals(s, process, leafFirst, depth)) {
        this.count(s, period);
        return;
      }
      i = (i + 1) & mask;
    }
    const s = this.insertNew(process, leafFirst, depth, h);
    if (this.size * 2 > slots.length) this.rehash(slots.length * 2);
    else slots[i] = s + 1;
    this.count(s, period);
  }

  /** export returns the stacks as trimmed copies of the arrays. */
  export(): StackTableData {
    const end = this.size > 0 ? this.off[this.size - 1] + 2 + this.pool[this.off[this.size - 1] + 1] : 0;
    return {
      size: this.size,
      off: this.off.slice(0, this.size),
      pool: this.pool.slice(0, end),
      counts: this.counts.slice(0, this.size),
      bigCounts: new Map(this.bigCounts),
    };
  }

  /** total returns stack s's count. */
  total(s: number): number | bigint {
    return this.bigCounts.get(s) ?? this.counts[s];
  }

  private count(s: number, period: number | bigint): void {
    const big = this.bigCounts.get(s);
    if (big === undefined && typeof period === 'number') {
      const next = this.counts[s] + period;
      if (Number.isSafeInteger(next)) {
        this.counts[s] = next;
        return;
      }
    }
    this.bigCounts.set(s, BigInt(big ?? this.counts[s]) + BigInt(period));
  }

  private equals(s: number, process: number, leafFirst: Int32Array, depth: number): boolean {
    const pool = this.pool;
    let o = this.off[s];
    if (pool[o] !== process || pool[o + 1] !== depth) return false;
    o += 2;
    for (let k = depth - 1; k >= 0; k--, o++) if (pool[o] !== leafFirst[k]) return false;
    return true;
  }

  private insertNew(process: number, leafFirst: Int32Array, depth: number, h: number): number {
    const s = this.size++;
    if (s >= this.off.length) {
      this.off = grownInt32(this.off, s + 1);
      this.hash = grownInt32(this.hash, s + 1);
      const counts = new Float64Array(this.off.length);
      counts.set(this.counts);
      this.counts = counts;
    }
    if (this.poolUsed + depth + 2 > this.pool.length)
      this.pool = grownInt32(this.pool, this.poolUsed + depth + 2);
    const pool = this.pool;
    let o = this.poolUsed;
    this.off[s] = o;
    pool[o++] = process;
    pool[o++] = depth;
    for (let k = depth - 1; k >= 0; k--) pool[o++] = leafFirst[k];
    this.poolUsed = o;
    this.hash[s] = h;
    this.counts[s] = 0;
    return s;
  }

  private rehash(capacity: number): void {
    const slots = new Int32Array(capacity);
    const mask = capacity - 1;
    for (let s = 0; s < this.size; s++) {
      let i = this.hash[s] & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = s + 1;
    }
    this.slots = slots;
  }
}
