import type { Profile } from '../../model/profile.js';

/**
 * ProfileStore is the one storage interface of the server. The embedded engine is DuckDB
 * (duckdb.ts); a ClickHouse engine plugs in behind the same interface and passes the same
 * contract suite (store-contract.ts).
 *
 * Vocabulary, as in Pyroscope and Prometheus:
 * - a series is one set of labels; it always holds `__profile_type__` (the profile type ID,
 *   `name:sampleType:sampleUnit:periodType:periodUnit`, e.g.
 *   `process_cpu:cpu:nanoseconds:cpu:nanoseconds`) and `service_name`;
 * - a profile is one write to a series: a time, a duration and stacks with one value each;
 * - times are nanoseconds since the Unix epoch; ranges are half open, [start, end).
 *
 * Every method takes the tenant first and never reads another tenant's data.
 */
/**
 * StoreHealth is what a store that can degrade (a remote engine with a write buffer) reports for
 * /readyz and /metrics; an embedded store has nothing to report.
 */
export interface StoreHealth {
  /** state: ok = writing normally; buffering = the engine is unavailable and writes are held. */
  state: 'ok' | 'buffering';
  /** ready is false when the store refuses writes (its buffer is full). */
  ready: boolean;
  /** message is one line for /readyz. */
  message: string;
  bufferedBytes: number;
  bufferedProfiles: number;
  maxBufferBytes: number;
  flushFailures: number;
  rejectedProfiles: number;
}

export interface ProfileStore {
  /** health reports a degraded engine; absent for stores that cannot degrade. */
  health?(): StoreHealth;
  /** write stores a batch; it resolves only once the batch is durable (survives kill -9). */
  write(tenant: string, profiles: readonly ProfileWrite[]): Promise<void>;
  /** series lists the label sets of series matching all matchers (those with data in range, when given). */
  series(tenant: string, matchers: readonly LabelMatcher[], range?: TimeRange): Promise<SeriesLabels[]>;
  /** mergeRange sums every stack of one profile type over matching series and the range. */
  mergeRange(tenant: string, query: SelectQuery): Promise<Profile>;
  /**
   * coverage sums what the matching profiles declare about themselves: how many, their totals,
   * and the time profiled. Durations give rates (CPU seconds per wall second) that a merged
   * profile cannot: its own duration is the query range, not the time profiled.
   */
  coverage?(tenant: string, query: SelectQuery): Promise<StoreCoverage>;
  /** timeline sums profile totals per step; one line per distinct value of the `groupBy` labels. */
  timeline(tenant: string, query: TimelineQuery): Promise<TimelineSeries[]>;
  /** labelNames lists label names of matching series, sorted. */
  labelNames(tenant: string, matchers: readonly LabelMatcher[], range?: TimeRange): Promise<string[]>;
  /** labelValues lists the values of one label over matching series, sorted. */
  labelValues(
    tenant: string,
    name: string,
    matchers: readonly LabelMatcher[],
    range?: TimeRange,
  ): Promise<string[]>;
  /** profileTypes lists the profile type IDs the tenant has, sorted. */
  profileTypes(tenant: string, range?: TimeRange): Promise<string[]>;
  /** applyRetention deletes profiles older than `maxAgeNanos`, then the oldest until under `maxBytes`. */
  applyRetention(policy: RetentionPolicy): Promise<RetentionResult>;
  /** stats reports what the store holds, for /metrics and the benchmarks. */
  stats(): Promise<StoreStats>;
  /** close flushes and releases the engine; the store is unusable afterwards. */
  close(): Promise<void>;
}

/** SeriesLabels is a label set: name -> value. */
export type SeriesLabels = Record<string, string>;

/** PROFILE_TYPE_LABEL and SERVICE_NAME_LABEL are the two labels every series carries. */
export const PROFILE_TYPE_LABEL = '__profile_type__';
export const SERVICE_NAME_LABEL = 'service_name';

/** ProfileWrite is one profile of one series. */
export interface ProfileWrite {
  labels: SeriesLabels;
  timeNanos: number;
  durationNanos: number;
  /** stacks are frame names ROOT FIRST (the order flame graphs draw), one value each. */
  stacks: ReadonlyArray<readonly string[]>;
  values: readonly number[];
}

/** LabelMatcher is one Prometheus-style matcher: `=`, `!=`, `=~`, `!~` (regexes fully anchored). */
export interface LabelMatcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** TimeRange is [startNanos, endNanos). */
export interface TimeRange {
  startNanos: number;
  endNanos: number;
}

/** SelectQuery picks one profile type over matching series in a range. */
export interface SelectQuery extends TimeRange {
  profileType: string;
  matchers: readonly LabelMatcher[];
}

/** TimelineQuery adds the step (nanoseconds) and optional grouping labels. */
export interface TimelineQuery extends SelectQuery {
  stepNanos: number;
  groupBy?: readonly string[];
}

/** TimelineSeries is one line of a timeline: `values[i]` is the sum in [start + i*step, start + (i+1)*step). */
export interface TimelineSeries {
  labels: SeriesLabels;
  values: number[];
}

/**
 * StoreCoverage: profiles in a range and their summed totals; `durationNanos` is the time
 * profiled: the summed durations of the longest-covered series. One pprof becomes several series
 * (one per thread or label set) over the same seconds, so durations are not summed across
 * series; a service's total over it is its use of the machine (cores) while profiled.
 */
export interface StoreCoverage {
  profiles: number;
  durationNanos: number;
  total: number;
}

/** RetentionPolicy: either bound may be absent. */
export interface RetentionPolicy {
  maxAgeNanos?: number;
  maxBytes?: number;
  /** nowNanos is injectable for tests; defaults to the clock. */
  nowNanos?: number;
}

/** RetentionResult says what retention removed. */
export interface RetentionResult {
  profilesDeleted: number;
}

/** StoreStats: bytes the engine occupies on disk, profiles and series held. */
export interface StoreStats {
  bytesOnDisk: number;
  profiles: number;
  series: number;
  samples: number;
}
