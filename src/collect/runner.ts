import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, isAbsolute, resolve } from 'node:path';
import { BoundedCapture, type CaptureSummary, DEFAULT_CAPTURE_BYTES } from './bounded-capture.js';
import { GATE_FD, type GateChannel, gatedArgv, releaseGate, waitUntilHeld } from './exec-gate.js';
import { type ProcessRecord, ProcessTree, readProcStat } from './process-tree.js';

/** DEFAULT_GRACE_MS is how long the tree gets between SIGTERM and SIGKILL. */
export const DEFAULT_GRACE_MS = 5000;

/** ResolvedCommand is where argv[0] points, or why it cannot run (shell exit codes 127 and 126). */
export type ResolvedCommand =
  | { ok: true; path: string }
  | { ok: false; exitCode: 127 | 126; message: string };

/**
 * resolveCommand finds argv[0] the way a shell does, before anything is spawned, so
 * "not found" (127) and "not executable" (126) are told apart with a clear message rather
 * than surfacing as a spawn error halfway through starting collectors.
 */
export function resolveCommand(command: string, pathEnv: string | undefined, cwd: string): ResolvedCommand {
  if (command === '') return { ok: false, exitCode: 127, message: 'empty command' };
  if (command.includes('/')) {
    const full = isAbsolute(command) ? command : resolve(cwd, command);
    const why = notExecutableReason(full);
    if (why === 'missing') return { ok: false, exitCode: 127, message: `${command}: no such file` };
    if (why) return { ok: false, exitCode: 126, message: `${command}: ${why}` };
    return { ok: true, path: full };
  }
  let denied: string | undefined;
  for (const dir of (pathEnv ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
    const full = resolve(cwd, dir === '' ? '.' : dir, command);
    const why = notExecutableReason(full);
    if (!why) return { ok: true, path: full };
    if (why !== 'missing') denied ??= `${full}: ${why}`;
  }
  if (denied) return { ok: false, exitCode: 126, message: denied };
  return { ok: false, exitCode: 127, message: `${command}: command not found in PATH` };
}

function notExecutableReason(path: string): string | undefined {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    return 'missing';
  }
  if (isDir) return 'is a directory';
  try {
    accessSync(path, constants.X_OK);
    return undefined;
  } catch {
    return 'permission denied (not executable)';
  }
}

/** shellExitStatus maps how the target ended to the status a shell would report. */
export function shellExitStatus(exitCode: number | null, signal: NodeJS.Signals | null): number {
  if (signal) return 128 + (osConstants.signals[signal] ?? 0);
  return exitCode ?? 0;
}

/** RunnerOptions describe one launch of the target. */
export interface RunnerOptions {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  stdoutPath: string;
  stderrPath: string;
  /** timeoutMs sends SIGTERM to the tree after this long (then SIGKILL after graceMs). */
  timeoutMs?: number;
  graceMs?: number;
  /** captureBytes is kept from the head and from the tail of stdout and stderr, each. */
  captureBytes?: number;
  /** pollMs is how often the process tree is walked for bookkeeping and cleanup. */
  pollMs?: number;
  /** forwardSignals: autoprof's own SIGINT/SIGTERM/SIGHUP go to the target tree (default true). */
  forwardSignals?: boolean;
  /**
   * gate holds the target stopped just before its exec until `release()` (see exec-gate.ts), so
   * collectors can attach first and the wall clock covers the target alone.
   */
  gate?: boolean;
}

/** RunOutcome is how one launch ended. */
export interface RunOutcome {
  pid: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** status is what a shell would report: the exit code, or 128 + signal number. */
  status: number;
  /** startedAt is when the target was released to exec (spawn time without a gate). */
  startedAt: string;
  endedAt: string;
  /** wallMs runs from the target's release (its exec) to its exit as the runner saw it. */
  wallMs: number;
  /**
   * cpuMs is the CPU the kernel charged the root (with the children it waited for) when it was
   * reaped: autoprof's own children-CPU counters read just before the spawn and right at the
   * exit. Collector processes exit later, so they are not in it.
   */
  cpuMs?: { user: number; system: number };
  timedOut: boolean;
  /** interruptedBy is autoprof's own signal that was forwarded, if any. */
  interruptedBy?: NodeJS.Signals;
  /** spawnError is set when the OS refused to start the command. */
  spawnError?: string;
  stdout: CaptureSummary;
  stderr: CaptureSummary;
  processes: ProcessRecord[];
  /** leftovers were still alive after the root exited and had to be stopped. */
  leftovers: number[];
  /** survivors were still alive even after SIGKILL (should be empty; reported, never hidden). */
  survivors: number[];
}

