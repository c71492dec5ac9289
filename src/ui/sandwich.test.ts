import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drawLevelsAscii, type FlameNode, toLevels } from '../flamegraph/levels.js';
import { levelsToTree, sandwichTrees } from './sandwich.js';

const n = (name: string, self: number, children: FlameNode[] = []): FlameNode => ({
  name,
  self,
  total: self + children.reduce((s, c) => s + c.total, 0),
  children,
});

// total -> main -> {parse -> hash, serve -> hash -> hash (recursion), idle}
const tree = n('total', 0, [
  n('main', 0, [n('parse', 2, [n('hash', 2)]), n('serve', 0, [n('hash', 1, [n('hash', 1)])]), n('idle', 2)]),
]);

test('levelsToTree rebuilds the tree the levels were laid out from', () => {
  const levels = toLevels(tree);
  assert.deepEqual(drawLevelsAscii(toLevels(levelsToTree(levels)), 20), drawLevelsAscii(levels, 20));
});

test('sandwich of hash: callers from hash up (each path its own branch), callees merged, recursion counted once', () => {
  const { callers, callees } = sandwichTrees(levelsToTree(toLevels(tree)), 'hash');
  assert.equal(callers.total, 4);
  assert.deepEqual(drawLevelsAscii(toLevels(callers), 16), [
    '[hash-----------',
    '[parse--[serve--',
    '[main---[main---',
  ]);
  assert.deepEqual(drawLevelsAscii(toLevels(callees), 16), ['[hash-----------', '[has']);
});
