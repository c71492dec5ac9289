import { InputLimitError } from '../../errors.js';
import { DEFAULT_TREE_LIMITS, type Stacks, splitFrames, type TreeLimits, walkNodes } from './tree-format.js';

/**
 * Pyroscope's `trie` ingest body (`format=trie` or `Content-Type: binary/octet-stream+trie`),
 * what its older agents upload: a prefix-compressed trie over the folded stack strings
 * (`main;work;hash`). The records are those of the `tree` format (tree-format.ts), in
 * depth-first pre-order:
 *
 *     nameLen   uvarint   byte length of this node's key fragment
 *     name      bytes     the fragment: bytes appended to the parent's key, cut anywhere
 *                         (mid-frame too), not a whole frame
 *     value     uvarint   the value of the key ending at this node; 0 = no such key
 *     children  uvarint   how many child records follow, each a whole subtree
 *
 * A node's key is the concatenation of the fragments from the root (usually empty) down to it;
 * every node with a non-zero value is one folded stack `key value`, whose frames are the key
 * split on `;` (empty frames dropped). Nothing may follow the root's subtree.
 *
 * Example, `foo;bar 2` and `foo;baz 3`:
 *     00 00 01 | 06 'foo;ba' 00 02 | 01 'r' 02 00 | 01 'z' 03 00
 */
export function decodeTrie(bytes: Uint8Array, limits: TreeLimits = DEFAULT_TREE_LIMITS): Stacks {
  const out: Stacks = { stacks: [], values: [] };
  if (bytes.length === 0) return out;
  const decoder = new TextDecoder('utf-8');
  // The current key lives in `key`; keyEnd[d] is its length up to and including depth d.
  // A key is a path of fragments of this body, so it is never longer than the body.
  const key = new Uint8Array(bytes.length);
  const keyEnd: number[] = [];
  let frames = 0;
  let keyBytes = 0;
  walkNodes(bytes, 'trie', limits, (depth, start, end, value) => {
    const from = depth === 0 ? 0 : keyEnd[depth - 1];
    key.set(bytes.subarray(start, end), from);
    keyEnd.length = depth;
    keyEnd.push(from + (end - start));
    if (value === 0) return;
    keyBytes += keyEnd[depth];
    if (keyBytes > limits.maxKeyBytes) {
      throw new InputLimitError(`trie: keys hold more than ${limits.maxKeyBytes} bytes in all`);
    }
    const stack = splitFrames(decoder.decode(key.subarray(0, keyEnd[depth])));
    if (stack.length === 0) return;
    frames += stack.length;
    if (frames > limits.maxFrames) {
      throw new InputLimitError(`trie: stacks hold more than ${limits.maxFrames} frames in all`);
    }
    out.stacks.push(stack);
    out.values.push(value);
  });
  return out;
}
