import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TimeseriesSample } from '../collect/collectors/system.js';
import type { MetricSeries } from './sparkline.js';

/** GC_WINDOW_MS buckets GC pauses for the chart: short enough to show bursts, long enough to sum. */
const GC_WINDOW_MS = 250;

interface NodeMetricsLike {
  startedAt?: number;
  endedAt?: number;
  gc?: { events?: Array<{ t: number; durationMs: number }> };
  series?: Array<{ t: number; heapUsed?: number; rss?: number; eventLoopDelayMaxMs?: number }>;
}

/**
 * runDirOf returns the folder whose artifacts/ to chart: the directory itself for one run, the
 * last run's folder for `--runs N` (their manifests list runs/N).
 */
export function runDirOf(dir: string): string {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
      runs?: Array<{ dir: string }>;
    };
    const last = manifest.runs?.[manifest.runs.length - 1];
    if (last) return join(dir, last.dir);
  } catch {
    // No manifest: treat the folder as a run folder and chart what is there.
  }
  return dir;
}

/** systemSeries turns system.timeseries.jsonl text into CPU (cores) and RSS (MB) of the whole tree. */
export function systemSeries(text: string): MetricSeries[] {
  const samples: TimeseriesSample[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const v = JSON.parse(line) as TimeseriesSample;
      if (v.type === 'sample') samples.push(v);
    } catch {
      // A torn last line from a killed run; the rest is still good.
    }
  }
  if (samples.length === 0) return [];
  const t0 = samples[0].t;
  const at = (s: TimeseriesSample) => (s.t - t0) / 1000;
  return [
    // The first sample has no previous one, so its CPU rate is meaningless.
    { name: 'CPU utilisation', unit: 'cores', points: samples.slice(1).map((s) => [at(s), s.cpuCores]) },
    {
      name: 'RSS',
      unit: 'MB',
      points: samples.map((s) => [at(s), s.processes.reduce((sum, p) => sum + p.rssKb, 0) / 1024]),
    },
  ];
}

/**
 * nodeSeries turns one node-<pid>.metrics.json into event-loop delay, heap and GC pause charts.
 * GC pauses are summed per 250 ms window, so the chart reads as "ms paused per window".
 */
export function nodeSeries(m: NodeMetricsLike): MetricSeries[] {
  const series = m.series ?? [];
  const t0 = m.startedAt ?? series[0]?.t ?? 0;
  const at = (t: number) => (t - t0) / 1000;
  const out: MetricSeries[] = [];
  if (series.length > 0) {
    out.push({
      name: 'Event-loop delay (max per 100 ms)',
      unit: 'ms',
      points: series.map((p) => [at(p.t), p.eventLoopDelayMaxMs ?? 0]),
    });
    out.push({
      name: 'JS heap used',
      unit: 'MB',
      points: series.map((p) => [at(p.t), (p.heapUsed ?? 0) / (1 << 20)]),
    });
  }
  const events = m.gc?.events ?? [];
  const end = m.endedAt ?? series[series.length - 1]?.t;
  if (end !== undefined && end > t0) {
    const windows = new Array<number>(Math.ceil((end - t0) / GC_WINDOW_MS)).fill(0);
    for (const e of events) {
      const i = Math.min(windows.length - 1, Math.max(0, Math.floor((e.t - t0) / GC_WINDOW_MS)));
      windows[i] += e.durationMs;
    }
    out.push({
      name: `GC pause (per ${GC_WINDOW_MS} ms)`,
      unit: 'ms',
      points: windows.map((v, i) => [((i + 1) * GC_WINDOW_MS) / 1000, v]),
    });
  }
  return out;
}

/**
 * readRunMetricSeries reads the charts of a run folder from its artifacts: the system collector's
 * time series and, for Node.js targets, the metrics of the longest-sampled node process (a
 * short-lived `npm` wrapper is not the program). Missing or unreadable files give no charts.
 */
export function readRunMetricSeries(dir: string): MetricSeries[] {
  const artifacts = join(runDirOf(dir), 'artifacts');
  if (!existsSync(artifacts)) return [];
  const out: MetricSeries[] = [];
  const names = readdirSync(artifacts).sort();
  if (names.includes('system.timeseries.jsonl')) {
    out.push(...systemSeries(readFileSync(join(artifacts, 'system.timeseries.jsonl'), 'utf8')));
  }
  let best: NodeMetricsLike | undefined;
  for (const name of names.filter((n) => /^node-\d+\.metrics\.json$/.test(n))) {
    try {
      const m = JSON.parse(readFileSync(join(artifacts, name), 'utf8')) as NodeMetricsLike;
      if (!best || (m.series?.length ?? 0) > (best.series?.length ?? 0)) best = m;
    } catch {
      // A metrics file cut short by a killed process; the other charts still help.
    }
  }
  if (best) out.push(...nodeSeries(best));
  return out;
}
