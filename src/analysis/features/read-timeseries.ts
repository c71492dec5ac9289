import type { ProcessSample, TimeseriesSample } from '../../collect/collectors/system.js';
import type { Metrics } from './metrics.js';
import {
  pickMainThread,
  type ThreadLife,
  type ThreadObservations,
  type ThreadRole,
  threadRole,
} from './thread-roles.js';
import { linearTrend } from './trend.js';
import { WAIT_REASONS, type WaitReason, waitReason } from './wait-reasons.js';

/** ProcessFeatures is one process of the tree as the /proc series saw it. */
export interface ProcessFeatures {
  pid: number;
  ppid: number;
  comm: string;
  /** seen_s: from the first to the last sample that saw the process. */
  seen_s: number;
  cpu_s: number;
  /** cpu_utilisation: cpu_s / seen_s in cores. */
  cpu_utilisation: number;
  system_time_share: number;
  rss_peak_mb: number;
  rss_slope_mb_per_s: number;
  voluntary_ctx_switches_per_s: number;
  involuntary_ctx_switches_per_s: number;
  syscalls_per_s: number;
  io_read_bytes: number;
  io_write_bytes: number;
  threads: number;
  /** thread_states: observations of this process's threads by wait reason (fractions). */
  thread_states: Record<WaitReason, number>;
}

/** TimeseriesFeatures is what one system.timeseries.jsonl yields. */
export interface TimeseriesFeatures {
  metrics: Metrics;
  processes: ProcessFeatures[];
  /** mainPid is the process judged to be the program (see pickMainProcess). */
  mainPid: number;
  /** mainTid is its thread judged to be the main thread (see pickMainThread). */
  mainTid: number;
  /** wchans counts sleeping observations of the main thread by kernel wait function. */
  mainWchans: Record<string, number>;
}

/** parseTimeseries reads the JSON lines, skipping lines that are not samples or are broken. */
export function parseTimeseries(text: string): TimeseriesSample[] {
  const out: TimeseriesSample[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const value = JSON.parse(line) as { type?: string };
      if (value.type === 'sample') out.push(value as TimeseriesSample);
    } catch {
      // A run killed mid-write leaves a torn last line; the rest is still good.
    }
  }
  return out;
}

interface Track {
  pid: number;
  ppid: number;
  comm: string;
  points: Array<{ t: number; p: ProcessSample }>;
}

function tracks(samples: TimeseriesSample[]): Track[] {
  const byPid = new Map<number, Track>();
  for (const s of samples) {
    for (const p of s.processes) {
      let track = byPid.get(p.pid);
      if (!track) {
        track = { pid: p.pid, ppid: p.ppid, comm: p.comm, points: [] };
        byPid.set(p.pid, track);
      }
      // exec() keeps the pid and changes comm (a shell or shim becoming the program).
      track.comm = p.comm;
      track.points.push({ t: s.t, p });
    }
  }
  return [...byPid.values()];
}

const cpuOf = (p: ProcessSample) => (p.cpuUserMs + p.cpuSystemMs) / 1000;

/**
 * pickMainProcess chooses the process that is the program: among processes alive for at least
 * half of the longest lifetime, the busiest; when none used CPU, the deepest (the last started),
 * since wrappers (sh -c, version-manager shims) start first and wait.
 */
export function pickMainProcess(all: Track[]): Track | undefined {
  if (all.length === 0) return undefined;
  const life = (t: Track) => t.points.length;
  const longest = Math.max(...all.map(life));
  const candidates = all.filter((t) => life(t) >= longest / 2);
  const cpu = (t: Track) => cpuOf(t.points[t.points.length - 1].p);
  const busiest = [...candidates].sort((a, b) => cpu(b) - cpu(a))[0];
  if (cpu(busiest) > 0.05) return busiest;
  return candidates[candidates.length - 1];
}

function shares(counts: Record<WaitReason, number>): Record<WaitReason, number> {
  const total = WAIT_REASONS.reduce((s, r) => s + counts[r], 0);
  const out = {} as Record<WaitReason, number>;
  for (const r of WAIT_REASONS) out[r] = total === 0 ? 0 : round(counts[r] / total);
  return out;
}

