import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * RunMeasurement is what one `autoprof run` measured about the whole target, independent of
 * any profile: it exists even for a run too short for a sampler. Every field is optional
 * because collectors differ (GC share needs the Node collector).
 */
export interface RunMeasurement {
  /** wall_s is the target's wall time (runner, seconds). */
  wall_s?: number;
  /**
   * cpu_s is user + system CPU of the whole process tree (seconds): the kernel's figure for the
   * root and the children it waited for (manifest targetCpu), or the system collector's sum over
   * the tree when that is larger (children nobody waited for).
   */
  cpu_s?: number;
  /** peak_rss_mb is the largest VmHWM of any process of the tree (system collector, MiB). */
  peak_rss_mb?: number;
  /** gc_pct is GC pause time as a percentage of the Node processes' lifetime. */
  gc_pct?: number;
}

/** RUN_METRICS names the measurements in report order, with their units and what better means. */
export const RUN_METRICS = [
  { key: 'wall_s', label: 'wall time', unit: 's' },
  { key: 'cpu_s', label: 'CPU time', unit: 's' },
  { key: 'peak_rss_mb', label: 'peak RSS', unit: 'MiB' },
  { key: 'gc_pct', label: 'GC share', unit: '%' },
] as const;

export type RunMetricKey = (typeof RUN_METRICS)[number]['key'];

interface SystemSummary {
  type: 'summary';
  wallMs?: number;
  cpuMs?: number;
  peakRssKb?: number;
}

/** measureRun reads one run folder (the one holding manifest.json and artifacts/). */
export function measureRun(runDir: string): RunMeasurement {
  const m: RunMeasurement = {};
  const manifest = readJson(join(runDir, 'manifest.json')) as
    | { wallMs?: unknown; targetCpu?: { userS?: unknown; systemS?: unknown } }
    | undefined;
  if (typeof manifest?.wallMs === 'number') m.wall_s = manifest.wallMs / 1000;
  const kernelCpu = kernelCpuSeconds(manifest?.targetCpu);
  const artifacts = join(runDir, 'artifacts');
  const summary = systemSummary(join(artifacts, 'system.timeseries.jsonl'));
  if (summary) {
    if (typeof summary.cpuMs === 'number') m.cpu_s = summary.cpuMs / 1000;
    if (typeof summary.peakRssKb === 'number' && summary.peakRssKb > 0)
      m.peak_rss_mb = summary.peakRssKb / 1024;
    if (m.wall_s === undefined && typeof summary.wallMs === 'number') m.wall_s = summary.wallMs / 1000;
  }
  if (kernelCpu !== undefined) m.cpu_s = Math.max(kernelCpu, m.cpu_s ?? 0);
  const gc = nodeGcShare(artifacts);
  if (gc !== undefined) m.gc_pct = gc;
  return m;
}

/**
 * kernelCpuSeconds is the CPU the kernel charged the root and its waited-for children by its
 * exit (rusage): exact to the tick, where polling /proc loses whatever ran after the last poll
 * (on a loaded machine up to a third of a short run's CPU). It is the steadiest whole-run cost
 * there is: descheduling stretches wall time but not CPU time.
 */
function kernelCpuSeconds(cpu: { userS?: unknown; systemS?: unknown } | undefined): number | undefined {
  if (typeof cpu?.userS !== 'number' || typeof cpu.systemS !== 'number') return undefined;
  const s = cpu.userS + cpu.systemS;
  return Number.isFinite(s) && s > 0 ? s : undefined;
}

interface SystemSample {
  type: 'sample';
  processes?: Array<{ pid: number; startTicks?: number; cpuUserMs?: number; cpuSystemMs?: number }>;
}

/**
 * systemSummary reads the system collector's time series: its summary line (peak RSS, wall)
 * and, for CPU, every process's last cumulative user + system time. The summary's own cpuMs
 * integrates utilisation between polls and loses whatever a process used before its first or
 * between two missed polls, which on a loaded machine can be all of a short run; the kernel's
 * cumulative counters lose only what came after the last poll.
 */
function systemSummary(path: string): SystemSummary | undefined {
  if (!existsSync(path)) return undefined;
  let summary: SystemSummary | undefined;
  const lastCpu = new Map<string, number>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    let v: SystemSummary | SystemSample;
    try {
      v = JSON.parse(line) as SystemSummary | SystemSample;
    } catch {
      continue; // A torn last line from a killed run.
    }
    if (v.type === 'summary') summary = v;
    else if (v.type === 'sample') {
      for (const p of v.processes ?? []) {
        const key = `${p.pid}/${p.startTicks ?? 0}`;
        lastCpu.set(key, Math.max(lastCpu.get(key) ?? 0, (p.cpuUserMs ?? 0) + (p.cpuSystemMs ?? 0)));
      }
    }
  }
  if (!summary) return undefined;
  let cpuMs = 0;
  for (const ms of lastCpu.values()) cpuMs += ms;
  return { ...summary, cpuMs: lastCpu.size > 0 ? Math.max(cpuMs, summary.cpuMs ?? 0) : undefined };
}

/**
 * nodeGcShare sums GC pauses over the lifetimes of every Node process of the run: the share of
 * time the program spent collecting, which a diff can compare when allocation changes.
 */
function nodeGcShare(artifacts: string): number | undefined {
  if (!existsSync(artifacts)) return undefined;
  let pauseMs = 0;
  let lifeMs = 0;
  for (const name of readdirSync(artifacts)) {
    if (!/^node-\d+\.metrics\.json$/.test(name)) continue;
    const doc = readJson(join(artifacts, name)) as
      | { startedAt?: number; endedAt?: number; gc?: { totalPauseMs?: number } }
      | undefined;
    if (!doc || typeof doc.startedAt !== 'number' || typeof doc.endedAt !== 'number') continue;
    lifeMs += Math.max(0, doc.endedAt - doc.startedAt);
    pauseMs += doc.gc?.totalPauseMs ?? 0;
  }
  return lifeMs > 0 ? (pauseMs / lifeMs) * 100 : undefined;
}

function readJson(path: string): unknown {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}
