import { closeSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Collector, CollectorContext, CollectorResult } from '../collector.js';
import { ProcessTree, type ProcStat, parseProcStat } from '../process-tree.js';

/**
 * CLOCK_TICKS_PER_SECOND is USER_HZ, the unit of utime/stime in /proc. Linux fixes it at 100 on
 * every architecture autoprof runs on; Node cannot call sysconf(_SC_CLK_TCK) to ask.
 */
export const CLOCK_TICKS_PER_SECOND = 100;
const MS_PER_TICK = 1000 / CLOCK_TICKS_PER_SECOND;

/** ThreadSample is one thread at one instant. */
export interface ThreadSample {
  tid: number;
  comm: string;
  /** state: R running, S sleeping, D uninterruptible (disk I/O), T stopped, ... */
  state: string;
  /** wchan is the kernel function a sleeping thread waits in (e.g. futex_wait, do_epoll_wait, hrtimer_nanosleep). */
  wchan: string;
  cpuUserMs: number;
  cpuSystemMs: number;
}

/** ProcessSample is one process of the tree at one instant; counters are cumulative. */
export interface ProcessSample {
  pid: number;
  ppid: number;
  comm: string;
  state: string;
  cpuUserMs: number;
  cpuSystemMs: number;
  rssKb: number;
  /** peakRssKb is VmHWM, the high-water mark of RSS. */
  peakRssKb: number;
  threads: number;
  voluntaryCtxSwitches: number;
  involuntaryCtxSwitches: number;
  /** readChars/writeChars count every read/write (pipes, sockets, page cache); readBytes/writeBytes only storage. */
  readChars?: number;
  writeChars?: number;
  readBytes?: number;
  writeBytes?: number;
  readSyscalls?: number;
  writeSyscalls?: number;
  threadSamples: ThreadSample[];
}

/** TimeseriesSample is one line of system.timeseries.jsonl with `type: 'sample'`. */
export interface TimeseriesSample {
  type: 'sample';
  /** t is epoch milliseconds. */
  t: number;
  /** cpuCores is CPU used by the tree since the previous sample, divided by the wall time between them. */
  cpuCores: number;
  processes: ProcessSample[];
}

/** TimeseriesSummary is the last line: totals a reader needs without replaying every sample. */
export interface TimeseriesSummary {
  type: 'summary';
  samples: number;
  wallMs: number;
  /** cpuMs is CPU seen used by the tree (processes that lived between two samples). */
  cpuMs: number;
  avgCores: number;
  maxCores: number;
  peakRssKb: number;
  processesSeen: number;
  /** threadStates counts thread observations by state letter over all samples. */
  threadStates: Record<string, number>;
  /** wchans counts sleeping-thread observations by kernel wait function. */
  wchans: Record<string, number>;
}

/** parseStatusFields picks the numeric `Key:   value kB` lines autoprof wants from /proc/PID/status. */
export function parseStatusFields(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const value = Number.parseInt(line.slice(colon + 1).trim(), 10);
    if (!Number.isNaN(value)) out[line.slice(0, colon)] = value;
  }
  return out;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function sampleThreads(pid: number): ThreadSample[] {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: ThreadSample[] = [];
  for (const tid of tids) {
    const stat = parseProcStat(readText(`/proc/${pid}/task/${tid}/stat`) ?? '');
    if (!stat) continue;
    const wchan = readText(`/proc/${pid}/task/${tid}/wchan`) ?? '';
    out.push({
      tid: stat.pid,
      comm: stat.comm,
      state: stat.state,
      wchan: wchan === '0' ? '' : wchan,
      cpuUserMs: stat.utimeTicks * MS_PER_TICK,
      cpuSystemMs: stat.stimeTicks * MS_PER_TICK,
    });
  }
  return out;
}

