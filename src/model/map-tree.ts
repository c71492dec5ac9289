import { checkDeadline } from './work-deadline.js';

/**
 * mapTree copies a tree into another node type without recursion, so a stack of any depth (a
 * 100k-frame profile) cannot overflow the JavaScript call stack. `make` builds a node with an
 * empty `children` list; children keep their order, and those `keep` rejects are left out with
 * their whole subtree.
 */
export function mapTree<S, T extends { children: T[] }>(
  root: S,
  childrenOf: (node: S) => readonly S[],
  make: (node: S) => T,
  keep: (node: S) => boolean = () => true,
): T {
  const out = make(root);
  const stack: Array<[S, T]> = [[root, out]];
  while (stack.length > 0) {
    const [source, target] = stack.pop() as [S, T];
    checkDeadline();
    for (const child of childrenOf(source)) {
      if (!keep(child)) continue;
      const copy = make(child);
      target.children.push(copy);
      stack.push([child, copy]);
    }
  }
  return out;
}

/**
 * walkPreOrder visits a tree depth-first, a node before its children and children in order, as
 * a recursive walk would, but with an explicit stack. `visit` returns the node's children to
 * descend into, each with the state it needs (a depth, an offset), so layouts that pass values
 * from parent to child stay iterative.
 */
export function walkPreOrder<N>(root: N, visit: (node: N) => readonly N[]): void {
  const stack: N[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as N;
    checkDeadline();
    const children = visit(node);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
}
