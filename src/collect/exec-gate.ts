import { readProcStat } from './process-tree.js';

/**
 * GATE_SCRIPT stops the shell before it execs the target: the runner then knows the target's
 * pid (exec keeps it), collectors attach to it (perf --pid, bpftrace, py-spy) while it waits,
 * and its wall clock starts at the release, not at autoprof's or a profiler's start-up. `$$` is
 * the shell itself; `exec "$@"` keeps argv exactly as the user gave it.
 */
const GATE_SCRIPT = 'kill -STOP $$ && exec "$@"';

/** GATE_TIMEOUT_MS bounds the wait for the gate to stop (a shell starts in a few ms). */
export const GATE_TIMEOUT_MS = 5000;

/** gatedArgv is argv behind the exec gate: `/bin/sh -c GATE sh argv...`. */
export function gatedArgv(argv: readonly string[]): string[] {
  return ['/bin/sh', '-c', GATE_SCRIPT, 'sh', ...argv];
}

/**
 * waitUntilStopped resolves true once the process is in stopped state (T), false when it is
 * gone or did not stop within the timeout (the caller then releases it anyway).
 */
export async function waitUntilStopped(pid: number, timeoutMs = GATE_TIMEOUT_MS): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const stat = readProcStat(pid);
    if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
    if (stat.state === 'T') return true;
    await new Promise((r) => setTimeout(r, 1));
  }
  return false;
}

/** releaseGate lets the stopped shell exec the target. */
export function releaseGate(pid: number): void {
  try {
    process.kill(pid, 'SIGCONT');
  } catch {
    // Already gone: the runner sees its exit.
  }
}
