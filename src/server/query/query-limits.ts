import type { TimeRange } from '../store/types.js';

/**
 * Query limits, modelled on Pyroscope's (`max_query_length`, `max_flamegraph_nodes_max`) and
 * Prometheus's 11,000 points per series. Every route that reads a range, a step, a node count or
 * returns series calls these shared functions, so no route can forget one.
 */
export interface QueryLimits {
  /**
   * maxRangeSeconds: the longest `start..end` one query may cover (config
   * `limits.maxQueryRangeSeconds`); 0 means no limit, Pyroscope's default for `max_query_length`:
   * the points cap already bounds an answer's size, and a merge costs what the range holds.
   */
  maxRangeSeconds: number;
  /** maxPointsPerSeries: a timeline step is raised until a series has at most this many points. */
  maxPointsPerSeries: number;
  /** maxSeries: series one answer may hold (400 beyond: narrow the selector or the groupBy). */
  maxSeries: number;
  /** maxNodes: the largest flame graph `maxNodes` a request may ask for. */
  maxNodes: number;
  /**
   * timeoutMs: the per-query deadline (config `limits.queryTimeoutMs`); a query still computing
   * past it is stopped and answered 503, so it cannot hold the event loop. 0 means none.
   */
  timeoutMs: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxRangeSeconds: 0,
  maxPointsPerSeries: 11_000,
  maxSeries: 5_000,
  maxNodes: 65_536,
  // 30 s: Grafana gives a data source query 30 s by default, so a longer query serves nobody;
  // shorter cut legitimate flame graphs of large profiles on a busy 2-core machine (1.3 s alone
  // for pprof's large.cpu, over 5 s beside a test batch).
  timeoutMs: 30_000,
};

/** QueryLimitError: a query over a limit or with an impossible time; the HTTP layer answers 400. */
export class QueryLimitError extends Error {}

/** Times accepted anywhere: from the epoch to 2200-01-01 (beyond, int64 nanoseconds overflow soon). */
export const MAX_TIME_NANOS = 7258118400e9;

/** validTimeNanos: a finite time between the epoch and MAX_TIME_NANOS. */
export function validTimeNanos(nanos: number): boolean {
  return Number.isFinite(nanos) && nanos >= 0 && nanos <= MAX_TIME_NANOS;
}

/** checkTimeRange throws QueryLimitError for times out of range, an inverted or too long range. */
export function checkTimeRange(range: TimeRange, limits: QueryLimits): TimeRange {
  if (!validTimeNanos(range.startNanos) || !validTimeNanos(range.endNanos)) {
    throw new QueryLimitError('time out of range: times must lie between 1970 and 2200');
  }
  if (range.endNanos < range.startNanos) throw new QueryLimitError('end is before start');
  const seconds = (range.endNanos - range.startNanos) / 1e9;
  if (limits.maxRangeSeconds > 0 && seconds > limits.maxRangeSeconds) {
    throw new QueryLimitError(
      `query range of ${formatSeconds(seconds)} is over the limit of ${formatSeconds(limits.maxRangeSeconds)} (limits.maxQueryRangeSeconds)`,
    );
  }
  return range;
}

/** limitStepNanos raises a timeline step so no series has more than maxPointsPerSeries points. */
export function limitStepNanos(range: TimeRange, stepNanos: number, limits: QueryLimits): number {
  if (!Number.isFinite(stepNanos) || stepNanos <= 0)
    throw new QueryLimitError('step must be a positive number');
  const span = Math.max(0, range.endNanos - range.startNanos);
  const minStep = Math.ceil(span / limits.maxPointsPerSeries / 1e9) * 1e9;
  return Math.max(stepNanos, minStep);
}

/** checkSeriesCount throws QueryLimitError when an answer would hold more series than allowed. */
export function checkSeriesCount(count: number, limits: QueryLimits): void {
  if (count > limits.maxSeries) {
    throw new QueryLimitError(
      `query selects ${count} series, over the limit of ${limits.maxSeries} (limits.maxSeries): narrow the selector or groupBy`,
    );
  }
}

/** clampMaxNodes bounds a requested flame graph node count (0 or absent means the given default). */
export function clampMaxNodes(requested: number, fallback: number, limits: QueryLimits): number {
  const n = Number.isFinite(requested) && requested > 0 ? Math.floor(requested) : fallback;
  return Math.min(n, limits.maxNodes);
}

function formatSeconds(seconds: number): string {
  if (seconds >= 86400) return `${(seconds / 86400).toFixed(1)} days`;
  if (seconds >= 3600) return `${(seconds / 3600).toFixed(1)} h`;
  return `${Math.round(seconds)} s`;
}
