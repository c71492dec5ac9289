import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { ArtifactRecord } from '../collect/collector.js';
import type { RunManifest } from '../collect/manifest.js';
import { importProfileFile } from '../formats/index.js';
import { gcTotalsOfJfr } from '../formats/jfr/gc-events.js';
import { importPstatsStats } from '../formats/pstats.js';
import { maybeGunzip } from '../io/decompress.js';
import type { Profile } from '../model/profile.js';
import { type DiagnosisInput, emptyDiagnosisInput } from './features/diagnosis-input.js';
import type { Metrics } from './features/metrics.js';
import { ownLines } from './features/own-lines.js';
import { withoutProfilerSamples } from './features/profiler-samples.js';
import { profilingCostLine } from './features/profiling-cost.js';
import { type CallStat, callStatsOf, mergeCallStats } from './features/read-call-stats.js';
import {
  type NodeProcessFeatures,
  nodeMetricsOf,
  nodeProcessFeatures,
  parseNodeMetrics,
} from './features/read-node-metrics.js';
import {
  type ProcessFeatures,
  parseTimeseries,
  type TargetWindow,
  timeseriesFeatures,
} from './features/read-timeseries.js';
import { type Runtime, runtimeOfFrame, runtimesOfProfile } from './features/runtimes.js';
import { mergeViews, type SampleKind, type SampleView, viewsOfProfile } from './features/sample-views.js';
import { JavaSourceLocator } from './features/source-lines.js';
import { restoreInlinedFrames } from './features/v8-inlining.js';
import { mergeLineTicks, v8LineTicks } from './features/v8-line-ticks.js';
import { type FrameOrigin, functionOrigins } from './frame-origin.js';
import { functionKey, functionShares } from './function-shares.js';

/** FEATURES_SCHEMA names features.json. */
export const FEATURES_SCHEMA = 'autoprof.features/v1';

/** FunctionRow is one function of one sample kind in features.json. */
export interface FunctionRow {
  function: string;
  file: string;
  origin: FrameOrigin;
  self_share: number;
  total_share: number;
  self: number;
  total: number;
}

/** KindTable is every sample kind's total and its top functions. */
export interface KindTable {
  unit: string;
  total: number;
  source: string;
  functions: FunctionRow[];
  /** own_lines: the program's own lines by value, callees included (see ownLines). */
  own_lines: Array<{ function: string; file: string; line: number; share: number; self_share: number }>;
}

/**
 * Features is features.json: the table analysis works from, saved so it can be rerun and
 * compared without the raw artifacts.
 */
export interface Features {
  schema: typeof FEATURES_SCHEMA;
  runtimes: Runtime[];
  metrics: Metrics;
  processes: ProcessFeatures[];
  node_processes: NodeProcessFeatures[];
  samples: Partial<Record<SampleKind, KindTable>>;
  call_stats: CallStat[];
  notes: string[];
}

const KIND_HINT: Partial<Record<ArtifactRecord['kind'], SampleKind>> = {
  'cpu-profile': 'cpu',
  'wall-profile': 'wall',
  'heap-profile': 'heap',
  'alloc-profile': 'alloc',
  'lock-profile': 'lock',
  'off-cpu-profile': 'off-cpu',
};

const TOP_FUNCTIONS = 40;
const TOP_LINES = 30;

/** RunInput is the diagnosis input of one run directory plus the notes on what was missing. */
export interface RunInput {
  input: DiagnosisInput;
  notes: string[];
}

/**
 * readRunInput reads every artifact of one run directory (as listed in its manifest) into a
 * DiagnosisInput. Unreadable artifacts become notes, never failures: analysis uses what exists.
 */
