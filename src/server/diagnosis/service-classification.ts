import type { Classification, Evidence } from '../../analysis/findings.js';
import { pct } from '../../analysis/findings.js';

/**
 * ServiceFacts are the numbers a service's stored profiles give for a range. Seconds are summed
 * over every profile; `profiledSeconds` is what the CPU profiles declare as their own durations
 * (one instance profiled for 10 s = 10 s), so cpu / profiled is cores used per instance.
 */
export interface ServiceFacts {
  cpuSeconds?: number;
  profiledSeconds?: number;
  /** wallSeconds: the wall-clock profile's sampled time (all threads), when there is one. */
  wallSeconds?: number;
  /** gcShare: GC frames' share of CPU (0..1). */
  gcShare?: number;
  /** lockSeconds: contention time from mutex/block/lock profiles. */
  lockSeconds?: number;
  lockProfiledSeconds?: number;
  /** monitorShare: share of wall (or CPU) samples whose leaf waits on a lock or monitor. */
  monitorShare?: number;
  source: string;
}

/** Thresholds of the classification; a share is 0..1, cores per profiled second. */
const GC_BOUND_SHARE = 0.25;
const LOCK_WAIT_PER_SECOND = 0.35;
const MONITOR_SHARE = 0.35;
const WAITING_CPU_PER_WALL = 0.3;
const CPU_BOUND_CORES = 0.5;

/**
 * classifyService says what bounds a service from its profiles alone, first rule that holds:
 * GC frames' share, lock contention (mutex/lock profiles or monitor frames), CPU against wall
 * time, then cores used. Every number quoted is measured; none is claimed without its data.
 */
export function classifyService(f: ServiceFacts): Classification {
  const ev: Evidence = {};
  const put = (name: string, value: number | undefined, unit: string, digits = 3) => {
    if (value !== undefined && Number.isFinite(value))
      ev[name] = { value: Number(value.toFixed(digits)), unit, source: f.source };
  };
  const cores =
    f.cpuSeconds !== undefined && f.profiledSeconds ? f.cpuSeconds / f.profiledSeconds : undefined;
  put('cpu_time', f.cpuSeconds, 's');
  put('profiled_time', f.profiledSeconds, 's');
  put('cpu_cores', cores, 'cores', 2);
  if (f.gcShare !== undefined) put('gc_share', pct(f.gcShare), '%', 2);
  if (f.cpuSeconds === undefined && f.wallSeconds === undefined && f.lockSeconds === undefined)
    return {
      kind: 'insufficient-data',
      summary: 'no CPU, wall-clock or lock profiles in the range',
      evidence: ev,
    };

  if ((f.gcShare ?? 0) >= GC_BOUND_SHARE)
    return {
      kind: 'gc-bound',
      summary: `garbage collection takes ${pct(f.gcShare ?? 0)}% of CPU (GC frames in the CPU profiles)`,
      evidence: ev,
    };
  const lockPerSecond =
    f.lockSeconds !== undefined && f.lockProfiledSeconds ? f.lockSeconds / f.lockProfiledSeconds : undefined;
  put('lock_wait_time', f.lockSeconds, 's');
  put('lock_wait_per_second', lockPerSecond, 's/s', 2);
  if (f.monitorShare !== undefined) put('lock_frames_share', pct(f.monitorShare), '%', 2);
  if ((lockPerSecond ?? 0) >= LOCK_WAIT_PER_SECOND)
    return {
      kind: 'lock-bound',
      summary: `threads wait on locks ${lockPerSecond?.toFixed(2)} s per second profiled (lock contention profiles)`,
      evidence: ev,
    };
  if ((f.monitorShare ?? 0) >= MONITOR_SHARE)
    return {
      kind: 'lock-bound',
      summary: `${pct(f.monitorShare ?? 0)}% of samples wait to enter a lock or monitor`,
      evidence: ev,
    };
  if (f.wallSeconds && f.cpuSeconds !== undefined) {
    const ratio = f.cpuSeconds / f.wallSeconds;
    put('cpu_per_wall', ratio, 'ratio', 2);
    if (ratio < WAITING_CPU_PER_WALL)
      return {
        kind: 'waiting',
        summary: `threads are on CPU for ${pct(ratio)}% of their wall-clock time: they mostly wait`,
        evidence: ev,
      };
  }
  if (cores !== undefined && cores >= CPU_BOUND_CORES)
    return {
      kind: 'cpu-bound',
      summary: `the service computes: ${cores.toFixed(2)} cores used on average while profiled`,
      evidence: ev,
    };
  return {
    kind: 'healthy',
    summary:
      cores !== undefined
        ? `no single resource dominates: ${cores.toFixed(2)} cores used on average while profiled`
        : 'no single resource dominates the profiles',
    evidence: ev,
  };
}
