import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { nodeSeries, readRunMetricSeries, runDirOf, systemSeries } from './run-metrics.js';

const work = mkdtempSync(join(tmpdir(), 'autoprof-run-metrics-'));
after(() => rmSync(work, { recursive: true, force: true }));

const sample = (t: number, cpuCores: number, rssKb: number[]) =>
  JSON.stringify({
    type: 'sample',
    t,
    cpuCores,
    processes: rssKb.map((rss, i) => ({ pid: 100 + i, rssKb: rss })),
  });

test('systemSeries: CPU from the second sample on, RSS summed over the tree, torn lines skipped', () => {
  const text = [
    sample(1000, 0, [1024]),
    sample(1100, 0.9, [1024, 2048]),
    sample(1200, 1.5, [4096]),
    '{"type":"summary","samples":3}',
    '{"type":"sam',
  ].join('\n');
  const [cpu, rss] = systemSeries(text);
  assert.deepEqual(cpu, {
    name: 'CPU utilisation',
    unit: 'cores',
    points: [
      [0.1, 0.9],
      [0.2, 1.5],
    ],
  });
  assert.deepEqual(rss.points, [
    [0, 1],
    [0.1, 3],
    [0.2, 4],
  ]);
  assert.deepEqual(systemSeries(''), []);
});

test('nodeSeries: event-loop delay, heap in MB and GC pauses summed per 250 ms window', () => {
  const series = nodeSeries({
    startedAt: 10_000,
    endedAt: 10_600,
    gc: {
      events: [
        { t: 10_010, durationMs: 2 },
        { t: 10_200, durationMs: 3 },
        { t: 10_590, durationMs: 7 },
      ],
    },
    series: [
      { t: 10_100, heapUsed: 1 << 20, eventLoopDelayMaxMs: 5 },
      { t: 10_200, heapUsed: 3 << 20, eventLoopDelayMaxMs: 250 },
    ],
  });
  assert.deepEqual(
    series.map((s) => s.name),
    ['Event-loop delay (max per 100 ms)', 'JS heap used', 'GC pause (per 250 ms)'],
  );
  assert.deepEqual(series[0].points, [
    [0.1, 5],
    [0.2, 250],
  ]);
  assert.deepEqual(series[1].points, [
    [0.1, 1],
    [0.2, 3],
  ]);
  assert.deepEqual(series[2].points, [
    [0.25, 5],
    [0.5, 0],
    [0.75, 7],
  ]);
});

test('readRunMetricSeries reads artifacts/, the longest node series, and the last of --runs', () => {
  const dir = join(work, 'multi');
  const run2 = join(dir, 'runs/2/artifacts');
  mkdirSync(run2, { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ runs: [{ dir: 'runs/1' }, { dir: 'runs/2' }] }));
  writeFileSync(
    join(run2, 'system.timeseries.jsonl'),
    `${sample(0, 0, [1024])}\n${sample(100, 1, [1024])}\n`,
  );
  const metrics = (pid: number, n: number) =>
    JSON.stringify({
      pid,
      startedAt: 0,
      endedAt: n * 100,
      series: Array.from({ length: n }, (_, i) => ({ t: i * 100, heapUsed: pid, eventLoopDelayMaxMs: 1 })),
    });
  writeFileSync(join(run2, 'node-7.metrics.json'), metrics(7, 2));
  writeFileSync(join(run2, 'node-8.metrics.json'), metrics(8, 5));
  writeFileSync(join(run2, 'node-9.metrics.json'), '{"pid": 9, "seri');
  assert.equal(runDirOf(dir), join(dir, 'runs/2'));
  const series = readRunMetricSeries(dir);
  assert.deepEqual(
    series.map((s) => `${s.name}:${s.points.length}`),
    [
      'CPU utilisation:1',
      'RSS:2',
      'Event-loop delay (max per 100 ms):5',
      'JS heap used:5',
      'GC pause (per 250 ms):2',
    ],
  );
  assert.deepEqual(readRunMetricSeries(join(work, 'missing')), []);
});
