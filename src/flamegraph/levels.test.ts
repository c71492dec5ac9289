import assert from 'node:assert/strict';
import { test } from 'node:test';
import { profileFromFolded } from '../../test/profile-helpers.js';
import { buildCallTree } from '../model/tree.js';
import { diffFlameNodes, drawLevelsAscii, flameNodeFromCallTree, toLevels } from './levels.js';

const nodeOf = (lines: string[]) => flameNodeFromCallTree(buildCallTree(profileFromFolded(lines)).root, 0);

test('levels lay children out left to right under their parent', () => {
  const levels = toLevels(nodeOf(['main;parse;regex 4', 'main;parse 2', 'main;render 2']));
  assert.deepEqual(drawLevelsAscii(levels, 16), [
    '[root-----------',
    '[main-----------',
    '[parse------[ren',
    '[regex--',
  ]);
  assert.deepEqual(levels.levels[2], [0, 6, 2, 2, 6, 2, 2, 3]);
});

test('a node budget keeps the widest, shallowest frames', () => {
  const levels = toLevels(nodeOf(['a;b;c;d 1', 'a;e 9']), { maxNodes: 3 });
  assert.deepEqual(
    levels.levels.map((row) => row.length / 4),
    [1, 1, 1],
  );
});

test('diff levels keep removed frames visible and scale the base in relative mode', () => {
  const base = nodeOf(['main;old 5', 'main;work 5']);
  const head = nodeOf(['main;work 20']);
  const diff = toLevels(diffFlameNodes(base, head, 'relative'));
  assert.equal(diff.diff, true);
  // main: head 20, base 10 scaled x2 = 20; old only in base (10 scaled), work grew 10 -> 20.
  assert.deepEqual(diff.levels[2], [0, 0, 0, 2, 10, 10, 10, 20, 20, 3, 10, 10]);
  assert.deepEqual(drawLevelsAscii(diff, 20), [
    '[root---------------',
    '[main---------------',
    '[old-[work----------',
  ]);
});

test('a 100k-frame stack projects, diffs and lays out without overflowing the call stack', () => {
  const deep = Array.from({ length: 100_000 }, (_, i) => `f${i}`).join(';');
  const base = nodeOf([`${deep} 1`, 'main 1']);
  const head = nodeOf([`${deep};leaf 3`]);
  const diff = toLevels(diffFlameNodes(base, head, 'absolute'));
  assert.equal(diff.levels.length, 100_002);
  assert.deepEqual(diff.levels[100_001], [0, 3, 3, diff.names.indexOf('leaf'), 0, 0]);
});
