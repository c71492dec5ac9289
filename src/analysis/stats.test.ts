import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  choose,
  erfc,
  geomean,
  mannWhitneyU,
  median,
  medianWithCi,
  minSamplesForMedianCi,
  minSamplesForUTest,
  normalCdf,
  normalInvCdf,
  quantileCi,
  UTestError,
  uDistCdf,
  uTestMinP,
} from './stats.js';

const close = (got: number, want: number, tol = 1e-12) =>
  assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `got ${got}, want ${want}`);

// Expected values are go-moremath's utest_test.go (also checked against R's wilcox.test).
test('mannWhitneyU small samples without ties (exact distribution)', () => {
  const s1 = [2, 1, 3, 5];
  const s2 = [12, 11, 13, 15];
  const s3 = [0, 4, 6, 7];
  close(mannWhitneyU(s1, s2).p, 0.028571428571428577);
  close(mannWhitneyU(s2, s1).p, 0.028571428571428577);
  close(mannWhitneyU(s1, s3).p, 0.48571428571428577);
  assert.equal(mannWhitneyU(s1, s1).p, 1);
});

test('mannWhitneyU small samples with ties', () => {
  close(mannWhitneyU([2, 1, 3, 5], [2, 2, 2, 2]).p, 0.7142857142857143);
  // With ties the smallest reachable U can exceed the observed smaller U; the tail is empty.
  assert.equal(mannWhitneyU([2, 1, 3, 5], [1, 1, 1, 1, 1]).p, 0);
  assert.throws(() => mannWhitneyU([2, 2, 2, 2], [2, 2, 2, 2]), UTestError);
  assert.throws(() => mannWhitneyU([], [1]), UTestError);
});

test('mannWhitneyU large samples use the normal approximation', () => {
  const l1 = Array.from({ length: 500 }, (_, i) => i * 2);
  const l2 = Array.from({ length: 600 }, (_, i) => i * 2 - 41);
  const l3 = [...l2];
  for (let i = 0; i < 30; i++) l3[i] = l1[i];
  const r = mannWhitneyU(l1, l2);
  assert.equal(r.n1, 500);
  assert.equal(r.n2, 600);
  close(r.p, 0.0049335360814172224, 1e-9);
  close(mannWhitneyU(l1, l3).p, 0.0038703814239617884, 1e-9);
  close(mannWhitneyU(l1, l1).p, 1, 1e-12);
});

/** bruteCdf enumerates every split of the pooled values to get Pr[U1 <= u] by counting. */
function bruteCdf(x1: number[], x2: number[], u: number): number {
  const pooled = [...x1, ...x2];
  const n1 = x1.length;
  let hits = 0;
  let total = 0;
  const pick = (start: number, chosen: number[]) => {
    if (chosen.length === n1) {
      const a = chosen.map((i) => pooled[i]);
      const b = pooled.filter((_, i) => !chosen.includes(i));
      let u1 = 0;
      for (const x of a) for (const y of b) u1 += x > y ? 1 : x === y ? 0.5 : 0;
      total++;
      if (u1 <= u) hits++;
      return;
    }
    for (let i = start; i < pooled.length; i++) pick(i + 1, [...chosen, i]);
  };
  pick(0, []);
  return hits / total;
}

test('uDistCdf with ties equals brute-force enumeration', () => {
  const cases: [number[], number[]][] = [
    [
      [1, 2, 2, 3, 5],
      [2, 3, 3, 4, 6, 6],
    ],
    [
      [1, 1, 2],
      [1, 2, 2, 2],
    ],
    [
      [7, 8, 8, 8, 9, 10],
      [8, 9, 9, 11, 12, 12],
    ],
  ];
  for (const [a, b] of cases) {
    const sorted = [...a, ...b].sort((x, y) => x - y);
    const ties: number[] = [];
    for (let i = 0; i < sorted.length; ) {
      let j = i;
      while (j < sorted.length && sorted[j] === sorted[i]) j++;
      ties.push(j - i);
      i = j;
    }
    for (let u2 = 0; u2 <= 2 * a.length * b.length; u2++) {
      close(uDistCdf(a.length, b.length, ties, u2 / 2), bruteCdf(a, b, u2 / 2), 1e-12);
    }
  }
});

