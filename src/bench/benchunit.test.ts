import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classOf, formatFixed, formatGoFloat, scale, tidy, tidyUnit } from './benchunit.js';

/** below returns the next double toward zero, to probe each threshold from underneath. */
function below(x: number): number {
  const buf = new Float64Array([x]);
  new BigInt64Array(buf.buffer)[0] -= 1n;
  return buf[0];
}

// Expected strings are benchunit's scale_test.go.
test('scale picks SI prefixes with at least three significant digits', () => {
  const cases: [number, string, string][] = [
    [0, '0.000', '0.000'],
    [1, '1.000', '1.000'],
    [9999500000000000, '9999.5T', '9999.5T'],
    [999950000000000, '1000.0T', '999.9T'],
    [99995000000000, '100.0T', '99.99T'],
    [9999500, '10.00M', '9.999M'],
    [999.95, '1.000k', '999.9'],
    [99.995, '100.0', '99.99'],
    [0.99995, '1.000', '999.9m'],
    [0.000099995, '100.0µ', '99.99µ'],
    [0.00000000099995, '1.000n', '0.9999n'],
    [0.0000000000099995, '0.01000n', '0.009999n'],
    [-99995000000000, '-100.0T', '-99.99T'],
  ];
  for (const [x, want, wantBelow] of cases) {
    assert.equal(scale(x, 'decimal'), want, `${x}`);
    if (x !== 0) assert.equal(scale(below(x), 'decimal'), wantBelow, `${x}-ε`);
  }
});

test('scale picks IEC prefixes for bytes and stops at plain bytes', () => {
  const cases: [number, string, string][] = [
    [0.99995 * 2 ** 50, '1023.9Ti', '1023.9Ti'],
    [99.995 * 2 ** 30, '100.0Gi', '99.99Gi'],
    [0.99995 * 2 ** 10, '1.000Ki', '1023.9'],
    [0.099995, '0.1000', '0.09999'],
    [0.00000000005, '0.0000000001', '0.0000000000'],
  ];
  for (const [x, want, wantBelow] of cases) {
    assert.equal(scale(x, 'binary'), want, `${x}`);
    assert.equal(scale(below(x), 'binary'), wantBelow, `${x}-ε`);
  }
});

test('tidy rewrites ns and MB in numerators only', () => {
  assert.deepEqual(tidyUnit('ns/op'), { unit: 'sec/op', factor: 1e-9 });
  assert.deepEqual(tidyUnit('x-ns/op'), { unit: 'x-sec/op', factor: 1e-9 });
  assert.deepEqual(tidyUnit('x-MB/s'), { unit: 'x-B/s', factor: 1e6 });
  assert.deepEqual(tidyUnit('MB*MB/s'), { unit: 'B*B/s', factor: 1e12 });
  assert.deepEqual(tidyUnit('MB/MB'), { unit: 'B/MB', factor: 1e6 });
  assert.deepEqual(tidyUnit('op/ns'), { unit: 'op/ns', factor: 1 });
  assert.deepEqual(tidy(1500, 'ns/op'), { value: 1.5e-6, unit: 'sec/op' });
});

test('classOf: bytes in the numerator scale by 1024', () => {
  assert.equal(classOf('B/op'), 'binary');
  assert.equal(classOf('text-bytes'), 'binary');
  assert.equal(classOf('B/s'), 'binary');
  assert.equal(classOf('sec/op'), 'decimal');
  assert.equal(classOf('op/B'), 'decimal');
});

test('formatFixed rounds exact halves to even like Go, others correctly', () => {
  assert.equal(formatFixed(2.5, 0), '2');
  assert.equal(formatFixed(3.5, 0), '4');
  assert.equal(formatFixed(0.125, 2), '0.12');
  assert.equal(formatFixed(0.375, 2), '0.38');
  assert.equal(formatFixed(9.5, 0), '10');
  assert.equal(formatFixed(1.005, 2), '1.00'); // 1.005 is below the half in binary
  assert.equal(formatFixed(-0.000001, 2), '-0.00');
});

test('formatGoFloat matches Go %v for float64', () => {
  assert.equal(formatGoFloat(2.2530000000000003e-6), '2.2530000000000003e-06');
  assert.equal(formatGoFloat(1e6), '1e+06');
  assert.equal(formatGoFloat(123456), '123456');
  assert.equal(formatGoFloat(0.0001), '0.0001');
  assert.equal(formatGoFloat(0.00001), '1e-05');
  assert.equal(formatGoFloat(1e21), '1e+21');
  assert.equal(formatGoFloat(0), '0');
});