/** sampleProcess reads status, io and the threads of one process; undefined once it is gone. */
export function sampleProcess(stat: ProcStat): ProcessSample | undefined {
  const status = readText(`/proc/${stat.pid}/status`);
  if (status === undefined) return undefined;
  const s = parseStatusFields(status);
  // /proc/PID/io is unreadable for other users' processes; the counters are then omitted.
  const io = parseStatusFields(readText(`/proc/${stat.pid}/io`) ?? '');
  return {
    pid: stat.pid,
    ppid: stat.ppid,
    comm: stat.comm,
    state: stat.state,
    cpuUserMs: stat.utimeTicks * MS_PER_TICK,
    cpuSystemMs: stat.stimeTicks * MS_PER_TICK,
    rssKb: s.VmRSS ?? 0,
    peakRssKb: s.VmHWM ?? 0,
    threads: s.Threads ?? stat.numThreads,
    voluntaryCtxSwitches: s.voluntary_ctxt_switches ?? 0,
    involuntaryCtxSwitches: s.nonvoluntary_ctxt_switches ?? 0,
    readChars: io.rchar,
    writeChars: io.wchar,
    readBytes: io.read_bytes,
    writeBytes: io.write_bytes,
    readSyscalls: io.syscr,
    writeSyscalls: io.syscw,
    threadSamples: sampleThreads(stat.pid),
  };
}

/**
 * cpuCoresBetween is the tree's CPU use between two samples in cores. Only processes present
 * in both count: a process that appeared has no baseline, one that vanished took its last
 * ticks with it.
 */
export function cpuCoresBetween(
  prev: TimeseriesSample | undefined,
  next: Omit<TimeseriesSample, 'cpuCores'>,
): number {
  if (!prev || next.t <= prev.t) return 0;
  const before = new Map(prev.processes.map((p) => [p.pid, p.cpuUserMs + p.cpuSystemMs]));
  let cpuMs = 0;
  for (const p of next.processes) {
    const b = before.get(p.pid);
    if (b !== undefined) cpuMs += Math.max(0, p.cpuUserMs + p.cpuSystemMs - b);
  }
  return cpuMs / (next.t - prev.t);
}

/** SystemSampler samples the tree of one root pid into a JSON-lines file. */
export class SystemSampler {
  private tree: ProcessTree;
  private fd: number;
  private timer: NodeJS.Timeout | undefined;
  private prev: TimeseriesSample | undefined;
  private readonly startMs = Date.now();
  private samples = 0;
  private cpuMs = 0;
  private maxCores = 0;
  private peakRssKb = 0;
  private readonly threadStates: Record<string, number> = {};
  private readonly wchans: Record<string, number> = {};
  private busy = false;
  private ownCpuUs = 0;

  constructor(
    rootPid: number,
    readonly path: string,
    readonly intervalMs = 50,
  ) {
    this.tree = new ProcessTree(rootPid);
    this.fd = openSync(path, 'w');
    this.writeLine({
      type: 'header',
      rootPid,
      intervalMs,
      clockTicksPerSecond: CLOCK_TICKS_PER_SECOND,
      startMs: this.startMs,
    });
    this.tick();
    this.timer = setInterval(() => this.tick(), intervalMs);
  }

  /** ownCpuS is the CPU autoprof spent reading /proc for this series (its cost, not the target's). */
  get ownCpuS(): number {
    return this.ownCpuUs / 1e6;
  }

  /** sampleCount is how many samples were written so far. */
  get sampleCount(): number {
    return this.samples;
  }

