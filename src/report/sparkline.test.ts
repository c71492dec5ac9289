import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatMetricValue, renderSparklineSvg, sparklinePath } from './sparkline.js';

test('sparklinePath spans the box, zero at the bottom for non-negative data', () => {
  assert.equal(
    sparklinePath(
      [
        [0, 0],
        [1, 5],
        [2, 10],
      ],
      100,
      20,
    ),
    'M0.0,20.0 L50.0,10.0 L100.0,0.0',
  );
});

test('sparklinePath: one point and a flat series sit in the middle', () => {
  assert.equal(sparklinePath([[3, 7]], 100, 20), 'M50.0,0.0');
  assert.equal(
    sparklinePath(
      [
        [0, 0],
        [1, 0],
      ],
      100,
      20,
    ),
    'M0.0,10.0 L100.0,10.0',
  );
  assert.equal(sparklinePath([], 100, 20), '');
});

test('renderSparklineSvg names the metric, its peak and escapes text', () => {
  const svg = renderSparklineSvg({
    name: 'RSS <main>',
    unit: 'MB',
    points: [
      [0, 10],
      [0.5, 120.4],
      [1, 80],
    ],
  });
  assert.match(svg, /<figure class="spark" data-metric="RSS &lt;main&gt;">/);
  assert.match(svg, /peak 120 MB/);
  assert.match(svg, /last 80.0 MB over 1.0 s \(3 points\)/);
  assert.match(svg, /<path d="M/);
  assert.doesNotMatch(svg, /<main>/);
});

test('renderSparklineSvg says when there is no data', () => {
  assert.match(renderSparklineSvg({ name: 'GC', unit: 'ms', points: [] }), /no data/);
});

test('formatMetricValue keeps about three significant digits', () => {
  assert.equal(formatMetricValue(0.1234, 'cores'), '0.12 cores');
  assert.equal(formatMetricValue(12.345, 'ms'), '12.3 ms');
  assert.equal(formatMetricValue(1234.5, ''), '1235');
});
