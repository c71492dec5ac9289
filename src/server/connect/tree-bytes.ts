import type { Flamebearer } from '../../formats/flamebearer.js';
import { walkPreOrder } from '../../model/map-tree.js';

/**
 * flamebearerToTreeBytes writes a (possibly truncated) flame graph as Pyroscope's serialized
 * call tree, the `tree` field of SelectMergeStacktracesResponse (format PROFILE_FORMAT_TREE):
 * node records in depth-first pre-order, each `uvarint nameLen, name, uvarint self, uvarint
 * childCount`, the first record being the unnamed root (the layout ingest/tree-format.ts reads).
 * Working from the flame graph keeps one truncation rule (max_nodes folds into "other") for
 * both formats.
 */
export function flamebearerToTreeBytes(fb: Flamebearer): Uint8Array {
  const out = new ByteWriter();
  const rows = fb.levels.map(absoluteRow);
  const root = rows[0]?.[0];
  if (!root) return new Uint8Array(0);
  // Pre-order with an explicit stack: a 100k-frame stack must not overflow the call stack.
  type Placed = { depth: number; node: RowNode; name: string };
  walkPreOrder<Placed>({ depth: 0, node: root, name: '' }, ({ depth, node, name }) => {
    const children = childrenOf(rows[depth + 1] ?? [], node);
    out.string(name);
    out.uvarint(node.self);
    out.uvarint(children.length);
    return children.map((child) => ({ depth: depth + 1, node: child, name: fb.names[child.name] ?? '' }));
  });
  return out.bytes();
}

/** RowNode is one flame graph node with its absolute x. */
interface RowNode {
  x: number;
  total: number;
  self: number;
  name: number;
}

/** absoluteRow decodes one level: x is stored as the gap after the previous node of the row. */
function absoluteRow(level: readonly number[]): RowNode[] {
  const nodes: RowNode[] = [];
  let end = 0;
  for (let i = 0; i + 3 < level.length; i += 4) {
    const x = end + level[i];
    nodes.push({ x, total: level[i + 1], self: level[i + 2], name: level[i + 3] });
    end = x + level[i + 1];
  }
  return nodes;
}

/** childrenOf: the nodes of the next row within the parent's span (rows are sorted by x). */
function childrenOf(row: readonly RowNode[], parent: RowNode): RowNode[] {
  const end = parent.x + parent.total;
  let lo = 0;
  let hi = row.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (row[mid].x < parent.x) lo = mid + 1;
    else hi = mid;
  }
  const children: RowNode[] = [];
  for (let i = lo; i < row.length && row[i].x < end; i++) if (row[i].total > 0) children.push(row[i]);
  return children;
}

/** ByteWriter grows a buffer of uvarints and length-prefixed UTF-8 strings. */
class ByteWriter {
  private buf = new Uint8Array(1024);
  private length = 0;

  uvarint(value: number): void {
    let v = Math.max(0, Math.round(value));
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.length++] = v;
  }

  string(text: string): void {
    const bytes = new TextEncoder().encode(text);
    this.uvarint(bytes.length);
    this.ensure(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.length + extra));
    grown.set(this.buf.subarray(0, this.length));
    this.buf = grown;
  }
}
