import { mapTree } from '../model/map-tree.js';
import type { CallTreeNode } from '../model/tree.js';

/**
 * FlameNode is the drawing-neutral input of the flame graph: a name, a value for the node and
 * everything below it, and optionally the base side's value for a differential graph.
 */
export interface FlameNode {
  name: string;
  total: number;
  self: number;
  /** baseTotal / baseSelf: the base side's values, for diff graphs (already scaled). */
  baseTotal?: number;
  baseSelf?: number;
  children: FlameNode[];
}

/**
 * FlameLevels is what the renderer draws: one row per depth, each bar as four (diff: six)
 * numbers [start, total, self, nameIndex, baseTotal, baseSelf], starts in value units from the
 * left edge. Wire format of the report's embedded JSON.
 */
export interface FlameLevels {
  names: string[];
  levels: number[][];
  total: number;
  diff: boolean;
}

/** flameNodeFromCallTree projects one sample type of a call tree (iteratively: stacks can be deep). */
export function flameNodeFromCallTree(node: CallTreeNode, typeIndex: number): FlameNode {
  return mapTree<CallTreeNode, FlameNode>(
    node,
    (n) => n.children,
    (n) => ({ name: n.name, total: n.total[typeIndex], self: n.self[typeIndex], children: [] }),
    (n) => n.total[typeIndex] !== 0,
  );
}

/**
 * diffFlameNodes aligns two trees by path. In relative mode the base is scaled to the head's
 * total, so colours show shares that moved, not a run that was simply longer. The walk keeps its
 * own stack, so a 100k-frame stack on either side cannot overflow the call stack.
 */
export function diffFlameNodes(base: FlameNode, head: FlameNode, mode: 'relative' | 'absolute'): FlameNode {
  const scale = mode === 'relative' && base.total > 0 ? head.total / base.total : 1;
  type Pair = { b: FlameNode | undefined; h: FlameNode | undefined };
  const make = ({ b, h }: Pair): FlameNode => ({
    name: (h ?? b)?.name ?? '',
    total: h?.total ?? 0,
    self: h?.self ?? 0,
    baseTotal: (b?.total ?? 0) * scale,
    baseSelf: (b?.self ?? 0) * scale,
    children: [],
  });
  const pairedChildren = ({ b, h }: Pair): Pair[] => {
    const byName = new Map<string, Pair>();
    for (const c of b?.children ?? []) if (!byName.has(c.name)) byName.set(c.name, { b: c, h: undefined });
    for (const c of h?.children ?? []) {
      const pair = byName.get(c.name);
      if (!pair) byName.set(c.name, { b: undefined, h: c });
      else pair.h ??= c;
    }
    return [...byName.keys()].sort().map((name) => byName.get(name) as Pair);
  };
  return mapTree<Pair, FlameNode>({ b: base, h: head }, pairedChildren, make);
}

/**
 * toLevels lays a tree out left to right, children in their given order under their parent.
 * It also runs in the browser (ui/page.ts sends its source), so it references nothing outside
 * itself: no deadline checks here; its callers on the server bound the node count.
 * In a diff the width of a bar is both sides added, as Pyroscope draws it: widths stay additive
 * (children never overflow their parent) and removed frames stay visible.
 */
export function toLevels(
  root: FlameNode,
  options: { maxNodes?: number; minWidthFraction?: number } = {},
): FlameLevels {
  const diff = root.baseTotal !== undefined;
  const width = (n: FlameNode) => (diff ? n.total + (n.baseTotal ?? 0) : n.total);
  const total = width(root);
  const minWidth = total * (options.minWidthFraction ?? 0);
  const maxNodes = options.maxNodes ?? Number.POSITIVE_INFINITY;
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  const levels: number[][] = [];
  let count = 0;
  const queue: Array<{ node: FlameNode; depth: number; start: number }> = [
    { node: root, depth: 0, start: 0 },
  ];
  // Breadth-first so that a node budget keeps the wide, shallow frames that matter most.
  for (let q = 0; q < queue.length && count < maxNodes; q++) {
    const { node, depth, start } = queue[q];
    let idx = nameIndex.get(node.name);
    if (idx === undefined) {
      idx = names.length;
      names.push(node.name);
      nameIndex.set(node.name, idx);
    }
    levels[depth] ??= [];
    levels[depth].push(start, node.total, node.self, idx);
    if (diff) levels[depth].push(node.baseTotal ?? 0, node.baseSelf ?? 0);
    count++;
    let x = start;
    for (const child of node.children) {
      const w = width(child);
      if (w > minWidth || (w > 0 && minWidth === 0)) queue.push({ node: child, depth: depth + 1, start: x });
      x += w;
    }
  }
  return { names, levels, total, diff };
}

/**
 * drawLevelsAscii renders levels as text, one row per depth, `width` characters for the total:
 * tests compare pictures, so a failure shows what moved.
 */
export function drawLevelsAscii(levels: FlameLevels, width = 40): string[] {
  const stride = levels.diff ? 6 : 4;
  return levels.levels.map((row) => {
    const line = new Array<string>(width).fill(' ');
    for (let i = 0; i < row.length; i += stride) {
      const from = Math.round((row[i] / levels.total) * width);
      const barTotal = levels.diff ? row[i + 1] + row[i + 4] : row[i + 1];
      const to = Math.round(((row[i] + barTotal) / levels.total) * width);
      const label = `[${levels.names[row[i + 3]]}`
        .padEnd(Math.max(0, to - from), '-')
        .slice(0, Math.max(0, to - from));
      for (let c = from; c < to && c < width; c++) line[c] = label[c - from] ?? '-';
    }
    return line.join('').trimEnd();
  });
}