  /** tick takes one sample; a slow tick skips the next rather than piling up. */
  tick(): void {
    if (this.busy) return;
    this.busy = true;
    const before = process.cpuUsage();
    try {
      const t = Date.now();
      const processes: ProcessSample[] = [];
      for (const stat of this.tree.poll(t)) {
        const p = sampleProcess(stat);
        if (p) processes.push(p);
      }
      const cpuCores = cpuCoresBetween(this.prev, { type: 'sample', t, processes });
      const sample: TimeseriesSample = { type: 'sample', t, cpuCores, processes };
      if (this.prev) this.cpuMs += cpuCores * (t - this.prev.t);
      this.maxCores = Math.max(this.maxCores, cpuCores);
      for (const p of processes) {
        this.peakRssKb = Math.max(this.peakRssKb, p.peakRssKb);
        for (const th of p.threadSamples) {
          this.threadStates[th.state] = (this.threadStates[th.state] ?? 0) + 1;
          if (th.wchan && th.state !== 'R') this.wchans[th.wchan] = (this.wchans[th.wchan] ?? 0) + 1;
        }
      }
      this.writeLine(sample);
      this.prev = sample;
      this.samples++;
    } finally {
      const used = process.cpuUsage(before);
      this.ownCpuUs += used.user + used.system;
      this.busy = false;
    }
  }

  /** stop takes a last sample, writes the summary line and closes the file. */
  stop(): TimeseriesSummary {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.tick();
    const wallMs = Date.now() - this.startMs;
    const summary: TimeseriesSummary = {
      type: 'summary',
      samples: this.samples,
      wallMs,
      cpuMs: Math.round(this.cpuMs),
      avgCores: wallMs > 0 ? this.cpuMs / wallMs : 0,
      maxCores: this.maxCores,
      peakRssKb: this.peakRssKb,
      processesSeen: this.tree.all().length,
      threadStates: this.threadStates,
      wchans: this.wchans,
    };
    this.writeLine(summary);
    closeSync(this.fd);
    return summary;
  }

  private writeLine(value: unknown): void {
    writeSync(this.fd, `${JSON.stringify(value)}\n`);
  }
}

/** SYSTEM_TIMESERIES_FILE is the artifact name inside artifacts/. */
export const SYSTEM_TIMESERIES_FILE = 'system.timeseries.jsonl';

/**
 * createSystemCollector samples /proc for the whole tree at ~20 Hz: CPU user/system, RSS and
 * its peak, threads, context switches, I/O counters and per-thread state and wchan, so
 * analysis can tell computing from waiting on I/O, locks (futex) or timers.
 */
export function createSystemCollector(intervalMs = 50): Collector & { samplesSoFar(): number } {
  let sampler: SystemSampler | undefined;
  let lastCostS: number | undefined;
  return {
    name: 'system',
    description: 'per-process CPU, memory, context switches, I/O and thread states from /proc (~20 Hz)',
    async availability() {
      try {
        statSync('/proc/self/stat');
        return { available: true };
      } catch {
        return { available: false, reason: '/proc is not mounted (Linux only)' };
      }
    },
    async start(rootPid: number, ctx: CollectorContext) {
      sampler = new SystemSampler(rootPid, join(ctx.artifactsDir, SYSTEM_TIMESERIES_FILE), intervalMs);
    },
    async stop(ctx: CollectorContext): Promise<CollectorResult> {
      if (!sampler) return { status: 'skipped', warnings: ['the target never started'], artifacts: [] };
      const summary = sampler.stop();
      lastCostS = sampler.ownCpuS;
      const s = sampler;
      sampler = undefined;
      const warnings =
        summary.samples < 2 ? ['fewer than 2 samples: the target ended too soon for rates'] : [];
      return {
        status: 'ok',
        warnings,
        artifacts: [
          {
            path: relative(ctx.runDir, s.path),
            kind: 'timeseries',
            collector: 'system',
            description: `${summary.samples} samples every ${s.intervalMs} ms; avg ${summary.avgCores.toFixed(2)} cores`,
            bytes: statSync(s.path).size,
          },
        ],
      };
    },
    samplesSoFar: () => sampler?.sampleCount ?? 0,
    // The sampler runs on autoprof's own thread, so its memory is autoprof's: no RSS of its own.
    cost: () =>
      lastCostS === undefined
        ? undefined
        : { where: 'autoprof', cpuS: Math.round(lastCostS * 1000) / 1000, processes: 0 },
  };
}

/** systemCollector is the registry's instance. */
export const systemCollector = createSystemCollector();