/** RunningTarget is a spawned target; `done` settles once it and its whole tree are gone. */
export interface RunningTarget {
  pid: number;
  tree: ProcessTree;
  done: Promise<RunOutcome>;
  /** held settles once a gated target waits before its exec (true), or could not be held (false). */
  held: Promise<boolean>;
  /** release lets a gated target exec and starts its wall clock; a no-op without a gate. */
  release(): void;
  /** terminate stops the tree as a timeout would: SIGTERM, then SIGKILL after the grace. */
  terminate(): void;
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * startTarget spawns the target as leader of its own session and process group, so one
 * kill(-pgid) reaches every descendant that did not move itself out; those that did are found
 * through the tracked process tree. stdout and stderr go through BoundedCapture. After the root
 * exits, whatever is left of the tree is stopped (SIGTERM, then SIGKILL), so nothing outlives
 * the run.
 */
export function startTarget(options: RunnerOptions): RunningTarget {
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const captureBytes = options.captureBytes ?? DEFAULT_CAPTURE_BYTES;
  const stdout = new BoundedCapture(options.stdoutPath, captureBytes, captureBytes);
  const stderr = new BoundedCapture(options.stderrPath, captureBytes, captureBytes);
  let startedAt = new Date();
  let t0 = process.hrtime.bigint();
  const childCpuBefore = readProcStat(process.pid);
  const argv = options.gate ? gatedArgv(options.argv) : options.argv;
  const child: ChildProcess = spawn(argv[0], argv.slice(1), {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    // The target is in its own session, so it cannot read a terminal; a piped stdin still works.
    // A gated target gets one more pipe: the gate's (see exec-gate.ts).
    stdio: options.gate ? ['inherit', 'pipe', 'pipe', 'pipe'] : ['inherit', 'pipe', 'pipe'],
  });
  const gateChannel = options.gate ? (child.stdio[GATE_FD] as GateChannel | null) : null;
  const pid = child.pid ?? -1;
  const tree = new ProcessTree(pid);
  let timedOut = false;
  let interruptedBy: NodeJS.Signals | undefined;
  let killTimer: NodeJS.Timeout | undefined;

  const signalTree = (signal: NodeJS.Signals): void => {
    if (pid <= 0) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is empty.
    }
    for (const rec of tree.alive()) {
      try {
        process.kill(rec.pid, signal);
      } catch {
        // Gone between the check and the kill.
      }
    }
  };
  const terminate = (): void => {
    signalTree('SIGTERM');
    killTimer ??= setTimeout(() => signalTree('SIGKILL'), graceMs);
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (interruptedBy) {
      // A second interrupt means "now": skip the grace period.
      signalTree('SIGKILL');
      return;
    }
    interruptedBy = signal;
    signalTree(signal);
    killTimer ??= setTimeout(() => signalTree('SIGKILL'), graceMs);
  };
  const forward = options.forwardSignals ?? true;
  if (forward) for (const s of FORWARDED) process.on(s, onSignal);

  const pollTimer = setInterval(() => tree.poll(), options.pollMs ?? 100);
  if (pid > 0) tree.poll();
  let timeoutTimer: NodeJS.Timeout | undefined;
  const startClock = (): void => {
    startedAt = new Date();
    t0 = process.hrtime.bigint();
    if (options.timeoutMs === undefined) return;
    timeoutTimer = setTimeout(() => {
      timedOut = true;
      terminate();
    }, options.timeoutMs);
  };
  const held = gateChannel && pid > 0 ? waitUntilHeld(gateChannel) : Promise.resolve(false);
  let released = !options.gate;
  const release = (): void => {
    if (released) return;
    released = true;
    startClock();
    if (gateChannel) releaseGate(gateChannel);
  };
  if (!options.gate) startClock();

