import assert from 'node:assert/strict';
import { test } from 'node:test';
import { corporaSkipReason, corpusPath } from '../../test/corpora.js';
import { profileFromFolded } from '../../test/profile-helpers.js';
import { importMergedProfile } from '../formats/index.js';
import type { Profile } from '../model/profile.js';
import { buildCallTree } from '../model/tree.js';
import { drawLevelsAscii, flameNodeFromCallTree, toLevels } from './levels.js';
import { profileLevels } from './profile-levels.js';

/** viaTrees is the reference: the two-tree pipeline profileLevels replaces. */
const viaTrees = (p: Profile, typeIndex = 0, maxNodes?: number) => {
  const root = flameNodeFromCallTree(buildCallTree(p).root, typeIndex);
  root.name = 'total';
  return toLevels(root, { maxNodes });
};

test('levels come straight from the samples, children sorted by name', () => {
  const p = profileFromFolded(['main;render 2', 'main;parse;regex 4', 'main;parse 2']);
  const { levels, nodes } = profileLevels(p, { rootName: 'total' });
  assert.deepEqual(drawLevelsAscii(levels, 16), [
    '[total----------',
    '[main-----------',
    '[parse------[ren',
    '[regex--',
  ]);
  assert.equal(nodes, 5);
  assert.deepEqual(levels, viaTrees(p));
});

test('zero-total subtrees vanish, the budget keeps wide frames, negative values still add up', () => {
  const p = profileFromFolded(
    ['a;b;c 0 1', 'a;e 4 1', 'f;g 4 1'],
    [
      { type: 'x', unit: 'count' },
      { type: 'y', unit: 'count' },
    ],
  );
  const { levels, nodes } = profileLevels(p, { rootName: 'total' });
  assert.deepEqual(drawLevelsAscii(levels, 8), ['[total--', '[a--[f--', '[e--[g--']);
  // root, a, e, f, g: b and c have no value of type x.
  assert.equal(nodes, 5);
  assert.deepEqual(levels, viaTrees(p));
  const y = profileLevels(p, { typeIndex: 1, rootName: 'total' }).levels;
  assert.deepEqual(drawLevelsAscii(y, 6), ['[total', '[a--[f', '[b[e[g', '[c']);
  assert.deepEqual(y, viaTrees(p, 1));
  const budget = profileLevels(p, { rootName: 'total', maxNodes: 3 }).levels;
  assert.deepEqual(drawLevelsAscii(budget, 8), ['[total--', '[a--[f--']);
  assert.deepEqual(budget, viaTrees(p, 0, 3));
  // A negative subtree (a diff's leftovers) is counted, not drawn, and shifts its later siblings.
  const negative = profileFromFolded(['a;d -2', 'a;e 6', 'f 4']);
  assert.equal(profileLevels(negative).nodes, 5);
  assert.deepEqual(profileLevels(negative, { rootName: 'total' }).levels, viaTrees(negative));
});

test('a function named like the root shares its name entry, as toLevels does', () => {
  const p = profileFromFolded(['total;x 1', 'y;total 1']);
  const { levels } = profileLevels(p, { rootName: 'total' });
  assert.deepEqual(levels, viaTrees(p));
  assert.deepEqual(levels.names, ['total', 'y', 'x']);
});

const CORPUS = [
  'pprof/internal/proftest/testdata/large.cpu',
  'pyroscope-AGPL/pkg/og/convert/pprof/testdata/dotnet-pprof-73.pb.gz',
  'pyroscope-AGPL/pkg/og/convert/pprof/testdata/heap.pb.gz',
  'pyroscope-AGPL/pkg/og/convert/pprof/testdata/cpu-js.pb.gz',
  'speedscope/sample/profiles/Chrome/65/sucrase.cpuprofile',
  'flamegraph/example-perf-stacks.txt.gz',
];

test('equals the tree pipeline on real profiles, every sample type, with and without a budget', async (t) => {
  for (const file of CORPUS) {
    await t.test(file, (tt) => {
      const skip = corporaSkipReason(file.split('/')[0]);
      if (skip) return tt.skip(skip);
      const p = importMergedProfile(corpusPath(file));
      for (let typeIndex = 0; typeIndex < p.sampleTypes.length; typeIndex++) {
        const { levels, nodes } = profileLevels(p, { typeIndex, rootName: 'total' });
        assert.deepEqual(levels, viaTrees(p, typeIndex), `type ${typeIndex}`);
        assert.ok(nodes >= 1);
        const budget = Math.max(1, Math.floor(nodes / 3));
        assert.deepEqual(
          profileLevels(p, { typeIndex, rootName: 'total', maxNodes: budget }).levels,
          viaTrees(p, typeIndex, budget),
          `type ${typeIndex}, budget ${budget}`,
        );
      }
    });
  }
});
