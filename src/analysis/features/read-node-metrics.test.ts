import assert from 'node:assert/strict';
import { test } from 'node:test';
import { windowDelaysOf } from './read-node-metrics.js';

test('windowDelaysOf: a late series point is a blocked loop even when the histogram saw nothing', () => {
  // Points every 100 ms, then one 380 ms after the one before: the loop was held ~280 ms, while
  // the delay histogram (its own timer held up by the same block) recorded 0 for that window.
  const series = [
    { t: 1000, eventLoopDelayMaxMs: 12 },
    { t: 1100, eventLoopDelayMaxMs: 11 },
    { t: 1480, eventLoopDelayMaxMs: 0 },
    { t: 1580, eventLoopDelayMaxMs: 150 },
    { t: 1580, eventLoopDelayMaxMs: 0 },
  ];
  assert.deepEqual(windowDelaysOf(series, 100), [12, 11, 280, 150, 0]);
});

test('windowDelaysOf: without a known interval only the histogram counts', () => {
  assert.deepEqual(
    windowDelaysOf([
      { t: 0, eventLoopDelayMaxMs: 5 },
      { t: 900, eventLoopDelayMaxMs: 7 },
    ]),
    [5, 7],
  );
});