  child.stdout?.on('data', (chunk: Buffer) => stdout.write(chunk));
  child.stderr?.on('data', (chunk: Buffer) => stderr.write(chunk));

  const done = new Promise<RunOutcome>((resolveDone) => {
    let spawnError: string | undefined;
    let finished = false;
    const finish = async (exitCode: number | null, signal: NodeJS.Signals | null): Promise<void> => {
      if (finished) return;
      finished = true;
      released = true;
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      const endedAt = new Date();
      const cpuMs = childCpuSince(childCpuBefore);
      if (timeoutTimer) clearTimeout(timeoutTimer);
      const { leftovers, survivors } = await reapTree(tree, pid, graceMs, signalTree);
      clearInterval(pollTimer);
      if (killTimer) clearTimeout(killTimer);
      gateChannel?.destroy();
      await drain(child, 1000);
      if (forward) for (const s of FORWARDED) process.off(s, onSignal);
      resolveDone({
        pid,
        exitCode,
        signal,
        status: spawnError ? 127 : shellExitStatus(exitCode, signal),
        startedAt: startedAt.toISOString(),
        endedAt: endedAt.toISOString(),
        wallMs,
        ...(cpuMs && !spawnError ? { cpuMs } : {}),
        timedOut,
        interruptedBy,
        spawnError,
        stdout: stdout.close(),
        stderr: stderr.close(),
        processes: tree.all(),
        leftovers,
        survivors,
      });
    };
    child.once('error', (err) => {
      spawnError = err.message;
      void finish(null, null);
    });
    child.once('exit', (code, signal) => void finish(code, signal));
  });
  return { pid, tree, done, held, release, terminate };
}

/** MS_PER_TICK converts /proc clock ticks (USER_HZ = 100 on Linux) to milliseconds. */
const MS_PER_TICK = 10;

function childCpuSince(
  before: ReturnType<typeof readProcStat>,
): { user: number; system: number } | undefined {
  const after = readProcStat(process.pid);
  if (!before || !after) return undefined;
  return {
    user: (after.cutimeTicks - before.cutimeTicks) * MS_PER_TICK,
    system: (after.cstimeTicks - before.cstimeTicks) * MS_PER_TICK,
  };
}

/**
 * reapTree stops what is left of the tree once the root has exited: one last poll finds the
 * members, SIGTERM lets them flush (a node child writes its profile then), SIGKILL follows
 * after the grace period.
 */
async function reapTree(
  tree: ProcessTree,
  pid: number,
  graceMs: number,
  signalTree: (signal: NodeJS.Signals) => void,
): Promise<{ leftovers: number[]; survivors: number[] }> {
  if (pid <= 0) return { leftovers: [], survivors: [] };
  tree.poll(Date.now(), true);
  const leftovers = tree.alive().map((r) => r.pid);
  if (leftovers.length === 0 && !groupExists(pid)) return { leftovers, survivors: [] };
  signalTree('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && (tree.alive().length > 0 || groupExists(pid))) await sleep(20);
  if (tree.alive().length > 0 || groupExists(pid)) {
    signalTree('SIGKILL');
    const hard = Date.now() + 2000;
    while (Date.now() < hard && (tree.alive().length > 0 || groupExists(pid))) await sleep(20);
  }
  return { leftovers, survivors: tree.alive().map((r) => r.pid) };
}

function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** drain waits for the pipes to close; a descendant still holding them open is not waited for forever. */
async function drain(child: ChildProcess, timeoutMs: number): Promise<void> {
  const streams = [child.stdout, child.stderr].filter((s) => s !== null && !s.closed);
  const closed = Promise.all(streams.map((s) => new Promise((r) => s?.once('close', r))));
  const timer = new Promise((r) => setTimeout(r, timeoutMs).unref());
  await Promise.race([closed, timer]);
  for (const s of streams) s?.destroy();
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