function zeroCounts(): Record<WaitReason, number> {
  return { running: 0, timer: 0, poll: 0, lock: 0, io: 0, child: 0, other: 0 };
}

function processFeatures(track: Track, intervalS: number): ProcessFeatures {
  const first = track.points[0];
  const last = track.points[track.points.length - 1];
  const seen = Math.max(intervalS, (last.t - first.t) / 1000);
  const cpu = cpuOf(last.p);
  const states = zeroCounts();
  for (const { p } of track.points)
    for (const th of p.threadSamples) states[waitReason(th.state, th.wchan)]++;
  const rss = rssTrend(track);
  const syscalls = (last.p.readSyscalls ?? 0) + (last.p.writeSyscalls ?? 0);
  return {
    pid: track.pid,
    ppid: track.ppid,
    comm: track.comm,
    seen_s: round(seen),
    cpu_s: round(cpu),
    cpu_utilisation: round(cpu / seen),
    system_time_share: cpu === 0 ? 0 : round(last.p.cpuSystemMs / 1000 / cpu),
    rss_peak_mb: round(Math.max(...track.points.map((x) => x.p.peakRssKb, 0)) / 1024),
    rss_slope_mb_per_s: round(rss.slope),
    voluntary_ctx_switches_per_s: round(last.p.voluntaryCtxSwitches / seen),
    involuntary_ctx_switches_per_s: round(last.p.involuntaryCtxSwitches / seen),
    syscalls_per_s: round(syscalls / seen),
    io_read_bytes: last.p.readBytes ?? 0,
    io_write_bytes: last.p.writeBytes ?? 0,
    threads: Math.max(...track.points.map((x) => x.p.threads)),
    thread_states: shares(states),
  };
}

/**
 * rssTrend fits RSS (MB) over time (s), leaving out the first 10% of the process's life, where
 * every runtime grows while it loads code.
 */
function rssTrend(track: Track): { slope: number; r2: number; growth: number } {
  // Points before the last exec (a shell or version-manager shim with the same pid) are not
  // the program.
  const comm = track.points[track.points.length - 1]?.p.comm;
  let pts = track.points.filter((x) => x.p.comm === comm);
  // A process that exits frees its heap first: RSS falling after its peak within the last 10%
  // of its samples is teardown, not the program's behaviour.
  const tail = Math.max(1, Math.ceil(pts.length / 10));
  let peak = 0;
  for (let i = 1; i < pts.length; i++) if (pts[i].p.rssKb >= pts[peak].p.rssKb) peak = i;
  if (pts.length - 1 - peak <= tail) pts = pts.slice(0, peak + 1);
  const skip = Math.floor(pts.length / 10);
  const used = pts.slice(skip);
  if (used.length < 3) return { slope: 0, r2: 0, growth: 0 };
  const t0 = used[0].t;
  const trend = linearTrend(
    used.map((x) => (x.t - t0) / 1000),
    used.map((x) => x.p.rssKb / 1024),
  );
  return {
    slope: trend.slope,
    r2: trend.r2,
    growth: (used[used.length - 1].p.rssKb - used[0].p.rssKb) / 1024,
  };
}

/**
 * TargetWindow is the target's own life as the runner measured it: from its exec to its exit
 * (epoch ms), with the CPU the kernel charged it at exit when known.
 */
export interface TargetWindow {
  startMs: number;
  endMs: number;
  wallS: number;
  cpuS?: number;
}

/**
 * withinWindow keeps the samples taken while the target ran: before its release the process is
 * the exec gate, stopped while collectors attach, and after its exit only leftovers remain.
 */
export function withinWindow(
  samples: TimeseriesSample[],
  window: TargetWindow | undefined,
): TimeseriesSample[] {
  if (!window) return samples;
  return samples.filter((s) => s.t >= window.startMs && s.t <= window.endMs);
}

function threadLives(main: Track): ThreadLife[] {
  const byTid = new Map<number, ThreadLife & { seen: number; parked: number }>();
  for (const { p } of main.points) {
    for (const th of p.threadSamples) {
      const life = byTid.get(th.tid) ?? {
        tid: th.tid,
        comm: th.comm,
        cpuS: 0,
        parkedShare: 0,
        seen: 0,
        parked: 0,
      };
      life.comm = th.comm;
      life.cpuS = (th.cpuUserMs + th.cpuSystemMs) / 1000;
      life.seen++;
      if (waitReason(th.state, th.wchan) === 'lock') life.parked++;
      life.parkedShare = life.parked / life.seen;
      byTid.set(th.tid, life);
    }
  }
  return [...byTid.values()];
}

