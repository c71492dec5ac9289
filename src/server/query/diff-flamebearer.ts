import { diffFlameNodes, type FlameNode } from '../../flamegraph/levels.js';
import type { FlamebearerMetadata } from '../../formats/flamebearer.js';
import { pyroscopeUnits } from '../../formats/flamebearer.js';
import { functionIdentity, identifySides } from '../../model/function-identity.js';
import { mapTree, walkPreOrder } from '../../model/map-tree.js';
import type { Profile } from '../../model/profile.js';
import { buildCallTree, type CallTreeNode } from '../../model/tree.js';

/**
 * The 'double' flamebearer of `/pyroscope/render-diff`, Pyroscope's diff wire format:
 *
 *     {version: 1, flamebearer: {names, levels, numTicks, maxSelf},
 *      metadata: {format: 'double', units, sampleRate, spyName, name},
 *      leftTicks, rightTicks, timeline: null}
 *
 * Each node is 7 numbers: [xLeft, totalLeft, selfLeft, xRight, totalRight, selfRight, nameIndex].
 * Both sides are laid out independently (a node's children after its own self, sorted by name),
 * and each x is delta encoded against the previous node's right edge on the same side and row.
 * numTicks is leftTicks + rightTicks; values are integers.
 */
export interface DiffFlamebearerProfile {
  version: 1;
  flamebearer: { names: string[]; levels: number[][]; numTicks: number; maxSelf: number };
  metadata: FlamebearerMetadata;
  leftTicks: number;
  rightTicks: number;
  timeline: null;
}

/**
 * diffToFlamebearer lays out left (base) against right (head); both have one sample type.
 * Frames are matched by function identity (model/function-identity.ts), not by bare name: two
 * versions of a service deployed at different paths align, and two functions that merely share
 * a name stay two bars. The wire format carries only the names.
 */
export function diffToFlamebearer(left: Profile, right: Profile, name = ''): DiffFlamebearerProfile {
  const sides = identifySides([left], [right]);
  const tree = (p: Profile): FlameNode => roundNode(identityNode(buildCallTree(p).root, p));
  const root = diffFlameNodes(tree(sides.base[0]), tree(sides.head[0]), 'absolute');
  root.name = 'total';
  const names: string[] = ['total'];
  const nameIndex = new Map<string, number>([['total', 0]]);
  const rows: number[][] = [];
  let maxSelf = 0;
  // An explicit stack, not recursion: a 100k-frame stack must not overflow the call stack.
  type Placed = { node: FlameNode; depth: number; xL: number; xR: number };
  walkPreOrder<Placed>({ node: root, depth: 0, xL: 0, xR: 0 }, ({ node, depth, xL, xR }) => {
    const display = displayName(node.name);
    let idx = nameIndex.get(display);
    if (idx === undefined || depth === 0) {
      idx = depth === 0 ? 0 : names.length;
      if (depth > 0) {
        names.push(display);
        nameIndex.set(display, idx);
      }
    }
    const totalL = node.baseTotal ?? 0;
    const selfL = node.baseSelf ?? 0;
    rows[depth] ??= [];
    rows[depth].push(xL, totalL, selfL, xR, node.total, node.self, idx);
    maxSelf = Math.max(maxSelf, selfL, node.self);
    let cl = xL + selfL;
    let cr = xR + node.self;
    const children: Placed[] = [];
    for (const child of node.children) {
      if ((child.baseTotal ?? 0) === 0 && child.total === 0) continue;
      children.push({ node: child, depth: depth + 1, xL: cl, xR: cr });
      cl += child.baseTotal ?? 0;
      cr += child.total;
    }
    return children;
  });
  for (const row of rows) {
    let endL = 0;
    let endR = 0;
    for (let i = 0; i < row.length; i += 7) {
      const xL = row[i];
      const xR = row[i + 3];
      row[i] = xL - endL;
      row[i + 3] = xR - endR;
      endL = xL + row[i + 1];
      endR = xR + row[i + 4];
    }
  }
  const type = right.sampleTypes[0] ?? left.sampleTypes[0];
  const { units, sampleRate } = pyroscopeUnits(right, type);
  const leftTicks = root.baseTotal ?? 0;
  const rightTicks = root.total;
  return {
    version: 1,
    flamebearer: { names, levels: rows, numTicks: leftTicks + rightTicks, maxSelf },
    metadata: { format: 'double', units, sampleRate, spyName: '', name },
    leftTicks,
    rightTicks,
    timeline: null,
  };
}

/** identityNode is the call tree as flame nodes named by function identity, for matching. */
function identityNode(root: CallTreeNode, p: Profile): FlameNode {
  return mapTree<CallTreeNode, FlameNode>(
    root,
    (node) => node.children,
    (node) => {
      const fn = node.functionId > 0 ? p.functions[node.functionId - 1] : undefined;
      return {
        name: fn ? functionIdentity(fn.name, fn.filename) : node.name,
        total: node.total[0] ?? 0,
        self: node.self[0] ?? 0,
        children: [],
      };
    },
  );
}

/** displayName drops the location part of an identity: the flamebearer shows names. */
function displayName(identity: string): string {
  const cut = identity.indexOf('\u0000');
  return cut < 0 ? identity : identity.slice(0, cut);
}

function roundNode(root: FlameNode): FlameNode {
  return mapTree<FlameNode, FlameNode>(
    root,
    (n) => n.children,
    (n) => ({ name: n.name, total: Math.round(n.total), self: Math.round(n.self), children: [] }),
  );
}
