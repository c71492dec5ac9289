import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareBenchmarks } from './compare.js';

const base = [1726, 1723, 1707, 1707, 1713, 1729, 1736, 1707, 1705, 1774].map((x) => x * 1e-9);
const head = [1423, 1416, 1411, 1413, 1412, 1426, 1422, 1424, 1447, 1425].map((x) => x * 1e-9);

test('compareBenchmarks reports medians, CIs, delta, p and significance', () => {
  const { rows, onlyInBase, onlyInHead } = compareBenchmarks(
    { json: { unit: 'sec/op', values: base }, gone: { unit: 'sec/op', values: [1] } },
    new Map([
      ['json', { unit: 'sec/op', values: head }],
      ['new', { unit: 'sec/op', values: [2] }],
    ]),
  );
  assert.deepEqual(onlyInBase, ['gone']);
  assert.deepEqual(onlyInHead, ['new']);
  const [r] = rows;
  // The same numbers benchstat prints for old.txt vs new.txt: 1.718µ ± 1% -> 1.423µ ± 1%, -17.20%.
  assert.ok(Math.abs(r.base.center - 1718e-9) < 1e-18);
  assert.equal(r.base.ciPercent, '1%');
  assert.equal(r.head.ciPercent, '1%');
  assert.equal(r.deltaPercent?.toFixed(2), '-17.20');
  assert.ok(r.p < 0.001);
  assert.equal(r.significant, true);
  assert.equal(r.note, 'p=0.000 n=10');
});

test('no significant change and small-sample warnings', () => {
  const { rows } = compareBenchmarks(
    { x: { unit: 'sec/op', values: [100] } },
    { x: { unit: 'sec/op', values: [101] } },
  );
  assert.equal(rows[0].significant, false);
  assert.equal(rows[0].p, 1);
  assert.deepEqual(rows[0].warnings, [
    'need >= 6 samples for confidence interval at level 0.95',
    'need >= 4 samples to detect a difference at alpha level 0.05',
  ]);
  assert.equal(rows[0].base.lo, null);
});

test('alpha is configurable and mismatched units are refused', () => {
  const a = [10, 11, 12, 13, 14, 15];
  const b = [12, 13, 14, 15, 16, 17];
  const loose = compareBenchmarks(
    { x: { unit: 'u', values: a } },
    { x: { unit: 'u', values: b } },
    { alpha: 0.5 },
  );
  const strict = compareBenchmarks(
    { x: { unit: 'u', values: a } },
    { x: { unit: 'u', values: b } },
    { alpha: 0.01 },
  );
  assert.equal(loose.rows[0].significant, true);
  assert.equal(strict.rows[0].significant, false);
  assert.throws(
    () => compareBenchmarks({ x: { unit: 'a', values: a } }, { x: { unit: 'b', values: b } }),
    /unit/,
  );
});