export function readRunInput(runDir: string, manifest: RunManifest): RunInput {
  const input = emptyDiagnosisInput();
  const notes: string[] = [];
  const views: SampleView[] = [];
  const sources: Partial<Record<SampleKind, string[]>> = {};
  const callTables: CallStat[][] = [];
  const pstatsViews: SampleView[] = [];
  const nodeProcs: NodeProcessFeatures[] = [];
  const profilerShares: Partial<Record<SampleKind, { removed: number; total: number }>> = {};
  for (const a of manifest.artifacts) {
    const path = join(runDir, a.path);
    try {
      if (a.kind === 'timeseries' && a.collector === 'system') {
        const ts = timeseriesFeatures(parseTimeseries(readFileSync(path, 'utf8')), targetWindowOf(manifest));
        if (!ts) continue;
        Object.assign(input.metrics, ts.metrics);
        input.processes = ts.processes;
        input.mainWchans = ts.mainWchans;
        input.have.timeseries = true;
        input.sourceOf.metrics = a.path;
      } else if (a.kind === 'timeseries' && a.collector === 'node') {
        const m = parseNodeMetrics(readFileSync(path, 'utf8'));
        if (m) nodeProcs.push(nodeProcessFeatures(m));
      } else if (a.kind === 'call-stats') {
        const bytes = maybeGunzip(readFileSync(path), a.path);
        callTables.push(callStatsOf(importPstatsStats(bytes, a.path)));
        for (const p of importProfileFile(path)) pstatsViews.push(...pstatsView(p));
        input.sourceOf['call-stats'] = a.path;
      } else if (KIND_HINT[a.kind]) {
        const hint = KIND_HINT[a.kind];
        for (const p of importProfileFile(path)) {
          for (const whole of viewsOfProfile(p, hint)) {
            const { view: v, removed } = withoutProfilerSamples(whole);
            const own = profilerShares[v.kind] ?? { removed: 0, total: 0 };
            own.removed += removed;
            own.total += whole.total;
            profilerShares[v.kind] = own;
            if (v.total <= 0) continue;
            views.push(v);
            const list = sources[v.kind] ?? [];
            list.push(a.path);
            sources[v.kind] = list;
          }
        }
        if (a.format === 'chrome-cpuprofile')
          mergeLineTicks(input.lineTicks, v8LineTicks(readFileSync(path, 'utf8')));
        if (a.format === 'jfr') {
          // JFR's jdk.GarbageCollection events give the JVM's GC pauses, which CPU samples miss
          // (HotSpot's GC threads are not Java threads and are not sampled).
          const gc = gcTotalsOfJfr(maybeGunzip(readFileSync(path), a.path), a.path);
          if (gc) {
            input.metrics.gc_pause_ms = Math.round(((input.metrics.gc_pause_ms ?? 0) + gc.pauseMs) * 10) / 10;
            input.sourceOf.metrics = input.sourceOf.metrics ?? a.path;
          }
        }
      }
    } catch (err) {
      notes.push(`${a.path}: not analysed: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  // cProfile's time stands in for CPU only when no sampler ran: both at once would double count.
  if (!views.some((v) => v.kind === 'cpu') && pstatsViews.length > 0) {
    views.push(...pstatsViews);
    sources.cpu = [input.sourceOf['call-stats'] ?? 'call-stats'];
  }
  input.views = mergeViews(views).map((v) => {
    if (v.kind !== 'cpu' || input.lineTicks.size === 0) return v;
    const restored = restoreInlinedFrames(v, input.lineTicks, input.sources);
    input.lineTicks = restored.lineTicks;
    return restored.view;
  });
  for (const [kind, list] of Object.entries(sources)) {
    input.sourceOf[kind as SampleKind] =
      list.length === 1 ? list[0] : `${list[0]} (+${list.length - 1} more)`;
  }
  input.callStats = mergeCallStats(callTables);
  input.have.callStats = callTables.length > 0;
  input.nodeProcesses = nodeProcs;
  input.have.nodeMetrics = nodeProcs.length > 0;
  Object.assign(input.metrics, nodeMetricsOf(nodeProcs));
  if (manifest.wallMs > 0 && input.metrics.wall_s === undefined)
    input.metrics.wall_s = manifest.wallMs / 1000;
  input.runtimes = runtimesOf(input.views);
  if (input.runtimes.includes('jvm')) locateJvmSources(input.views, manifest);
  addGcShare(input);
  const thin = thinProfileNote(input.views);
  if (thin) notes.push(thin);
  const own = profilerSamplesNote(profilerShares);
  if (own) notes.push(own.note);
  if (own) input.metrics.profiler_sample_share = own.cpuShare;
  const cost = profilingCostLine(manifest.collectors ?? []);
  if (cost) notes.push(cost);
  if (input.views.length === 0) notes.push('no profile artifacts: findings rely on process metrics only');
  if (!input.have.timeseries) notes.push('no /proc time series: CPU utilisation and thread states unknown');
  return { input, notes };
}

/**
 * profilerSamplesNote says how much of each profile was autoprof's own work inside the target
 * (left out of the program's shares and findings, see profiler-samples.ts), with the CPU share.
 */
function profilerSamplesNote(
  shares: Partial<Record<SampleKind, { removed: number; total: number }>>,
): { note: string; cpuShare: number } | undefined {
  const parts: string[] = [];
  for (const [kind, s] of Object.entries(shares)) {
    if (!s || s.removed <= 0 || s.total <= 0) continue;
    parts.push(`${((100 * s.removed) / s.total).toFixed(1)}% of the ${kind} samples`);
  }
  if (parts.length === 0) return undefined;
  const cpu = shares.cpu;
  return {
    note: `autoprof's own code inside the target (preload, sampler, agent): ${parts.join(', ')}, left out of the program's figures as profiling cost`,
    cpuShare: cpu && cpu.total > 0 ? Math.round((1000 * cpu.removed) / cpu.total) / 1000 : 0,
  };
}

/** THIN_PROFILE_S: under this much sampled CPU (20 samples at 100 Hz) shares are rough. */
const THIN_PROFILE_S = 0.2;

/**
 * thinProfileNote says plainly when the CPU profile holds too little time to rank functions
 * with confidence (a program that ends in a fraction of a second), rather than leaving the
 * reader to trust shares computed from a handful of samples.
 */
function thinProfileNote(views: SampleView[]): string | undefined {
  const cpu = views.find((v) => v.kind === 'cpu');
  if (!cpu) return undefined;
  // Sample counts come from ~100 Hz samplers (perf -F 99, bpftrace profile:hz:99).
  const perSecond: Record<string, number> = { nanoseconds: 1e9, microseconds: 1e6, milliseconds: 1e3 };
  const seconds = cpu.total / (perSecond[cpu.unit] ?? 100);
  if (seconds >= THIN_PROFILE_S) return undefined;
  return `the CPU profile is thin (${Math.round(seconds * 1000)} ms of samples, under ${THIN_PROFILE_S * 1000} ms): the run was short, so function shares are rough`;
}

/**
 * targetWindowOf is the target's own life from the manifest (exec to exit, and the CPU the
 * kernel charged it), so collector start-up and teardown never count as the program's.
 */
function targetWindowOf(manifest: RunManifest): TargetWindow | undefined {
  const startMs = Date.parse(manifest.startedAt);
  const endMs = Date.parse(manifest.endedAt);
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || !(manifest.wallMs > 0)) return undefined;
  const cpu = manifest.targetCpu;
  return {
    startMs,
    endMs,
    wallS: manifest.wallMs / 1000,
    ...(cpu ? { cpuS: cpu.userS + cpu.systemS } : {}),
  };
}

function pstatsView(p: Profile): SampleView[] {
  const i = p.sampleTypes.findIndex((t) => t.type === 'time');
  if (i < 0) return [];
  const one: Profile = {
    ...p,
    sampleTypes: [p.sampleTypes[i]],
    samples: p.samples.map((s) => ({ ...s, values: [s.values[i]] })),
  };
  return viewsOfProfile(one, 'cpu');
}

/**
 * locateJvmSources gives the program's own JVM frames (JFR names class and method, not the
 * file) their source file when it is found from the classpath or the working directory, so
 * source-line patterns and reports can read the hot lines.
 */
function locateJvmSources(views: SampleView[], manifest: RunManifest): void {
  const argv = manifest.target?.argv ?? [];
  const cwd = manifest.target?.cwd;
  const roots: string[] = [];
  for (let i = 0; i < argv.length - 1; i++)
    if (/^(-cp|-classpath|--class-path)$/.test(argv[i]))
      for (const entry of argv[i + 1].split(':'))
        if (entry && !/\.jar$|\*$/.test(entry))
          roots.push(isAbsolute(entry) || !cwd ? entry : join(cwd, entry));
  if (cwd) roots.push(cwd);
  const locator = new JavaSourceLocator(roots, cwd && cwd !== '/' ? cwd : undefined);
  for (const v of views) {
    const origins = functionOrigins(v.profile.functions);
    for (const [i, fn] of v.profile.functions.entries()) {
      if (fn.filename !== '' || origins[i] !== 'own' || runtimeOfFrame(fn.name, '') === 'node') continue;
      const file = locator.locate(fn.name);
      if (file) fn.filename = file;
    }
  }
}

/** runtimesOf unions the runtimes of every view's frames. */
export function runtimesOf(views: SampleView[]): Runtime[] {
  const set = new Set<Runtime>();
  for (const v of views) for (const r of runtimesOfProfile(v.profile)) set.add(r);
  return [...set];
}

/**
 * addGcShare sets gc_share: GC pause time over CPU time when the node collector measured it,
 * else the share of GC frames in the CPU profile (V8's "(garbage collector)", Go's GC workers).
 */
export function addGcShare(input: DiagnosisInput): void {
  const m = input.metrics;
  if (m.gc_minor_count !== undefined && m.cpu_s)
    m.gc_minor_per_cpu_s = Math.round((m.gc_minor_count / m.cpu_s) * 10) / 10;
  if (m.gc_pause_ms !== undefined && m.cpu_s) {
    m.gc_share = Math.min(1, Math.round((m.gc_pause_ms / 1000 / m.cpu_s) * 1000) / 1000);
    return;
  }
  const cpu = input.views.find((v) => v.kind === 'cpu');
  if (!cpu) return;
  const shares = functionShares(cpu.profile, 0);
  let gc = 0;
  for (const f of shares.functions.values())
    if (
      /^\(garbage collector\)$|^runtime\.(gcBgMarkWorker|bgsweep|gcAssistAlloc)$|^GC_|^G1|^PSScavenge/.test(
        f.name,
      )
    )
      gc += f.totalShare;
  m.gc_share = Math.round(Math.min(1, gc) * 1000) / 1000;
}

/** featuresOf renders the diagnosis input as the features.json table. */
export function featuresOf(input: DiagnosisInput, notes: string[]): Features {
  const samples: Features['samples'] = {};
  for (const v of input.views) {
    const shares = functionShares(v.profile, 0);
    const originOf = new Map<string, FrameOrigin>();
    const origins = functionOrigins(v.profile.functions);
    for (const [i, f] of v.profile.functions.entries())
      originOf.set(functionKey(f.name, f.filename), origins[i]);
    const rows = [...shares.functions.values()]
      .sort((a, b) => b.self - a.self || b.total - a.total)
      .slice(0, TOP_FUNCTIONS)
      .map((f) => ({
        function: f.name,
        file: f.file,
        origin: originOf.get(functionKey(f.name, f.file)) ?? 'own',
        self_share: round4(f.selfShare),
        total_share: round4(f.totalShare),
        self: f.self,
        total: f.total,
      }));
    const lines = aggregateLines(
      ownLines(v.profile, v.kind === 'cpu' ? input.lineTicks : undefined),
      v.total,
    );
    samples[v.kind] = {
      unit: v.unit,
      total: v.total,
      source: input.sourceOf[v.kind] ?? 'profile',
      functions: rows,
      own_lines: lines,
    };
  }
  return {
    schema: FEATURES_SCHEMA,
    runtimes: input.runtimes,
    metrics: input.metrics,
    processes: input.processes,
    node_processes: input.nodeProcesses,
    samples,
    call_stats: [...input.callStats].sort((a, b) => b.total_s - a.total_s).slice(0, 50),
    notes,
  };
}

function aggregateLines(lines: ReturnType<typeof ownLines>, total: number) {
  const by = new Map<string, { function: string; file: string; line: number; value: number; self: number }>();
  for (const l of lines) {
    const k = `${l.key}\u0000${l.line}`;
    const e = by.get(k) ?? { function: l.function, file: l.file, line: l.line, value: 0, self: 0 };
    e.value += l.value;
    e.self += l.selfValue;
    by.set(k, e);
  }
  return [...by.values()]
    .sort((a, b) => b.value - a.value)
    .slice(0, TOP_LINES)
    .map((e) => ({
      function: e.function,
      file: e.file,
      line: e.line,
      share: round4(total ? e.value / total : 0),
      self_share: round4(total ? e.self / total : 0),
    }));
}

/** diagnosisInputOfProfile builds the input for a bare profile (no run directory). */
export function diagnosisInputOfProfile(profile: Profile, metrics: Partial<Metrics> = {}): DiagnosisInput {
  const input = emptyDiagnosisInput();
  input.views = mergeViews(
    viewsOfProfile(profile)
      .map((v) => withoutProfilerSamples(v).view)
      .filter((v) => v.total > 0),
  );
  input.metrics = { ...metrics };
  input.runtimes = runtimesOf(input.views);
  input.have.timeseries = metrics.cpu_utilisation !== undefined;
  input.have.nodeMetrics = metrics.event_loop_delay_count !== undefined;
  if (input.metrics.gc_share === undefined) addGcShare(input);
  return input;
}

function round4(x: number): number {
  return Math.round(x * 10000) / 10000;
}
