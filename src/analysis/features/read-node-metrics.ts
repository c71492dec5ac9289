import type { Metrics } from './metrics.js';
import { linearTrend } from './trend.js';

/** NodeMetricsFile is the part of node-<pid>.metrics.json (autoprof.node-metrics/v1) analysis reads. */
export interface NodeMetricsFile {
  schema?: string;
  pid: number;
  startedAt: number;
  endedAt: number;
  eventLoopDelay?: { count: number; p50Ms: number; p99Ms: number; maxMs: number; meanMs: number };
  gc?: {
    count: number;
    totalPauseMs: number;
    events?: Array<{ t: number; durationMs: number; kind: number }>;
  };
  /** seriesIntervalMs: the period of the series timer, which runs on the program's own event loop. */
  seriesIntervalMs?: number;
  series?: Array<{ t: number; heapUsed: number; rss: number; eventLoopDelayMaxMs: number; waiting?: number }>;
  /** waitingTypes: pending resource types (Timeout, TCPServerWrap, ...) summed over points. */
  waitingTypes?: Record<string, number>;
}

/** NodeProcessFeatures is one Node.js process's runtime numbers. */
export interface NodeProcessFeatures {
  pid: number;
  wall_s: number;
  gc_pause_ms: number;
  gc_count: number;
  gc_max_pause_ms: number;
  /**
   * gc_minor_count: young-generation collections (V8 scavenges and minor mark-sweeps). Each
   * one means the young generation filled up, so their rate tracks the allocation rate.
   */
  gc_minor_count: number;
  /** gc_minor_pause_ms: the pause time of those young-generation collections. */
  gc_minor_pause_ms: number;
  /** gc_share_of_wall: GC pause time / the process's wall time. */
  gc_share_of_wall: number;
  event_loop_delay_count: number;
  event_loop_delay_p50_ms: number;
  event_loop_delay_p99_ms: number;
  event_loop_delay_max_ms: number;
  heap_used_growth_mb: number;
  heap_used_slope_mb_per_s: number;
  heap_used_trend_r2: number;
  /** blocked_windows: 100 ms windows whose worst event-loop delay exceeded 100 ms. */
  blocked_windows: number;
  windows: number;
  /**
   * blocked_waiting_windows: blocked windows during which the program had timers, sockets or
   * requests pending, i.e. something really waited. Equal to blocked_windows for metrics files
   * written before the preload recorded pending work (no evidence either way).
   */
  blocked_waiting_windows: number;
  /** blocked_waiting_max_ms: the worst delay of those windows. */
  blocked_waiting_max_ms: number;
  /** waiting_windows: windows with pending work at their start. */
  waiting_windows: number;
  /** waiting_types: the pending resource types, most frequent first. */
  waiting_types: string[];
}

/** parseNodeMetrics reads one metrics file; undefined when it is not one. */
export function parseNodeMetrics(text: string): NodeMetricsFile | undefined {
  try {
    const v = JSON.parse(text) as NodeMetricsFile;
    if (typeof v !== 'object' || v === null || typeof v.pid !== 'number') return undefined;
    return v;
  } catch {
    return undefined;
  }
}

/** V8's PerformanceEntry GC kinds (perf_hooks constants) of young-generation collections. */
const NODE_GC_MINOR = 1;
const NODE_GC_MINOR_MARK_SWEEP = 16;

/**
 * minorCollections counts young-generation collections among the recorded events; when the
 * preload capped its event list, the recorded share of minor ones stands for all.
 */
function minorCollections(m: NodeMetricsFile): { count: number; pauseMs: number } {
  const events = m.gc?.events ?? [];
  const minor = events.filter((e) => e.kind === NODE_GC_MINOR || e.kind === NODE_GC_MINOR_MARK_SWEEP);
  const pauseMs = minor.reduce((s, e) => s + e.durationMs, 0);
  const all = m.gc?.count ?? events.length;
  if (events.length === 0 || all <= events.length) return { count: minor.length, pauseMs };
  const scale = all / events.length;
  return { count: Math.round(minor.length * scale), pauseMs: pauseMs * scale };
}

/**
 * nodeProcessFeatures computes GC time, event-loop delay percentiles and the heap trend. The
 * first 10% of the series is left out of the trend: module loading grows every heap.
 */
