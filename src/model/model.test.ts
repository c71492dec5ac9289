import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foldedOf, profileFromFolded } from '../../test/profile-helpers.js';
import { filterProfile, parseLabelMatcher } from './filter.js';
import { mergeProfiles } from './merge.js';
import { compactProfile, pruneProfile } from './prune.js';
import { scaleProfile } from './scale.js';
import { buildCallTree, pathOf, walkTree } from './tree.js';

const cpu = [{ type: 'cpu', unit: 'nanoseconds' }];
const alloc = [{ type: 'alloc_space', unit: 'bytes' }];

test('merge sums equal stacks and aligns sample types', () => {
  const a = profileFromFolded(['main;work 10', 'main;idle 5'], cpu);
  const b = profileFromFolded(['main;work 7', 'main;alloc 100'], alloc);
  const c = profileFromFolded(['main;work 1'], cpu);
  const merged = mergeProfiles([a, b, c]);
  assert.deepEqual(merged.sampleTypes, [...cpu, ...alloc]);
  assert.deepEqual(foldedOf(merged, 0), ['main;idle 5', 'main;work 11']);
  assert.deepEqual(foldedOf(merged, 1), ['main;alloc 100', 'main;work 7']);
  // functions are interned once across inputs
  assert.equal(merged.functions.filter((f) => f.name === 'main').length, 1);
  for (const [i, f] of merged.functions.entries()) assert.equal(f.id, i + 1);
});

test('merge keeps samples with different labels apart', () => {
  const a = profileFromFolded(['main;work{pid=1} 3', 'main;work{pid=2} 4', 'main;work{pid=1} 1']);
  const merged = mergeProfiles([a]);
  assert.equal(merged.samples.length, 2);
  const byPid = Object.fromEntries(merged.samples.map((s) => [s.labels?.[0].str, s.values[0]]));
  assert.deepEqual(byPid, { '1': 4, '2': 4 });
});

test('diff by reuse: head merged with base scaled by -1', () => {
  const base = profileFromFolded(['main;a 10', 'main;b 10']);
  const head = profileFromFolded(['main;a 10', 'main;b 25']);
  const diff = mergeProfiles([head, scaleProfile(base, -1)]);
  assert.deepEqual(foldedOf(diff), ['main;b 15']);
});

test('focus, ignore, hide and show follow pprof semantics', () => {
  const p = profileFromFolded(['main;parse;regex 5', 'main;render 3', 'main;parse;json 2']);
  assert.deepEqual(foldedOf(filterProfile(p, { focus: /parse/ })), [
    'main;parse;json 2',
    'main;parse;regex 5',
  ]);
  assert.deepEqual(foldedOf(filterProfile(p, { ignore: /regex/ })), ['main;parse;json 2', 'main;render 3']);
  assert.deepEqual(foldedOf(filterProfile(p, { hide: /^parse$/ })), [
    'main;json 2',
    'main;regex 5',
    'main;render 3',
  ]);
  assert.deepEqual(foldedOf(filterProfile(p, { show: /^(main|render)$/ })), ['main 7', 'main;render 3']);
});

test('tag focus matches labels by key and value', () => {
  const p = profileFromFolded(['main;a{thread=worker-1} 5', 'main;b{thread=io} 3']);
  assert.deepEqual(foldedOf(filterProfile(p, { tagFocus: parseLabelMatcher('thread=^worker') })), [
    'main;a 5',
  ]);
  assert.deepEqual(foldedOf(filterProfile(p, { tagIgnore: parseLabelMatcher('io') })), ['main;a 5']);
});

test('prune drops the first matching frame from the root and its callees', () => {
  const p = profileFromFolded(['main;handler;malloc;mmap 4', 'main;handler;work 6']);
  assert.deepEqual(foldedOf(pruneProfile(p, /^malloc$/)), ['main;handler 4', 'main;handler;work 6']);
});

test('compact removes unreferenced tables and keeps stacks', () => {
  const p = filterProfile(profileFromFolded(['main;a;b 1', 'other;c 2', 'main;d 3']), { focus: /^main$/ });
  const compact = compactProfile(p);
  assert.deepEqual(foldedOf(compact), foldedOf(p));
  assert.deepEqual(compact.functions.map((f) => f.name).sort(), ['a', 'b', 'd', 'main']);
});

test('call tree: self and total per node', () => {
  const p = profileFromFolded(['main;a;b 3', 'main;a 2', 'main;c 5']);
  const tree = buildCallTree(p);
  const rows: string[] = [];
  walkTree(tree.root, (n, depth) =>
    rows.push(`${'  '.repeat(depth)}${n.name} self=${n.self[0]} total=${n.total[0]}`),
  );
  assert.deepEqual(rows, [
    'root self=0 total=10',
    '  main self=0 total=10',
    '    a self=2 total=5',
    '      b self=3 total=3',
    '    c self=5 total=5',
  ]);
  const b = tree.root.children[0].children[0].children[0];
  assert.deepEqual(pathOf(b), ['main', 'a', 'b']);
});