/**
 * timeseriesFeatures turns the /proc series into per-process features and the run's metrics:
 * CPU utilisation, system share, RSS trend, context switches, syscalls, I/O and the thread-state
 * breakdown of the main thread and of every program thread that ran. With the target's window
 * only the samples inside it count, and its wall and CPU come from the runner's measurement.
 */
export function timeseriesFeatures(
  allSamples: TimeseriesSample[],
  window?: TargetWindow,
): TimeseriesFeatures | undefined {
  const samples = withinWindow(allSamples, window);
  if (samples.length === 0) return undefined;
  const all = tracks(samples);
  const main = pickMainProcess(all);
  if (!main) return undefined;
  const wall = window
    ? Math.max(0.001, window.wallS)
    : Math.max(0.001, (samples[samples.length - 1].t - samples[0].t) / 1000);
  const intervalS = samples.length > 1 ? wall / (samples.length - 1) : 0.05;
  const processes = all.map((t) => processFeatures(t, intervalS));
  const lastOf = (t: Track) => t.points[t.points.length - 1].p;
  const sum = (f: (p: ProcessSample) => number) => all.reduce((s, t) => s + f(lastOf(t)), 0);
  // The last sample can be up to one interval before the exit; the kernel's count at exit is whole.
  const cpu = Math.max(sum(cpuOf), window?.cpuS ?? 0);
  const sys = sum((p) => p.cpuSystemMs / 1000);
  const mainTid = pickMainThread(main.pid, main.comm, threadLives(main), wall);

  const mainCounts = zeroCounts();
  const mainWchans: Record<string, number> = {};
  const threadCpu = new Map<number, { first: number; last: number }>();
  for (const t of all) {
    for (const { p } of t.points) {
      for (const th of p.threadSamples) {
        const c = (th.cpuUserMs + th.cpuSystemMs) / 1000;
        const entry = threadCpu.get(th.tid);
        if (entry) entry.last = c;
        else threadCpu.set(th.tid, { first: c, last: c });
        if (th.tid !== mainTid) continue;
        const reason = waitReason(th.state, th.wchan);
        mainCounts[reason]++;
        if (reason !== 'running' && th.wchan) mainWchans[th.wchan] = (mainWchans[th.wchan] ?? 0) + 1;
      }
    }
  }
  // A thread that started and ended between samples is invisible; its CPU still counts above.
  // Helper threads (V8 platform workers, GC threads) use a few percent; a worker doing the
  // program's work uses far more.
  const activeCut = Math.max(0.05, 0.1 * wall);
  const active = new Set<number>();
  let busiest = 0;
  // A thread's counters start at its creation, so its last value is all the CPU it used.
  const roles = threadRoles(all);
  for (const [tid, c] of threadCpu) {
    if (roles.get(tid) !== 'program') continue;
    busiest = Math.max(busiest, c.last);
    if (c.last >= activeCut) active.add(tid);
  }
  const activeCounts = zeroCounts();
  for (const t of all)
    for (const { p } of t.points)
      for (const th of p.threadSamples)
        if (active.has(th.tid)) activeCounts[waitReason(th.state, th.wchan)]++;

  const rss = rssTrend(main);
  const syscalls = sum((p) => (p.readSyscalls ?? 0) + (p.writeSyscalls ?? 0));
  const chars = sum((p) => (p.readChars ?? 0) + (p.writeChars ?? 0));
  const mainShares = shares(mainCounts);
  const activeShares = shares(activeCounts);
  // Only the program's descendants count: wrappers (sh -c, pyenv shims) run helpers before
  // exec'ing the program, which is not the program spawning processes.
  const spawned = descendantsOf(main, all);
  const metrics: Metrics = {
    wall_s: round(wall),
    cpu_s: round(cpu),
    cpu_utilisation: round(cpu / wall),
    busiest_thread_utilisation: round(Math.min(1, busiest / wall)),
    system_time_share: cpu === 0 ? 0 : round(sys / cpu),
    rss_peak_mb: round(Math.max(...all.map((t) => lastOf(t).peakRssKb)) / 1024),
    rss_growth_mb: round(rss.growth),
    rss_slope_mb_per_s: round(rss.slope),
    rss_trend_r2: round(rss.r2),
    voluntary_ctx_switches_per_s: round(sum((p) => p.voluntaryCtxSwitches) / wall),
    involuntary_ctx_switches_per_s: round(sum((p) => p.involuntaryCtxSwitches) / wall),
    syscalls_per_s: round(syscalls / wall),
    bytes_per_syscall: syscalls === 0 ? 0 : round(chars / syscalls),
    io_read_bytes: sum((p) => p.readBytes ?? 0),
    io_write_bytes: sum((p) => p.writeBytes ?? 0),
    io_read_chars: sum((p) => p.readChars ?? 0),
    io_write_chars: sum((p) => p.writeChars ?? 0),
    processes_spawned: spawned,
    spawn_rate_per_s: round(spawned / wall),
    main_running_share: mainShares.running,
    main_timer_share: mainShares.timer,
    main_poll_share: mainShares.poll,
    main_lock_share: mainShares.lock,
    main_io_share: mainShares.io,
    main_child_share: mainShares.child,
    main_other_share: mainShares.other,
    active_running_share: activeShares.running,
    active_timer_share: activeShares.timer,
    active_poll_share: activeShares.poll,
    active_lock_share: activeShares.lock,
    active_io_share: activeShares.io,
    active_child_share: activeShares.child,
    active_other_share: activeShares.other,
    active_threads: active.size,
    runtime_thread_cpu_s: round(roleCpu(roles, threadCpu, 'runtime')),
    profiler_thread_cpu_s: round(roleCpu(roles, threadCpu, 'profiler')),
    timeseries_samples: samples.length,
  };
  return { metrics, processes, mainPid: main.pid, mainTid, mainWchans };
}

