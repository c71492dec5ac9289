import { readFileSync } from 'node:fs';
import type { CollectorCost } from './collector.js';
import { readProcStat } from './process-tree.js';

/** COST_POLL_MS: a collector process's counters are read this often while it lives. */
const COST_POLL_MS = 20;
const MS_PER_TICK = 10;

interface Watched {
  startTicks: number;
  cpuMs: number;
  peakRssKb: number;
}

function peakRssKbOf(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * ProcessCost adds up what a collector's own processes use (perf record, perf script,
 * bpftrace, py-spy): CPU from /proc/PID/stat and the high-water mark of RSS (VmHWM), polled
 * every 20 ms until each exits, so at most the last poll interval of a process goes uncounted.
 */
export class ProcessCost {
  private readonly watched = new Map<number, Watched>();
  private timer: NodeJS.Timeout | undefined;

  /** watch starts following one process (a child the collector just spawned). */
  watch(pid: number | undefined): void {
    if (pid === undefined) return;
    const stat = readProcStat(pid);
    if (!stat) return;
    this.watched.set(pid, { startTicks: stat.startTicks, cpuMs: 0, peakRssKb: 0 });
    this.poll();
    this.timer ??= setInterval(() => this.poll(), COST_POLL_MS);
    this.timer.unref();
  }

  /** poll reads every watched process that is still the same process. */
  poll(): void {
    let alive = 0;
    for (const [pid, w] of this.watched) {
      const stat = readProcStat(pid);
      if (!stat || stat.startTicks !== w.startTicks) continue;
      alive++;
      w.cpuMs = Math.max(w.cpuMs, (stat.utimeTicks + stat.stimeTicks) * MS_PER_TICK);
      w.peakRssKb = Math.max(w.peakRssKb, peakRssKbOf(pid) ?? 0);
    }
    if (alive === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** total is the cost so far; the processes may still run. */
  total(): CollectorCost {
    const all = [...this.watched.values()];
    return {
      where: 'process',
      cpuS: Math.round(all.reduce((s, w) => s + w.cpuMs, 0)) / 1000,
      peakRssMb: Math.round(Math.max(0, ...all.map((w) => w.peakRssKb)) / 102.4) / 10,
      processes: all.length,
    };
  }

  /** reset forgets every process (one cost per run). */
  reset(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.watched.clear();
  }
}
