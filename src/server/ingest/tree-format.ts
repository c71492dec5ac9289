import { FormatError, InputLimitError } from '../../errors.js';

/**
 * Pyroscope's `tree` ingest body (`format=tree` or `Content-Type: binary/octet-stream+tree`),
 * the "no dictionary" serialization of its call tree. The body is one node record after
 * another, in depth-first pre-order (a node, then each of its children's subtrees in turn):
 *
 *     nameLen   uvarint   byte length of the name (LEB128, 7 bits per byte, low group first)
 *     name      bytes     the frame name, UTF-8, `nameLen` bytes, no terminator
 *     value     uvarint   the node's SELF value (samples, or the unit of the profile type)
 *     children  uvarint   how many child records follow, each a whole subtree
 *
 * The first record is the root: its name is empty in every writer and is ignored, and so is
 * its value (Pyroscope drops it too). A stack is the names from just below the root down to a
 * node, and a node with a non-zero value contributes that stack with that value. Pyroscope
 * joins names with `;` and splits them again, so a `;` inside a name separates frames here too;
 * empty frames are dropped. Nothing may follow the root's subtree.
 *
 * Example, `foo;bar 2` and `foo;baz 3`:
 *     00 00 01 | 03 'foo' 00 02 | 03 'bar' 02 00 | 03 'baz' 03 00
 *
 * `trie` bodies (trie-format.ts) use the same records with a different meaning of `name`.
 */

/** Stacks are root-first frame lists with one value each. */
export interface Stacks {
  stacks: string[][];
  values: number[];
}

/** TreeLimits bound the work one body may cause. */
export interface TreeLimits {
  /** maxDepth: nesting deeper than this is refused (Pyroscope keeps ~1000 frames per stack). */
  maxDepth: number;
  /** maxFrames: the sum of the lengths of all emitted stacks (a deep tree repeats its prefix). */
  maxFrames: number;
  /** maxKeyBytes: the sum of the lengths of all decoded trie keys (a long prefix repeats too). */
  maxKeyBytes: number;
}

export const DEFAULT_TREE_LIMITS: TreeLimits = {
  maxDepth: 4096,
  maxFrames: 16_000_000,
  maxKeyBytes: 256 * 1024 * 1024,
};

/** MIN_RECORD_BYTES: an empty name, a one-byte value and a one-byte child count. */
const MIN_RECORD_BYTES = 3;

/**
 * walkNodes reads the records of a tree or trie body and calls `visit` once per node with its
 * depth (root 0), the byte range of its name and its value. Every length and count is checked
 * against the bytes left, so garbage fails fast with a FormatError naming the offset.
 */
export function walkNodes(
  bytes: Uint8Array,
  format: string,
  limits: TreeLimits,
  visit: (depth: number, nameStart: number, nameEnd: number, value: number) => void,
): void {
  const end = bytes.length;
  let pos = 0;
  const fail = (message: string, at = pos): never => {
    throw new FormatError(format, message, `byte ${at}`);
  };
  const uvarint = (what: string): number => {
    const start = pos;
    let value = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      if (pos >= end) return fail(`body ends inside the ${what}`, start);
      const b = bytes[pos++];
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) {
        if (value > Number.MAX_SAFE_INTEGER) fail(`${what} ${value} is beyond 2^53`, start);
        return value;
      }
    }
    return fail(`${what} is a varint longer than 10 bytes`, start);
  };
  // pending[d] = children of the open node at depth d still to read; `owed` is their sum.
  const pending: number[] = [];
  let owed = 1;
  do {
    const depth = pending.length;
    if (depth > 0) pending[depth - 1]--;
    owed--;
    const recordAt = pos;
    const nameLen = uvarint('name length');
    if (nameLen > end - pos) fail(`name of ${nameLen} bytes but ${end - pos} left`, recordAt);
    const nameStart = pos;
    pos += nameLen;
    const value = uvarint('value');
    const children = uvarint('child count');
    owed += children;
    // Every record takes at least MIN_RECORD_BYTES, which bounds both counts and the stack.
    if (owed * MIN_RECORD_BYTES > end - pos) {
      fail(`${owed} more nodes announced but only ${end - pos} bytes left`, recordAt);
    }
    visit(depth, nameStart, nameStart + nameLen, value);
    if (children > 0) {
      if (depth + 1 > limits.maxDepth) {
        throw new InputLimitError(`${format}: tree deeper than ${limits.maxDepth} nodes`);
      }
      pending.push(children);
    }
    while (pending.length > 0 && pending[pending.length - 1] === 0) pending.pop();
  } while (pending.length > 0);
  if (pos !== end) fail(`${end - pos} bytes after the end of the tree`);
}

/** decodeTree turns a `tree` body into stacks (see the layout above); empty bodies hold none. */
export function decodeTree(bytes: Uint8Array, limits: TreeLimits = DEFAULT_TREE_LIMITS): Stacks {
  const out: Stacks = { stacks: [], values: [] };
  if (bytes.length === 0) return out;
  const decoder = new TextDecoder('utf-8');
  // path[d] holds the frames contributed by the node at depth d (a name may hold several).
  const path: string[][] = [];
  let frames = 0;
  walkNodes(bytes, 'tree', limits, (depth, start, endAt, value) => {
    path.length = depth;
    path.push(depth === 0 ? [] : splitFrames(decoder.decode(bytes.subarray(start, endAt))));
    if (depth === 0 || value === 0) return;
    const stack = path.flat();
    if (stack.length === 0) return;
    frames += stack.length;
    if (frames > limits.maxFrames) {
      throw new InputLimitError(`tree: stacks hold more than ${limits.maxFrames} frames in all`);
    }
    out.stacks.push(stack);
    out.values.push(value);
  });
  return out;
}

/** splitFrames splits a `;`-joined name into frames; empty frames carry no function and are dropped. */
export function splitFrames(name: string): string[] {
  if (!name.includes(';')) return name === '' ? [] : [name];
  return name.split(';').filter((f) => f !== '');
}
