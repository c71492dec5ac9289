/**
 * FoldedWriter spells sorted stacks as folded lines (`process;root;...;leaf count\n`) straight
 * into byte buffers of a bounded size. Names are turned into latin1 bytes once; a line is then
 * a run of byte copies, with no key string built, flattened and encoded per stack (that was
 * most of the output cost, and megabyte strings also kept RSS growing with the output size).
 */
import type { StackTable } from './stack-table.js';

const CC_SEMICOLON = 59;
const CC_SPACE = 32;
const CC_LF = 10;

/** NameBytes is a list of latin1 names as one byte array and offsets (name i is bytes[off[i], off[i + 1])). */
interface NameBytes {
  bytes: Buffer;
  off: Int32Array;
}

function nameBytes(names: readonly string[]): NameBytes {
  const off = new Int32Array(names.length + 1);
  let total = 0;
  for (let i = 0; i < names.length; i++) {
    off[i] = total;
    total += names[i].length;
  }
  off[names.length] = total;
  const bytes = Buffer.allocUnsafe(total);
  for (let i = 0; i < names.length; i++) bytes.write(names[i], off[i], 'latin1');
  return { bytes, off };
}

export class FoldedWriter {
  private readonly processes: NameBytes;
  private readonly frames: NameBytes;
  private out: Buffer;
  private used = 0;
  /**
   * The previous line in `out` (prevStack NONE when there is none in this batch): where it
   * starts, and where each of its tokens ends, relative to that start (token 0 is the process).
   */
  private prevStack = -1;
  private prevStart = 0;
  private prevTokenEnd = new Int32Array(256);

  constructor(
    private readonly table: StackTable,
    processNames: readonly string[],
    frameNames: readonly string[],
    private readonly batchBytes: number,
  ) {
    this.processes = nameBytes(processNames);
    this.frames = nameBytes(frameNames);
    this.out = Buffer.allocUnsafe(batchBytes);
  }

  /** lineLength is the byte length of stack s's line with a count of `countText`. */
  private lineLength(s: number, countText: string): number {
    const pool = this.table.pool;
    const o = this.table.off[s];
    const depth = pool[o + 1];
    const p = pool[o];
    let n = this.processes.off[p + 1] - this.processes.off[p] + depth + 2 + countText.length;
    const off = this.frames.off;
    for (let k = 0; k < depth; k++) {
      const f = pool[o + 2 + k];
      n += off[f + 1] - off[f];
    }
    return n;
  }

  /**
   * fits tells whether stack s's line fits in the current batch; when it does not, the caller
   * writes out `filled()` and calls `restart` before adding.
   */
  fits(s: number, countText: string): boolean {
    return this.used === 0 || this.used + this.lineLength(s, countText) <= this.out.length;
  }

  /** filled is the current batch's bytes (a view, valid until `restart`). */
  filled(): Buffer {
    return this.out.subarray(0, this.used);
  }

  /**
   * restart starts a new batch: in the same buffer when `reuse` says the caller is done with
   * the last one's bytes (they were written out), else in a fresh one the caller cannot touch.
   */
  restart(reuse: boolean): void {
    if (!reuse) this.out = Buffer.allocUnsafe(this.batchBytes);
    this.used = 0;
    this.prevStack = -1;
  }

  /** sharedTokens is how many leading tokens (process, then frames) stack s shares with the previous line. */
  private sharedTokens(s: number): number {
    if (this.prevStack < 0) return 0;
    const pool = this.table.pool;
    const a = this.table.off[this.prevStack];
    const b = this.table.off[s];
    if (pool[a] !== pool[b]) return 0;
    const n = 1 + Math.min(pool[a + 1], pool[b + 1]);
    let k = 1;
    while (k < n && pool[a + 1 + k] === pool[b + 1 + k]) k++;
    return k;
  }

  /** add appends stack s's line (after `fits`, or into an empty batch it grows if need be). */
  add(s: number, countText: string): void {
    const need = this.lineLength(s, countText);
    if (this.used + need > this.out.length) {
      const grown = Buffer.allocUnsafe(this.used + need);
      this.out.copy(grown, 0, 0, this.used);
      this.out = grown;
    }
    // Sorted neighbours share long root paths: the shared tokens are one copy from the line
    // before (a native memmove) instead of a byte loop per name.
    const shared = this.sharedTokens(s);
    const out = this.out;
    const pool = this.table.pool;
    const o = this.table.off[s];
    const depth = pool[o + 1];
    if (depth + 1 > this.prevTokenEnd.length) {
      const grown = new Int32Array(Math.max(depth + 1, this.prevTokenEnd.length * 2));
      grown.set(this.prevTokenEnd);
      this.prevTokenEnd = grown;
    }
    const tokenEnd = this.prevTokenEnd;
    const start = this.used;
    let w = start;
    if (shared > 0) {
      const bytes = tokenEnd[shared - 1];
      out.copyWithin(w, this.prevStart, this.prevStart + bytes);
      w += bytes;
    } else {
      w = copyName(this.processes, pool[o], out, w);
      tokenEnd[0] = w - start;
    }
    for (let k = Math.max(shared, 1); k <= depth; k++) {
      out[w++] = CC_SEMICOLON;
      w = copyName(this.frames, pool[o + 1 + k], out, w);
      tokenEnd[k] = w - start;
    }
    this.prevStack = s;
    this.prevStart = start;
    out[w++] = CC_SPACE;
    for (let k = 0; k < countText.length; k++) out[w++] = countText.charCodeAt(k);
    out[w++] = CC_LF;
    this.used = w;
  }

  /** pending is the number of bytes in the current batch. */
  get pending(): number {
    return this.used;
  }
}

/** copyName copies name `i` into `out` at `w` and returns the offset after it. */
function copyName(names: NameBytes, i: number, out: Buffer, w: number): number {
  const bytes = names.bytes;
  const start = names.off[i];
  const end = names.off[i + 1];
  for (let k = start; k < end; k++) out[w++] = bytes[k];
  return w;
}
