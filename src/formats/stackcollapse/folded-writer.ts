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
  }

  /** add appends stack s's line (after `fits`, or into an empty batch it grows if need be). */
  add(s: number, countText: string): void {
    const need = this.lineLength(s, countText);
    if (this.used + need > this.out.length) {
      const grown = Buffer.allocUnsafe(this.used + need);
      this.out.copy(grown, 0, 0, this.used);
      this.out = grown;
    }
    const out = this.out;
    const pool = this.table.pool;
    const o = this.table.off[s];
    const depth = pool[o + 1];
    let w = copyName(this.processes, pool[o], out, this.used);
    for (let k = 0; k < depth; k++) {
      out[w++] = CC_SEMICOLON;
      w = copyName(this.frames, pool[o + 2 + k], out, w);
    }
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
