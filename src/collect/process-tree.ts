import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** ProcStat is the part of /proc/PID/stat (or /proc/PID/task/TID/stat) autoprof reads. */
export interface ProcStat {
  pid: number;
  comm: string;
  /** state is one letter: R running, S sleeping, D uninterruptible (I/O), Z zombie, T stopped, ... */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** utimeTicks and stimeTicks are CPU time in clock ticks (USER_HZ, 100 on Linux). */
  utimeTicks: number;
  stimeTicks: number;
  /** cutimeTicks and cstimeTicks are the CPU of children it waited for (reaped). */
  cutimeTicks: number;
  cstimeTicks: number;
  numThreads: number;
  /** startTicks is the start time after boot in clock ticks: with the pid it names a process uniquely. */
  startTicks: number;
  /** processor is the CPU it last ran on. */
  processor: number;
}

/**
 * parseProcStat reads one stat line. comm may hold spaces and parentheses, so the fields are
 * split after the LAST ')'. Returns undefined for text that is not a stat line.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const f = text
    .slice(close + 2)
    .trim()
    .split(' ');
  // f[0] is field 3 (state) of proc(5); field n is f[n - 3].
  if (f.length < 37) return undefined;
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: f[0],
    ppid: Number(f[1]),
    pgrp: Number(f[2]),
    session: Number(f[3]),
    utimeTicks: Number(f[11]),
    stimeTicks: Number(f[12]),
    cutimeTicks: Number(f[13]),
    cstimeTicks: Number(f[14]),
    numThreads: Number(f[17]),
    startTicks: Number(f[19]),
    processor: Number(f[36]),
  };
}

/** readProcStat reads /proc/PID/stat; undefined once the process is gone. */
export function readProcStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** readArgv reads /proc/PID/cmdline (NUL-separated); empty for zombies and kernel threads. */
export function readArgv(pid: number): string[] {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const parts = raw.split('\0');
    if (parts.at(-1) === '') parts.pop();
    return parts;
  } catch {
    return [];
  }
}

/** listPids lists the numeric entries of /proc. */
export function listPids(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) pids.push(Number(name));
  }
  return pids;
}

/**
 * treeMembers picks, from one snapshot of /proc, the processes that belong to the target:
 * descendants of `rootPid` by ppid, plus anything in its process group or session (the runner
 * starts the root as a session and group leader), which catches children whose parent already
 * exited and which were re-parented to init. `known` keeps processes seen before even after
 * they were re-parented and left the group (a daemonising child calls setsid).
 */
export function treeMembers(
  rootPid: number,
  stats: ProcStat[],
  known: ReadonlySet<number> = new Set(),
): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) {
    const list = children.get(s.ppid);
    if (list) list.push(s);
    else children.set(s.ppid, [s]);
  }
  const chosen = new Map<number, ProcStat>();
  const queue: ProcStat[] = [];
  for (const s of stats) {
    if (s.pid === rootPid || s.pgrp === rootPid || s.session === rootPid || known.has(s.pid)) queue.push(s);
  }
  while (queue.length > 0) {
    const s = queue.pop()!;
    if (chosen.has(s.pid)) continue;
    chosen.set(s.pid, s);
    for (const child of children.get(s.pid) ?? []) queue.push(child);
  }
  return [...chosen.values()];
}

/** ProcessRecord is one process seen in the target's tree over the run. */
export interface ProcessRecord {
  pid: number;
  ppid: number;
  comm: string;
  argv: string[];
  startTicks: number;
  /** firstSeenMs and lastSeenMs are epoch milliseconds of the first and last poll that saw it alive. */
  firstSeenMs: number;
  lastSeenMs: number;
}

/**
 * HAS_CHILDREN_LISTS: the kernel keeps /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN).
 * Without it every poll reads the whole of /proc.
 */
const HAS_CHILDREN_LISTS = existsSync(`/proc/${process.pid}/task/${process.pid}/children`);

/**
 * childPids lists the children of every thread of a process from /proc/PID/task/TID/children
 * (a child belongs to the thread that forked it); [] once the process is gone.
 */