/**
 * threadRoles tells every thread of the tree apart: the program's, its runtime's helpers, or a
 * profiler's inside the target (see thread-roles.ts). Tids are unique across the tree.
 */
function threadRoles(all: Track[]): Map<number, ThreadRole> {
  const roles = new Map<number, ThreadRole>();
  for (const t of all) {
    const seen = new Map<number, ThreadObservations>();
    for (const { p } of t.points) {
      for (const th of p.threadSamples) {
        const obs = seen.get(th.tid) ?? { tid: th.tid, comm: th.comm, seen: 0, lock: 0, poll: 0 };
        obs.comm = th.comm;
        obs.seen++;
        const reason = waitReason(th.state, th.wchan);
        if (reason === 'lock') obs.lock++;
        if (reason === 'poll') obs.poll++;
        seen.set(th.tid, obs);
      }
    }
    for (const obs of seen.values()) roles.set(obs.tid, threadRole(t.pid, obs));
  }
  return roles;
}

function roleCpu(
  roles: Map<number, ThreadRole>,
  threadCpu: Map<number, { last: number }>,
  role: ThreadRole,
): number {
  let sum = 0;
  for (const [tid, c] of threadCpu) if (roles.get(tid) === role) sum += c.last;
  return sum;
}

function descendantsOf(main: Track, all: Track[]): number {
  // A wrapper that exec()s into the program keeps its pid: children it started before the exec
  // (the first sample showing the final comm) belong to the wrapper.
  const execAt = main.points.find((x) => x.p.comm === main.comm)?.t ?? 0;
  const children = new Map<number, Track[]>();
  for (const t of all) children.set(t.ppid, [...(children.get(t.ppid) ?? []), t]);
  let n = 0;
  const stack = [main.pid];
  const seen = new Set<number>([main.pid]);
  while (stack.length > 0) {
    const parent = stack.pop() as number;
    for (const c of children.get(parent) ?? []) {
      if (seen.has(c.pid)) continue;
      seen.add(c.pid);
      if (parent === main.pid && c.points[0].t < execAt) continue;
      n++;
      stack.push(c.pid);
    }
  }
  return n;
}

function round(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1000) / 1000 : 0;
}
