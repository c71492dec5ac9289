import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compare, comparisonNote, formatDelta, pctRange, summarize } from './benchmath.js';

// Expected strings are benchmath's sample_test.go.
test('pctRange prints the CI half-width as a percentage of the centre', () => {
  const inf = Number.POSITIVE_INFINITY;
  const check = (center: number, lo: number, hi: number, want: string) =>
    assert.equal(pctRange({ center, lo, hi }), want, `${center} [${lo}, ${hi}]`);
  check(1, 0.5, 1.1, '50%');
  check(1, 0.9, 1.5, '50%');
  check(1, 1, 1, '0%');
  check(-1, -0.5, -1.1, '50%');
  check(-1, -1, -1, '0%');
  check(1, -inf, 1, '∞');
  check(1, 1, inf, '∞');
  check(1, -1, 1, '?');
  check(-1, 1, -1, '?');
  check(0, -1, 1, '?');
  check(0, 0, 0, '0%');
});

test('comparisonNote and formatDelta', () => {
  assert.equal(comparisonNote({ p: 0.5, n1: 1, n2: 2 }), 'p=0.500 n=1+2');
  assert.equal(comparisonNote({ p: 0.5, n1: 2, n2: 2 }), 'p=0.500 n=2');
  assert.equal(comparisonNote({ p: 0, n1: 1, n2: 2 }), 'n=1+2');
  assert.equal(formatDelta({ p: 0.5, alpha: 0.05 }, 0, 0), '~');
  assert.equal(formatDelta({ p: 0.01, alpha: 0.05 }, 0, 0), '0.00%');
  assert.equal(formatDelta({ p: 0.01, alpha: 0.05 }, 0, 1), '?');
  assert.equal(formatDelta({ p: 0.01, alpha: 0.05 }, 1, 1.5), '+50.00%');
  assert.equal(formatDelta({ p: 0.01, alpha: 0.05 }, 1, 0.5), '-50.00%');
});

test('summarize warns about too few samples and inexact exact units', () => {
  assert.deepEqual(summarize([1, 2, 3], 'nothing', 0.95).warnings, [
    'need >= 6 samples for confidence interval at level 0.95',
  ]);
  assert.deepEqual(summarize([1, 2, 3, 4, 5, 6, 7], 'nothing', 0.95).warnings, []);
  const exact = summarize([100, 101, 101], 'exact', 0.95);
  assert.equal(exact.center, 101);
  assert.deepEqual(exact.warnings, ['exact distribution expected, but values range from 100 to 101']);
});

test('compare: too few samples, equal samples, exact units', () => {
  assert.deepEqual(compare([100], [101], 'nothing', 0.05).warnings, [
    'need >= 4 samples to detect a difference at alpha level 0.05',
  ]);
  const equal = compare([5, 5, 5], [5, 5, 5], 'nothing', 0.05);
  assert.equal(equal.p, 1);
  assert.ok(equal.warnings.includes('all samples are equal'));
  assert.equal(compare([1], [2], 'exact', 0.05).p, 0);
  const clear = compare([1, 2, 3, 4, 5, 6], [11, 12, 13, 14, 15, 16], 'nothing', 0.05);
  assert.ok(clear.p < 0.01);
  assert.deepEqual(clear.warnings, []);
});
