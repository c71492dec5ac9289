import type { FormatName } from '../formats/types.js';

/** CollectorName is every collector `autoprof run` knows. */
export type CollectorName = 'system' | 'node' | 'python' | 'cprofile' | 'perf' | 'jvm' | 'ebpf';

/** LaunchSpec is how the target will be spawned; collectors may rewrite it in `prepare`. */
export interface LaunchSpec {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
}

/** CollectorContext is what a collector knows about the run it takes part in. */
export interface CollectorContext {
  /** artifactsDir is where this collector writes raw files (absolute; per run). */
  artifactsDir: string;
  /** runDir is the run's output folder; artifact paths are recorded relative to it. */
  runDir: string;
  /** runIndex is 1-based when `--runs N` repeats the target. */
  runIndex: number;
  /** log writes a line to the run's autoprof log (never to the target's output). */
  log(message: string): void;
}

/** Availability says whether a collector can run here, and why not. */
export interface Availability {
  available: boolean;
  reason?: string;
}

/** ArtifactKind classifies a raw file so analysis knows how to read it. */
export type ArtifactKind =
  | 'cpu-profile'
  | 'wall-profile'
  | 'heap-profile'
  | 'alloc-profile'
  | 'lock-profile'
  | 'off-cpu-profile'
  | 'call-stats'
  | 'timeseries'
  | 'memory-snapshots'
  | 'log'
  | 'stdout'
  | 'stderr';

/** ArtifactRecord is one raw file a collector produced (the manifest's ProfileArtifact). */
export interface ArtifactRecord {
  /** path is relative to the run directory. */
  path: string;
  kind: ArtifactKind;
  collector: CollectorName | 'runner';
  /** format names the importer that reads it, when it is a profile. */
  format?: FormatName;
  pid?: number;
  description?: string;
  bytes?: number;
}

/** CollectorStatus is how a collector ended. */
export type CollectorStatus = 'ok' | 'partial' | 'failed' | 'unavailable' | 'skipped';

/** CollectorResult is what `stop` reports. */
export interface CollectorResult {
  status: CollectorStatus;
  warnings: string[];
  artifacts: ArtifactRecord[];
}

/**
 * CollectorCost is what a collector itself used, kept apart from the target's figures:
 * `process` for its own processes (perf, bpftrace, py-spy, perf script), `autoprof` for work
 * inside autoprof's process (the /proc sampler), `in-target` for threads it runs inside the
 * target (in-process samplers, JFR), whose CPU the target's own CPU also includes.
 */
export interface CollectorCost {
  where: 'process' | 'autoprof' | 'in-target';
  cpuS: number;
  /** peakRssMb is the largest resident set of its processes; absent where it shares one. */
  peakRssMb?: number;
  /** processes counts the processes it started (0 for in-process work). */
  processes: number;
}

/** Collector is one pluggable source of profiling data. */
export interface Collector {
  name: CollectorName;
  description: string;
  /** availability checks the machine (binaries, permissions) without side effects. */
  availability(): Promise<Availability>;
  /** prepare may rewrite argv or env before spawn (preloads, wrappers, JAVA_TOOL_OPTIONS). */
  prepare?(launch: LaunchSpec, ctx: CollectorContext): Promise<LaunchSpec>;
  /** start runs right after the target is spawned, with its root pid. */
  start?(rootPid: number, ctx: CollectorContext): Promise<void>;
  /** stop runs after the target exited (or was interrupted) and returns the artifacts. */
  stop(ctx: CollectorContext): Promise<CollectorResult>;
  /** cost reports, after stop, what the collector itself used during the last run. */
  cost?(): CollectorCost | undefined;
}
