/**
 * Metrics are the process-level numbers of a run, flat so patterns can name them in a
 * condition (`metric: gc_share`). Every field is optional: a run without the node collector has
 * no event-loop delay, a profile from the server has no /proc series. Units are in the names.
 */
export interface Metrics {
  /** wall_s: the target's wall-clock time. */
  wall_s?: number;
  /** cpu_s: CPU time of the whole process tree (user + system). */
  cpu_s?: number;
  /** cpu_utilisation: cpu_s / wall_s, in cores (2.0 = two cores busy on average). */
  cpu_utilisation?: number;
  /** busiest_thread_utilisation: CPU of the busiest thread / wall (0..1). */
  busiest_thread_utilisation?: number;
  /** system_time_share: system CPU / all CPU (0..1). */
  system_time_share?: number;
  rss_peak_mb?: number;
  /** rss_growth_mb: RSS at the end minus RSS after start-up, of the main process. */
  rss_growth_mb?: number;
  rss_slope_mb_per_s?: number;
  /** rss_trend_r2: fit of a straight line to RSS over time (near 1 = steady growth). */
  rss_trend_r2?: number;
  voluntary_ctx_switches_per_s?: number;
  involuntary_ctx_switches_per_s?: number;
  /** syscalls_per_s: read + write system calls per second (/proc/PID/io syscr + syscw). */
  syscalls_per_s?: number;
  /** bytes_per_syscall: (rchar + wchar) / (syscr + syscw); small values mean tiny I/O calls. */
  bytes_per_syscall?: number;
  io_read_bytes?: number;
  io_write_bytes?: number;
  /** io_read_chars/io_write_chars count all reads/writes incl. pipes, sockets and page cache. */
  io_read_chars?: number;
  io_write_chars?: number;
  /** processes_spawned: processes seen in the tree besides the root. */
  processes_spawned?: number;
  spawn_rate_per_s?: number;
  /** main_*_share: fractions of the main thread's observations by wait reason (sum to 1). */
  main_running_share?: number;
  main_timer_share?: number;
  main_poll_share?: number;
  main_lock_share?: number;
  main_io_share?: number;
  main_child_share?: number;
  main_other_share?: number;
  /** active_*_share: the same over every thread that used CPU during the run. */
  active_running_share?: number;
  active_timer_share?: number;
  active_poll_share?: number;
  active_lock_share?: number;
  active_io_share?: number;
  active_child_share?: number;
  active_other_share?: number;
  active_threads?: number;
  /** runtime_thread_cpu_s: CPU of the runtime's helper threads (GC, JIT, V8 platform workers). */
  runtime_thread_cpu_s?: number;
  /** profiler_thread_cpu_s: CPU of profiler threads inside the target (profiling cost). */
  profiler_thread_cpu_s?: number;
  /** profiler_sample_share: share of the CPU samples that were autoprof's own code (left out). */
  profiler_sample_share?: number;
  /** gc_share: time in garbage collection / CPU time (0..1), from GC pauses or GC frames. */
  gc_share?: number;
  gc_pause_ms?: number;
  gc_count?: number;
  gc_max_pause_ms?: number;
  /** gc_minor_count: young-generation collections (V8 scavenges); gc_minor_pause_ms their pauses. */
  gc_minor_count?: number;
  gc_minor_pause_ms?: number;
  /**
   * gc_minor_per_cpu_s: young-generation collections per CPU second (per wall second without
   * /proc). Every one means the young generation filled up: a proxy for the allocation rate.
   */
  gc_minor_per_cpu_s?: number;
  event_loop_delay_p50_ms?: number;
  event_loop_delay_p99_ms?: number;
  event_loop_delay_max_ms?: number;
  /** event_loop_delay_count: how many delay measurements the histogram holds (0: the loop never turned). */
  event_loop_delay_count?: number;
  heap_used_growth_mb?: number;
  heap_used_slope_mb_per_s?: number;
  heap_used_trend_r2?: number;
  /** timeseries_samples: /proc samples behind the numbers above. */
  timeseries_samples?: number;
}

/** MetricName is any key of Metrics. */
export type MetricName = keyof Metrics;

/** METRIC_NAMES lists every metric a pattern may name (checked by the pattern schema). */
export const METRIC_NAMES: readonly MetricName[] = [
  'wall_s',
  'cpu_s',
  'cpu_utilisation',
  'busiest_thread_utilisation',
  'system_time_share',
  'rss_peak_mb',
  'rss_growth_mb',
  'rss_slope_mb_per_s',
  'rss_trend_r2',
  'voluntary_ctx_switches_per_s',
  'involuntary_ctx_switches_per_s',
  'syscalls_per_s',
  'bytes_per_syscall',
  'io_read_bytes',
  'io_write_bytes',
  'io_read_chars',
  'io_write_chars',
  'processes_spawned',
  'spawn_rate_per_s',
  'main_running_share',
  'main_timer_share',
  'main_poll_share',
  'main_lock_share',
  'main_io_share',
  'main_child_share',
  'main_other_share',
  'active_running_share',
  'active_timer_share',
  'active_poll_share',
  'active_lock_share',
  'active_io_share',
  'active_child_share',
  'active_other_share',
  'active_threads',
  'runtime_thread_cpu_s',
  'profiler_thread_cpu_s',
  'profiler_sample_share',
  'gc_share',
  'gc_pause_ms',
  'gc_count',
  'gc_max_pause_ms',
  'gc_minor_count',
  'gc_minor_pause_ms',
  'gc_minor_per_cpu_s',
  'event_loop_delay_p50_ms',
  'event_loop_delay_p99_ms',
  'event_loop_delay_max_ms',
  'event_loop_delay_count',
  'heap_used_growth_mb',
  'heap_used_slope_mb_per_s',
  'heap_used_trend_r2',
  'timeseries_samples',
];
