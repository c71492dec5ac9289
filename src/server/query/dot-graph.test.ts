import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from '@ts-graphviz/ast';
import { ProfileBuilder } from '../../model/builder.js';
import { profileToDot } from './dot-graph.js';

function profile(stacks: Array<[string[], number]>) {
  const b = new ProfileBuilder([{ type: 'cpu', unit: 'nanoseconds' }]);
  for (const [frames, value] of stacks) b.addStackRootFirst(frames, [value]);
  return b.build();
}

test('profileToDot: flat and cum per function, recursion counted once, calls as edges', () => {
  const dot = profileToDot(
    profile([
      [['main', 'walk', 'walk', 'visit'], 6],
      [['main', 'walk'], 4],
    ]),
  );
  assert.equal(parse(dot).type, 'Dot');
  assert.match(
    dot,
    /\[label="walk\\n4 \(40\.00%\)\\nof 10 \(100\.00%\)"/,
    'walk recursing is not counted twice',
  );
  assert.match(dot, /\[label="visit\\n6 \(60\.00%\)\\nof 6 \(60\.00%\)"/);
  const ids = Object.fromEntries(
    [...dot.matchAll(/^(N\d+) \[label="([^\\]+)\\n/gm)].map((m) => [m[2], m[1]]),
  );
  assert.match(dot, new RegExp(`${ids.main} -> ${ids.walk} \\[label=" 10"`));
  assert.match(dot, new RegExp(`${ids.walk} -> ${ids.walk} \\[label=" 6"`), 'a self call is an edge too');
});

test('profileToDot: maxNodes keeps the largest functions; names are escaped', () => {
  const dot = profileToDot(
    profile([
      [['main', 'C:\\app\\"quoted"'], 5],
      [['main', 'small'], 1],
    ]),
    { maxNodes: 2, title: 'a "title"' },
  );
  assert.equal(parse(dot).type, 'Dot', dot);
  assert.ok(!dot.includes('small'), 'the smallest function is left out');
  assert.ok(dot.includes('Showing 2 of 3 nodes'));
  assert.ok(dot.includes('C:\\\\app\\\\\\"quoted\\"'), dot);
});
