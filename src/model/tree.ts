import type { Profile } from './profile.js';
import { checkDeadline } from './work-deadline.js';

/**
 * CallTreeNode is one node of the call tree: a function reached by one path from the root.
 * `self` and `total` hold one value per sample type.
 */
export interface CallTreeNode {
  /** functionId is 0 for the synthetic root. */
  functionId: number;
  name: string;
  self: number[];
  total: number[];
  children: CallTreeNode[];
  parent?: CallTreeNode;
}

/** CallTree is the root plus the function table it points into. */
export interface CallTree {
  root: CallTreeNode;
  sampleTypes: Profile['sampleTypes'];
}

/**
 * buildCallTree folds every sample into a tree keyed by function (inlined frames expand into
 * their own nodes, callee below caller). Children are sorted by name so output is stable.
 */
export function buildCallTree(profile: Profile): CallTree {
  const width = profile.sampleTypes.length;
  const root = newNode(0, 'root', width);
  const childIndex = new Map<CallTreeNode, Map<number, CallTreeNode>>();
  const functionIds: number[] = [];

  for (const sample of profile.samples) {
    checkDeadline();
    functionIds.length = 0;
    for (let i = sample.locationIds.length - 1; i >= 0; i--) {
      const loc = profile.locations[sample.locationIds[i] - 1];
      for (let j = loc.lines.length - 1; j >= 0; j--) functionIds.push(loc.lines[j].functionId);
      if (loc.lines.length === 0) functionIds.push(-loc.id);
    }
    let node = root;
    addValues(node.total, sample.values);
    for (const fnId of functionIds) {
      let index = childIndex.get(node);
      if (!index) {
        index = new Map();
        childIndex.set(node, index);
      }
      let child = index.get(fnId);
      if (!child) {
        child = newNode(fnId, nodeName(profile, fnId), width);
        child.parent = node;
        index.set(fnId, child);
        node.children.push(child);
      }
      node = child;
      addValues(node.total, sample.values);
    }
    addValues(node.self, sample.values);
  }
  sortChildren(root);
  return { root, sampleTypes: profile.sampleTypes };
}

function nodeName(profile: Profile, fnId: number): string {
  if (fnId > 0) return profile.functions[fnId - 1].name;
  const loc = profile.locations[-fnId - 1];
  return loc.address ? `0x${loc.address.toString(16)}` : '<unknown>';
}

function newNode(functionId: number, name: string, width: number): CallTreeNode {
  return { functionId, name, self: new Array(width).fill(0), total: new Array(width).fill(0), children: [] };
}

function addValues(into: number[], values: number[]): void {
  for (let i = 0; i < values.length; i++) into[i] += values[i];
}

function sortChildren(node: CallTreeNode): void {
  const stack = [node];
  while (stack.length > 0) {
    const n = stack.pop() as CallTreeNode;
    checkDeadline();
    n.children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const c of n.children) stack.push(c);
  }
}

/** pathOf returns the node's function names from the root's child down to the node. */
export function pathOf(node: CallTreeNode): string[] {
  const names: string[] = [];
  for (let n: CallTreeNode | undefined = node; n?.parent; n = n.parent) names.push(n.name);
  return names.reverse();
}

/** walkTree visits every node depth-first, parents before children. */
export function walkTree(root: CallTreeNode, visit: (node: CallTreeNode, depth: number) => void): void {
  const stack: Array<[CallTreeNode, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [CallTreeNode, number];
    visit(node, depth);
    for (let i = node.children.length - 1; i >= 0; i--) stack.push([node.children[i], depth + 1]);
  }
}
