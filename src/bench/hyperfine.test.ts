import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FormatError } from '../errors.js';
import { importFromHyperfine, isHyperfineJson } from './hyperfine.js';

const doc = {
  results: [
    { command: 'sleep 0.1', mean: 0.105, times: [0.104, 0.106, 0.105] },
    { command: 'sleep 0.2', mean: 0.2, times: [0.2] },
  ],
};

test('hyperfine exports become one sec/op measurement per run', () => {
  assert.ok(isHyperfineJson(doc));
  const rs = importFromHyperfine(doc, 'h.json', 'before');
  assert.equal(rs.length, 4);
  assert.deepEqual(rs[0].values, [{ value: 0.104, unit: 'sec/op' }]);
  assert.equal(rs[3].name, 'sleep 0.2');
  assert.deepEqual(rs[0].config, [{ key: '.file', value: 'before', file: false }]);
});

test('hyperfine exports without times or with bad values are format errors', () => {
  assert.equal(isHyperfineJson({ parse: [1, 2] }), false);
  assert.throws(
    () => importFromHyperfine({ results: [{ command: 'x', mean: 1 }] }, 'h.json', 'h'),
    FormatError,
  );
  assert.throws(
    () => importFromHyperfine({ results: [{ command: 'x', times: ['1'] }] }, 'h.json', 'h'),
    /numbers/,
  );
  assert.throws(
    () => importFromHyperfine({ results: [{ command: '', times: [1] }] }, 'h.json', 'h'),
    /command/,
  );
});