export function nodeProcessFeatures(m: NodeMetricsFile): NodeProcessFeatures {
  const wall = Math.max(0.001, (m.endedAt - m.startedAt) / 1000);
  const events = m.gc?.events ?? [];
  const series = m.series ?? [];
  const used = series.slice(Math.floor(series.length / 10));
  const t0 = used[0]?.t ?? 0;
  const trend = linearTrend(
    used.map((p) => (p.t - t0) / 1000),
    used.map((p) => p.heapUsed / 2 ** 20),
  );
  const eld = m.eventLoopDelay;
  const windowDelays = windowDelaysOf(series, m.seriesIntervalMs);
  const gcMs = m.gc?.totalPauseMs ?? 0;
  const minor = minorCollections(m);
  return {
    pid: m.pid,
    wall_s: round(wall),
    gc_pause_ms: round(gcMs),
    gc_count: m.gc?.count ?? 0,
    gc_max_pause_ms: round(events.reduce((mx, e) => Math.max(mx, e.durationMs), 0)),
    gc_minor_count: minor.count,
    gc_minor_pause_ms: round(minor.pauseMs),
    gc_share_of_wall: round(gcMs / 1000 / wall),
    event_loop_delay_count: eld?.count ?? 0,
    event_loop_delay_p50_ms: round(eld?.p50Ms ?? 0),
    event_loop_delay_p99_ms: round(eld?.p99Ms ?? 0),
    event_loop_delay_max_ms: round(eld?.maxMs ?? 0),
    heap_used_growth_mb:
      used.length > 1 ? round((used[used.length - 1].heapUsed - used[0].heapUsed) / 2 ** 20) : 0,
    heap_used_slope_mb_per_s: round(trend.slope),
    heap_used_trend_r2: round(trend.r2),
    blocked_windows: windowDelays.filter((d) => d > 100).length,
    windows: series.length,
    blocked_waiting_windows: series.filter((p, i) => windowDelays[i] > 100 && (p.waiting ?? 1) > 0).length,
    blocked_waiting_max_ms: round(
      series.reduce((mx, p, i) => ((p.waiting ?? 1) > 0 ? Math.max(mx, windowDelays[i]) : mx), 0),
    ),
    waiting_windows: series.filter((p) => (p.waiting ?? 1) > 0).length,
    waiting_types: Object.entries(m.waitingTypes ?? {})
      .sort((a, b) => b[1] - a[1])
      .map(([t]) => t),
  };
}

/**
 * nodeMetricsOf folds the Node processes of a run into run metrics: the process with the most
 * wall time speaks for the run (a CLI wrapper's short-lived node children do not).
 */
export function nodeMetricsOf(processes: NodeProcessFeatures[]): Metrics {
  if (processes.length === 0) return {};
  const p = [...processes].sort((a, b) => b.wall_s - a.wall_s)[0];
  return {
    gc_pause_ms: p.gc_pause_ms,
    gc_count: p.gc_count,
    gc_max_pause_ms: p.gc_max_pause_ms,
    gc_minor_count: p.gc_minor_count,
    gc_minor_pause_ms: p.gc_minor_pause_ms,
    // Until cpu_s is known (from /proc), the process's own wall time is the denominator.
    gc_minor_per_cpu_s: round(p.gc_minor_count / Math.max(0.001, p.wall_s)),
    event_loop_delay_count: p.event_loop_delay_count,
    event_loop_delay_p50_ms: p.event_loop_delay_p50_ms,
    event_loop_delay_p99_ms: p.event_loop_delay_p99_ms,
    event_loop_delay_max_ms: p.event_loop_delay_max_ms,
    heap_used_growth_mb: p.heap_used_growth_mb,
    heap_used_slope_mb_per_s: p.heap_used_slope_mb_per_s,
    heap_used_trend_r2: p.heap_used_trend_r2,
  };
}

function round(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1000) / 1000 : 0;
}

/**
 * windowDelaysOf is the worst event-loop delay of each series window: the histogram's maximum,
 * or the series timer's own lateness when that is larger. The series is written by a timer on
 * the same loop, so a point that arrives 300 ms after the one before, on a 100 ms interval, saw
 * the loop blocked for about 200 ms, even when the delay histogram recorded nothing for that
 * window (its own timer was held up by the same block, seen as windows of 0 ms between gaps).
 */
export function windowDelaysOf(
  series: ReadonlyArray<{ t: number; eventLoopDelayMaxMs: number }>,
  intervalMs?: number,
): number[] {
  return series.map((p, i) => {
    const late = intervalMs && i > 0 ? p.t - series[i - 1].t - intervalMs : 0;
    return Math.max(p.eventLoopDelayMaxMs, late);
  });
}
