/**
 * Perl's `sort keys` order for folded stacks, computed on frame ids without building the keys.
 *
 * A key is `process;frame;...;frame`; Perl compares keys byte by byte. Tokens with equal ids
 * spell equal bytes, so the common prefix of ids is skipped with integer compares; the first
 * differing tokens then decide, unless one is a prefix of the other. Only then do the bytes
 * after it matter (the `;` before the next token, or the end of the key), and a byte walk
 * across token boundaries settles it. Names are latin1 strings (one char per byte), so
 * comparing chars compares bytes.
 */
import type { StackTable } from './stack-table.js';

const CC_SEMICOLON = 59;
const END = -1;

/** StackNames names the tokens of a stack: its process (token 0) and its frames. */
export interface StackNames {
  processNames: readonly string[];
  frameNames: readonly string[];
}

/** tokenName is token `k` of the stack at pool offset `o` (0 is the process, then frames root first). */
function tokenName(pool: Int32Array, o: number, k: number, names: StackNames): string {
  return k === 0 ? names.processNames[pool[o]] : names.frameNames[pool[o + 1 + k]];
}

/**
 * walkFrom compares the two keys byte by byte from token `k` on (both keys agree before it),
 * returning <0, 0 or >0.
 */
function walkFrom(pool: Int32Array, oa: number, ob: number, k: number, names: StackNames): number {
  const na = pool[oa + 1] + 1;
  const nb = pool[ob + 1] + 1;
  let ta = k;
  let tb = k;
  let sa = tokenName(pool, oa, ta, names);
  let sb = tokenName(pool, ob, tb, names);
  let ia = 0;
  let ib = 0;
  for (;;) {
    let ca: number;
    if (ia < sa.length) ca = sa.charCodeAt(ia++);
    else if (ta + 1 < na) {
      ca = CC_SEMICOLON;
      ta++;
      sa = tokenName(pool, oa, ta, names);
      ia = 0;
    } else ca = END;
    let cb: number;
    if (ib < sb.length) cb = sb.charCodeAt(ib++);
    else if (tb + 1 < nb) {
      cb = CC_SEMICOLON;
      tb++;
      sb = tokenName(pool, ob, tb, names);
      ib = 0;
    } else cb = END;
    if (ca !== cb) return ca - cb;
    if (ca === END) return 0;
  }
}

/** compareStacks orders stacks a and b of `table` as Perl's `sort keys` orders their keys. */
export function compareStacks(table: StackTable, a: number, b: number, names: StackNames): number {
  const pool = table.pool;
  const oa = table.off[a];
  const ob = table.off[b];
  const na = pool[oa + 1] + 1;
  const nb = pool[ob + 1] + 1;
  const n = Math.min(na, nb);
  let k = pool[oa] === pool[ob] ? 1 : 0;
  if (k === 1) while (k < n && pool[oa + 1 + k] === pool[ob + 1 + k]) k++;
  if (k === n) {
    // One key is the other plus more tokens: the shorter (a prefix) sorts first.
    return na - nb;
  }
  const sa = tokenName(pool, oa, k, names);
  const sb = tokenName(pool, ob, k, names);
  if (sa.length < sb.length ? !sb.startsWith(sa) : !sa.startsWith(sb)) return sa < sb ? -1 : 1;
  return walkFrom(pool, oa, ob, k, names);
}