test('uDistCdf without ties equals brute-force enumeration', () => {
  const a = [1, 4, 5, 9];
  const b = [2, 3, 6, 7, 8];
  for (let u = 0; u <= 20; u++) close(uDistCdf(4, 5, undefined, u), bruteCdf(a, b, u), 1e-12);
});

test('uTestMinP and the sample sizes needed to reach alpha', () => {
  // benchmath's generated uTestMinP table
  const table = [
    1, 0.3333333333333333, 0.1, 0.02857142857142857, 0.007936507936507936, 0.0021645021645021645,
  ];
  for (const [i, p] of table.entries()) close(uTestMinP(i + 1), p, 1e-15);
  assert.deepEqual(minSamplesForUTest(0.05), { op: '>=', n: 4 });
  assert.deepEqual(minSamplesForUTest(0.01), { op: '>=', n: 5 });
  assert.deepEqual(minSamplesForUTest(1e-9), { op: '>', n: 10 });
});

test('median and its order-statistic confidence interval', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  // n=10 at 95%: the interval is the 2nd..9th order statistics (coverage 0.9785).
  const ci = quantileCi(10, 0.5, 0.95);
  assert.equal(ci.loOrder, 2);
  assert.equal(ci.hiOrder, 9);
  close(ci.confidence, 1 - 22 / 1024, 1e-12);
  const s = medianWithCi([10, 1, 9, 2, 8, 3, 7, 4, 6, 5], 0.95);
  assert.deepEqual([s.center, s.lo, s.hi], [5.5, 2, 9]);
  // Five values cannot bound the median at 95%; growth is left-biased, so the low side opens.
  const small = medianWithCi([1, 2, 3, 4, 5], 0.95);
  assert.equal(small.lo, Number.NEGATIVE_INFINITY);
  assert.equal(small.hi, 5);
  assert.deepEqual(minSamplesForMedianCi(0.95), { op: '>=', n: 6 });
  assert.deepEqual(minSamplesForMedianCi(0.99), { op: '>=', n: 8 });
});

test('quantileCi normal approximation above 30 samples stays near the exact answer', () => {
  for (const n of [31, 50, 100]) {
    const ci = quantileCi(n, 0.5, 0.95);
    assert.ok(ci.confidence >= 0.95 - 1e-9, `n=${n} coverage ${ci.confidence}`);
    assert.ok(ci.loOrder >= 1 && ci.hiOrder <= n);
    // symmetric around the middle, possibly left-biased by one
    assert.ok(Math.abs(ci.loOrder + ci.hiOrder - (n + 1)) <= 1, `n=${n}: ${ci.loOrder}..${ci.hiOrder}`);
  }
});

test('normal distribution helpers', () => {
  close(erfc(0), 1, 1e-15);
  close(erfc(1), 0.15729920705028513, 1e-13);
  close(erfc(3.5), 7.430983723414128e-7, 1e-10);
  close(erfc(-1), 1.8427007929497148, 1e-13);
  close(normalCdf(1.959963984540054), 0.975, 1e-12);
  close(normalInvCdf(0.975), 1.959963984540054, 1e-9);
  close(normalInvCdf(0.5, 10, 2), 10, 1e-9);
});

test('geomean and choose', () => {
  close(geomean([1, 10, 100]), 10);
  assert.ok(Number.isNaN(geomean([1, 0])));
  assert.ok(Number.isNaN(geomean([])));
  assert.equal(choose(50, 25), 126410606437752);
  assert.equal(choose(5, 7), 0);
});
