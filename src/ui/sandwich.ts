import type { FlameLevels, FlameNode } from '../flamegraph/levels.js';

/**
 * The sandwich view of one function: its callers above (every path that reaches it, merged and
 * drawn upwards) and its callees below (everything under it, merged), as Pyroscope and speedscope
 * show it. Pure transforms from the FlameLevels the page already has, so switching functions needs
 * no request; embedded in the page with Function.prototype.toString.
 */

/** levelsToTree rebuilds the tree from levels: a child lies inside its parent's span one row up. */
export function levelsToTree(levels: FlameLevels): FlameNode {
  const stride = levels.diff ? 6 : 4;
  let parents: Array<{ node: FlameNode; start: number; end: number }> = [];
  let root: FlameNode | undefined;
  for (const row of levels.levels) {
    const current: typeof parents = [];
    let p = 0;
    for (let i = 0; i < row.length; i += stride) {
      const node: FlameNode = {
        name: levels.names[row[i + 3]],
        total: row[i + 1],
        self: row[i + 2],
        children: [],
      };
      const start = row[i];
      const end = start + (levels.diff ? row[i + 1] + row[i + 4] : row[i + 1]);
      current.push({ node, start, end });
      if (!root) {
        root = node;
        continue;
      }
      // Both rows are sorted by start, so one forward pointer finds each parent.
      while (p < parents.length && parents[p].end <= start) p++;
      if (p < parents.length) parents[p].node.children.push(node);
    }
    parents = current;
  }
  return root ?? { name: 'total', total: 0, self: 0, children: [] };
}

/**
 * sandwichTrees returns the callers tree (rooted at `name`, children are its callers) and the
 * callees tree (rooted at `name`). Only outermost occurrences count, so recursion is not doubled.
 */
export function sandwichTrees(root: FlameNode, name: string): { callers: FlameNode; callees: FlameNode } {
  const callers: FlameNode = { name, total: 0, self: 0, children: [] };
  const callees: FlameNode = { name, total: 0, self: 0, children: [] };
  const addInto = (into: FlameNode, from: FlameNode) => {
    into.total += from.total;
    into.self += from.self;
    for (const c of from.children) {
      let child = into.children.find((x) => x.name === c.name);
      if (!child) {
        child = { name: c.name, total: 0, self: 0, children: [] };
        into.children.push(child);
      }
      addInto(child, c);
    }
  };
  const walk = (node: FlameNode, path: FlameNode[]) => {
    if (node.name === name) {
      addInto(callees, node);
      callers.total += node.total;
      callers.self += node.self;
      let at = callers;
      // path[0] is the synthetic root, which is no caller.
      for (let k = path.length - 1; k >= 1; k--) {
        let child = at.children.find((x) => x.name === path[k].name);
        if (!child) {
          child = { name: path[k].name, total: 0, self: 0, children: [] };
          at.children.push(child);
        }
        child.total += node.total;
        // The outermost caller (the root) has the function's time as its own in this view.
        if (k === 1) child.self += node.total;
        at = child;
      }
      return;
    }
    path.push(node);
    for (const c of node.children) walk(c, path);
    path.pop();
  };
  walk(root, []);
  const sortTree = (n: FlameNode) => {
    n.children.sort((a, b) => b.total - a.total || a.name.localeCompare(b.name));
    n.children.forEach(sortTree);
  };
  sortTree(callers);
  sortTree(callees);
  return { callers, callees };
}
