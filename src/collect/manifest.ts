import { writeFileSync } from 'node:fs';
import { arch, cpus, freemem, hostname, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { ArtifactRecord, CollectorCost, CollectorName, CollectorStatus } from './collector.js';
import type { ProcessRecord } from './process-tree.js';

/** MANIFEST_SCHEMA names the manifest.json shape; bump it on breaking changes. */
export const MANIFEST_SCHEMA = 'autoprof.manifest/v1';

/** EnvironmentSummary is the machine a run happened on. */
export interface EnvironmentSummary {
  os: string;
  arch: string;
  kernel: string;
  hostname: string;
  nodeVersion: string;
  cpuCount: number;
  cpuModel: string;
  memoryBytes: number;
  freeMemoryBytes: number;
}

/** CollectorEntry is one collector's outcome as the manifest records it. */
export interface CollectorEntry {
  name: CollectorName;
  status: CollectorStatus;
  warnings: string[];
  /** reason says why a collector was unavailable, skipped or failed. */
  reason?: string;
  /** cost is what the collector itself used (CPU seconds, peak RSS), never counted as the target's. */
  cost?: CollectorCost;
}

/** TargetSummary is what was run. */
export interface TargetSummary {
  argv: string[];
  cwd: string;
  /** resolvedPath is argv[0] found through PATH, when it was found. */
  resolvedPath?: string;
  /** attachedPid is set for `--pid` runs, where autoprof did not start the target. */
  attachedPid?: number;
}

/** ExitSummary is how the target ended. */
export interface ExitSummary {
  /** status is what a shell would show: the exit code, or 128 + the signal number. */
  status: number;
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  interruptedBy?: string;
  /** error is set when the target could not be started at all (status 126 or 127). */
  error?: string;
}

/** RunManifest is `manifest.json` of one run (`runs/N/manifest.json` with --runs). */
export interface RunManifest {
  schema: typeof MANIFEST_SCHEMA;
  autoprofVersion: string;
  runIndex: number;
  target: TargetSummary;
  environment: EnvironmentSummary;
  startedAt: string;
  endedAt: string;
  /** wallMs runs from the target's exec to its exit, as the runner saw them. */
  wallMs: number;
  /**
   * targetCpu is the CPU the kernel charged the target's root process (and the children it
   * waited for) by its exit, the figure `time` prints; absent for --pid runs.
   */
  targetCpu?: { userS: number; systemS: number };
  exit: ExitSummary;
  rootPid: number;
  /** processes is every process seen in the target's tree over the run. */
  processes: ProcessRecord[];
  /** leftoverPids were alive after the root exited and were stopped by autoprof. */
  leftoverPids: number[];
  /** survivorPids outlived even SIGKILL (expected empty). */
  survivorPids: number[];
  output: {
    stdout: { path: string; totalBytes: number; droppedBytes: number };
    stderr: { path: string; totalBytes: number; droppedBytes: number };
  };
  collectors: CollectorEntry[];
  artifacts: ArtifactRecord[];
  /** mergedProfile is `profile.pb.gz` relative to the run directory, when one was written. */
  mergedProfile?: string;
}

/** MultiRunManifest is the top-level `manifest.json` when `--runs N` > 1. */
export interface MultiRunManifest {
  schema: typeof MANIFEST_SCHEMA;
  autoprofVersion: string;
  target: TargetSummary;
  environment: EnvironmentSummary;
  startedAt: string;
  endedAt: string;
  runs: Array<{ index: number; dir: string; status: number; wallMs: number }>;
  /** exit is the last run's; with any failing run, the first failing one's. */
  exit: ExitSummary;
  mergedProfile?: string;
}

/** describeEnvironment reads the machine once per run. */
export function describeEnvironment(): EnvironmentSummary {
  const list = cpus();
  return {
    os: platform(),
    arch: arch(),
    kernel: release(),
    hostname: hostname(),
    nodeVersion: process.version,
    cpuCount: list.length,
    cpuModel: list[0]?.model ?? 'unknown',
    memoryBytes: totalmem(),
    freeMemoryBytes: freemem(),
  };
}

/** writeManifest writes `manifest.json` into `dir`, pretty-printed for humans and diffs. */
export function writeManifest(dir: string, manifest: RunManifest | MultiRunManifest): string {
  const path = join(dir, 'manifest.json');
  writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`);
  return path;
}
