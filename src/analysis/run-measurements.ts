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
  /** cpu_s is user + system CPU of the whole process tree (system collector, seconds). */
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
  const manifest = readJson(join(runDir, 'manifest.json')) as { wallMs?: unknown } | undefined;
  if (typeof manifest?.wallMs === 'number') m.wall_s = manifest.wallMs / 1000;
  const artifacts = join(runDir, 'artifacts');
  const summary = systemSummary(join(artifacts, 'system.timeseries.jsonl'));
  if (summary) {
    if (typeof summary.cpuMs === 'number') m.cpu_s = summary.cpuMs / 1000;
    if (typeof summary.peakRssKb === 'number' && summary.peakRssKb > 0)
      m.peak_rss_mb = summary.peakRssKb / 1024;
    if (m.wall_s === undefined && typeof summary.wallMs === 'number') m.wall_s = summary.wallMs / 1000;
  }
  const gc = nodeGcShare(artifacts);
  if (gc !== undefined) m.gc_pct = gc;
  return m;
}

/** systemSummary is the last line of the system collector's time series, when it got there. */
function systemSummary(path: string): SystemSummary | undefined {
  if (!existsSync(path)) return undefined;
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  for (let i = lines.length - 1; i >= 0 && i >= lines.length - 3; i--) {
    try {
      const v = JSON.parse(lines[i]) as SystemSummary;
      if (v.type === 'summary') return v;
    } catch {
      // A torn line from a killed run: no summary.
    }
  }
  return undefined;
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