export function childPids(pid: number): number[] {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const tid of tids) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    for (const word of text.split(' ')) {
      const child = Number(word);
      if (word.trim() !== '' && Number.isInteger(child)) out.push(child);
    }
  }
  return out;
}

/**
 * FULL_SCAN_MS: how often a poll reads every process of the machine, to find members that left
 * the tree by re-parenting (a daemonising child of the group or session). In between, a poll
 * walks the tree from the root through the kernel's children lists, so its cost grows with the
 * target's tree, not with the machine (reading the stat of every process of a busy host at
 * 20 Hz cost ~6 ms a tick: CPU taken from the target on a small machine).
 */
export const FULL_SCAN_MS = 1000;

/**
 * ProcessTree follows the target's process tree by polling /proc, and remembers every
 * process it ever saw so the runner can make sure none is left behind.
 */
export class ProcessTree {
  private readonly records = new Map<number, ProcessRecord>();
  private lastFullScanMs = Number.NEGATIVE_INFINITY;

  constructor(readonly rootPid: number) {}

  /**
   * poll takes one snapshot and returns the live (non-zombie) members. `full` reads the whole
   * of /proc (always at least every FULL_SCAN_MS, and where the kernel has no children lists).
   */
  poll(now = Date.now(), full = false): ProcStat[] {
    const scanAll = full || !HAS_CHILDREN_LISTS || now - this.lastFullScanMs >= FULL_SCAN_MS;
    if (scanAll) this.lastFullScanMs = now;
    const stats = scanAll ? readAllStats() : this.walkTree();
    const byPid = new Map(stats.map((s) => [s.pid, s]));
    const known = new Set<number>();
    for (const [pid, rec] of this.records) {
      // A known pid counts only if it is still the same process (pid reuse).
      if (byPid.get(pid)?.startTicks === rec.startTicks) known.add(pid);
    }
    const members = treeMembers(this.rootPid, stats, known).filter((s) => s.state !== 'Z' && s.state !== 'X');
    for (const s of members) this.observe(s, now);
    return members;
  }

  /**
   * walkTree reads the root, its descendants through the children lists, and every process seen
   * before (a known member may have been re-parented), each once.
   */
  private walkTree(): ProcStat[] {
    const stats = new Map<number, ProcStat>();
    const queue = [this.rootPid, ...this.records.keys()];
    while (queue.length > 0) {
      const pid = queue.pop()!;
      if (stats.has(pid)) continue;
      const s = readProcStat(pid);
      if (!s) continue;
      stats.set(pid, s);
      queue.push(...childPids(pid));
    }
    return [...stats.values()];
  }

  /** records lists every process seen, in first-seen order. */
  all(): ProcessRecord[] {
    return [...this.records.values()];
  }

  /** alive returns the recorded processes still running as the same process (pid and start time). */
  alive(): ProcessRecord[] {
    return this.all().filter((rec) => isSameProcessAlive(rec.pid, rec.startTicks));
  }

  private observe(s: ProcStat, now: number): void {
    const rec = this.records.get(s.pid);
    if (rec && rec.startTicks === s.startTicks) {
      rec.lastSeenMs = now;
      // comm and argv change on exec; keep the latest.
      if (rec.comm !== s.comm) {
        rec.comm = s.comm;
        rec.argv = readArgv(s.pid);
      }
      return;
    }
    this.records.set(s.pid, {
      pid: s.pid,
      ppid: s.ppid,
      comm: s.comm,
      argv: readArgv(s.pid),
      startTicks: s.startTicks,
      firstSeenMs: now,
      lastSeenMs: now,
    });
  }
}

function readAllStats(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const pid of listPids()) {
    const s = readProcStat(pid);
    if (s) stats.push(s);
  }
  return stats;
}

/** isSameProcessAlive: the pid exists, is not a zombie, and started at `startTicks`. */
export function isSameProcessAlive(pid: number, startTicks: number): boolean {
  const s = readProcStat(pid);
  return s !== undefined && s.startTicks === startTicks && s.state !== 'Z' && s.state !== 'X';
}
