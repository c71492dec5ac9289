import assert from 'node:assert/strict';
import { test } from 'node:test';
import { profileToFlamebearer } from '../../formats/flamebearer.js';
import { ProfileBuilder } from '../../model/builder.js';
import { decodeTree } from '../ingest/tree-format.js';
import { parseSelector, SelectorSyntaxError } from '../store/label-matchers.js';
import { flamebearerToTreeBytes } from './tree-bytes.js';

function stacksOf(bytes: Uint8Array): Record<string, number> {
  const { stacks, values } = decodeTree(bytes);
  return Object.fromEntries(stacks.map((s, i) => [s.join(';'), values[i]]));
}

test('flamebearerToTreeBytes: every stack and self value comes back through the tree reader', () => {
  const b = new ProfileBuilder([{ type: 'samples', unit: 'count' }]);
  b.addStackRootFirst(['main', 'a', 'b'], [3]);
  b.addStackRootFirst(['main', 'a'], [2]);
  b.addStackRootFirst(['main', 'c'], [5]);
  b.addStackRootFirst(['other-root'], [1]);
  const bytes = flamebearerToTreeBytes(profileToFlamebearer(b.build(), 0));
  assert.deepEqual(stacksOf(bytes), { 'main;a;b': 3, 'main;a': 2, 'main;c': 5, 'other-root': 1 });
});

test('flamebearerToTreeBytes: max_nodes folds small children into "other", totals kept', () => {
  const b = new ProfileBuilder([{ type: 'samples', unit: 'count' }]);
  for (let i = 1; i <= 20; i++) b.addStackRootFirst(['main', `f${i}`], [i]);
  const stacks = stacksOf(flamebearerToTreeBytes(profileToFlamebearer(b.build(), 0, 5)));
  // Five nodes: the root, main, f20, f19 and f18.
  assert.ok(stacks['main;f20'] === 20 && stacks['main;f18'] === 18, JSON.stringify(stacks));
  assert.equal(stacks['main;f17'], undefined);
  assert.equal(stacks['main;other'], (17 * 18) / 2, 'f1..f17 fold into other');
  assert.equal(
    Object.values(stacks).reduce((s, v) => s + v, 0),
    210,
  );
});

test('parseSelector with quotedValues refuses bare values (the querier.v1 syntax)', () => {
  assert.throws(() => parseSelector('{service_name=}', { quotedValues: true }), SelectorSyntaxError);
  assert.throws(() => parseSelector('{service_name=x}', { quotedValues: true }), SelectorSyntaxError);
  assert.deepEqual(parseSelector('{service_name="x"}', { quotedValues: true }).matchers, [
    { name: 'service_name', op: '=', value: 'x' },
  ]);
  assert.equal(parseSelector('{service_name=x}').matchers[0].value, 'x', 'legacy bare values still read');
});
