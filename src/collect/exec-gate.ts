import type { Readable, Writable } from 'node:stream';

/**
 * GATE_SCRIPT holds the shell just before it execs the target: it says "r" on fd 3 and blocks
 * reading fd 3 until the runner writes "go". The runner then knows the target's pid (exec keeps
 * it), collectors attach to it (perf --pid, bpftrace, py-spy) while it waits, and its wall clock
 * starts at the release, not at autoprof's or a profiler's start-up. fd 3 is a pipe whose other
 * end only the runner holds, so a runner that dies (even by SIGKILL) closes it: the read then
 * sees EOF and the shell exits without running the program, rather than waiting stopped forever
 * or running unprofiled (a SIGSTOP gate stayed stopped forever then: one was found 79 min
 * later). `exec ... 3<&-` keeps the gate's fd out of the target, and `exec "$@"` keeps argv
 * exactly as the user gave it.
 */
const GATE_SCRIPT = 'printf r >&3 && read -r go <&3 && [ "$go" = go ] && exec "$@" 3<&-; exit 125';

/** GATE_FD is the descriptor the held shell talks to the runner on. */
export const GATE_FD = 3;

/** GATE_TIMEOUT_MS bounds the wait for the gate to say it is held (a shell starts in a few ms). */
export const GATE_TIMEOUT_MS = 5000;

/** gatedArgv is argv behind the exec gate: `/bin/sh -c GATE sh argv...`. */
export function gatedArgv(argv: readonly string[]): string[] {
  return ['/bin/sh', '-c', GATE_SCRIPT, 'sh', ...argv];
}

/** GateChannel is the runner's end of the gate's pipe (the child's stdio[GATE_FD]). */
export type GateChannel = Readable & Writable;

/**
 * waitUntilHeld resolves true once the shell said it waits before its exec, false when it is
 * gone or did not say so within the timeout (the caller then releases it anyway).
 */
export function waitUntilHeld(channel: GateChannel, timeoutMs = GATE_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolveHeld) => {
    const timer = setTimeout(() => settle(false), timeoutMs);
    timer.unref();
    const onData = () => settle(true);
    const onGone = () => settle(false);
    function settle(held: boolean): void {
      clearTimeout(timer);
      channel.off('data', onData);
      channel.off('end', onGone);
      channel.off('close', onGone);
      channel.off('error', onGone);
      resolveHeld(held);
    }
    channel.on('data', onData);
    channel.once('end', onGone);
    channel.once('close', onGone);
    channel.once('error', onGone);
  });
}

/** releaseGate lets the waiting shell exec the target; its end of the pipe is then closed. */
export function releaseGate(channel: GateChannel): void {
  channel.on('error', () => {
    // The shell is already gone (EPIPE): the runner sees its exit.
  });
  channel.end('go\n');
  // Nothing more comes from the shell: do not let the pipe keep autoprof alive.
  channel.resume();
}
