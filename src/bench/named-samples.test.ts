import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FormatError } from '../errors.js';
import { importFromNamedSamples, isNamedSamplesJson } from './named-samples.js';

test('named samples default to seconds per operation', () => {
  const rs = importFromNamedSamples({ parse: [0.5, 0.25], render: [1] }, 's.json', 's');
  assert.deepEqual(
    rs.map((r) => [r.name, r.values[0].value, r.values[0].unit]),
    [
      ['parse', 0.5, 'sec/op'],
      ['parse', 0.25, 'sec/op'],
      ['render', 1, 'sec/op'],
    ],
  );
});

test('a "unit" member applies to every list and is tidied', () => {
  const [r] = importFromNamedSamples({ unit: 'ns/op', parse: [1500] }, 's.json', 's');
  assert.deepEqual(r.values, [{ value: 1.5e-6, unit: 'sec/op', origValue: 1500, origUnit: 'ns/op' }]);
});

test('anything else is a format error', () => {
  assert.equal(isNamedSamplesJson([1, 2]), false);
  assert.equal(isNamedSamplesJson({ parse: 'fast' }), false);
  assert.throws(() => importFromNamedSamples({ parse: [1, 'x'] }, 's.json', 's'), FormatError);
  assert.throws(() => importFromNamedSamples({ parse: [Number.NaN] }, 's.json', 's'), /finite/);
});
