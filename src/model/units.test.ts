import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatAuto,
  formatFixed,
  formatGeneral2,
  formatPercentage,
  formatScaled,
  scaleValue,
  selectOutputUnit,
} from './units.js';

test('scaleValue converts within a family and accepts plural and capitalised unit names', () => {
  assert.deepEqual(scaleValue(1, 's', 'ms'), { value: 1000, unit: 'ms' });
  assert.deepEqual(scaleValue(1, 'kb', 'b'), { value: 1024, unit: 'B' });
  assert.deepEqual(scaleValue(2048, 'mb', 'auto'), { value: 2, unit: 'GB' });
  assert.deepEqual(scaleValue(1500, 'Nanoseconds', 'auto'), { value: 1.5, unit: 'us' });
  assert.deepEqual(scaleValue(-1, 's', 'ms'), { value: -1000, unit: 'ms' });
  assert.deepEqual(scaleValue(7200e9, 'nanoseconds', 'auto'), { value: 2, unit: 'hrs' });
});

test('scaleValue leaves unknown units alone, printing no suffix for counts', () => {
  assert.deepEqual(scaleValue(2000, 'count', 'auto'), { value: 2000, unit: '' });
  assert.deepEqual(scaleValue(2000, 'count', 'count'), { value: 2000, unit: '' });
  assert.deepEqual(scaleValue(1, 'foo', 'bar'), { value: 1, unit: 'bar' });
});

test('scaleValue falls back to the family default for a target of another family', () => {
  assert.deepEqual(scaleValue(3e9, 'nanoseconds', 'bytes'), { value: 3, unit: 's' });
});

test('formatScaled prints two decimals, drops .00 and prints bare 0', () => {
  assert.equal(formatScaled(10_000_000, 'nanoseconds', 'ms'), '10ms');
  assert.equal(formatScaled(1_500_000_000, 'nanoseconds', 's'), '1.50s');
  assert.equal(formatScaled(1_289_748, 'bytes', 'MB'), '1.23MB');
  assert.equal(formatScaled(0, 'nanoseconds', 's'), '0');
  assert.equal(formatScaled(1_000_000, 'nanoseconds', 's'), '0');
  assert.equal(formatScaled(7, 'count', 'count'), '7');
  assert.equal(formatAuto(2e9, 'nanoseconds'), '2s');
  assert.equal(formatAuto(240_360_000_000, 'nanoseconds'), '240.36s');
});

test('formatPercentage matches pprof for every magnitude', () => {
  assert.equal(formatPercentage(100, 100), '  100%');
  assert.equal(formatPercentage(9996, 10000), '  100%');
  assert.equal(formatPercentage(7273, 10000), '72.73%');
  assert.equal(formatPercentage(56, 10000), ' 0.56%');
  assert.equal(formatPercentage(4, 1000), '  0.4%');
  assert.equal(formatPercentage(7, 24029), '0.029%');
  assert.equal(formatPercentage(2, 24029), '0.0083%');
  assert.equal(formatPercentage(0, 5), '    0%');
  assert.equal(formatPercentage(5, 0), '    0%');
  assert.equal(formatPercentage(1, 1_000_000), '0.0001%');
  assert.equal(formatPercentage(1, 100_000_000), '1e-06%');
});

test('formatFixed rounds exact ties to even like Go, others to nearest', () => {
  assert.equal(formatFixed(0.125, 2), '0.12');
  assert.equal(formatFixed(0.375, 2), '0.38');
  assert.equal(formatFixed(2.5, 0), '2');
  assert.equal(formatFixed(1.005, 2), '1.00'); // 1.005 is below the tie in binary
  assert.equal(formatFixed(-0.125, 2), '-0.12');
});

test('formatGeneral2 is %.2g', () => {
  assert.equal(formatGeneral2(0.4), '0.4');
  assert.equal(formatGeneral2(0.02916), '0.029');
  assert.equal(formatGeneral2(0.00005), '5e-05');
  assert.equal(formatGeneral2(0.99), '0.99');
  assert.equal(formatGeneral2(0.999), '1');
});

test('selectOutputUnit widens the unit when the largest value dwarfs the smallest', () => {
  // 10ms next to 240s: seconds, so 10ms prints as 0.01s.
  assert.equal(selectOutputUnit(10e6, 240e9, 'nanoseconds'), 's');
  // 10ms next to 500ms: not 100x apart, keep ms.
  assert.equal(selectOutputUnit(10e6, 500e6, 'nanoseconds'), 'ms');
  assert.equal(selectOutputUnit(0, 2048, 'bytes'), 'kB');
  assert.equal(selectOutputUnit(3, 400, 'count'), 'count');
});
