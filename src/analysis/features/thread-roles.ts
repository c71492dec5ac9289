/**
 * Thread roles: a runtime's own helper threads (garbage collectors, JIT compilers, the VM's
 * housekeeping, a profiler's recorder) are told apart from the program's threads, so their
 * futex parking between bursts of work never reads as the program waiting on locks.
 *
 * HotSpot names every helper it starts (the names below are what /proc shows, cut to 15
 * characters by the kernel); the program's own Java threads keep the launcher's name ("java")
 * or the name the program gave them.
 */
const RUNTIME_HELPER_NAME =
  /^(GC Thread|G1 |VM Thread|VM Periodic|C[12] CompilerThre|Sweeper thread|Reference Handl|Finalizer|Signal Dispatch|Service Thread|Monitor Deflati|Common-Cleaner|Notification Th|JFR |Attach Listener|ZGC|ZDirector|ZStat|ZUnmapper|Shenandoah|Conc#|ParGC|CodeCacheSweep|Thread-JVMCI|JVMCI|V8 |DefaultWorker|libuv-worker)/;

/** isRuntimeHelperThread says whether a thread name is one a runtime gives its own helpers. */
export function isRuntimeHelperThread(comm: string): boolean {
  return RUNTIME_HELPER_NAME.test(comm);
}

/**
 * PROFILER_THREAD_NAME: threads profiling puts inside the target. autoprof's Python sampler
 * names its thread `autoprof-sample`; V8 names its CPU profiler's thread `v8:ProfEvntProc`
 * (started by autoprof's Node preload). Their time is profiling cost, not the program's.
 */
const PROFILER_THREAD_NAME = /^(autoprof|v8:ProfEvntProc)/;

/** isProfilerThread says whether a thread name is one of a profiler running inside the target. */
export function isProfilerThread(comm: string): boolean {
  return PROFILER_THREAD_NAME.test(comm);
}

/** ThreadRole is who a thread works for: the program, its runtime, or the profiler. */
export type ThreadRole = 'program' | 'runtime' | 'profiler';

/** ThreadObservations is one thread of one process as the /proc series saw it. */
export interface ThreadObservations {
  tid: number;
  comm: string;
  /** seen counts samples that saw it; lock and poll those asleep in a futex or a poll. */
  seen: number;
  lock: number;
  poll: number;
}

// Node's executable names (a process title set by the program renames only the main thread).
const NODE_COMM = /^(node|nodejs)$/;

/**
 * NODE_PARKED_SHARE: a Node helper thread that does any work at all (a GC worker during a
 * collection) still sits parked on its condition variable for much of the run; a JavaScript
 * thread that computes is seen running nearly always.
 */
const NODE_PARKED_SHARE = 0.3;

/**
 * threadRole says who a thread of process `pid` works for. Names decide where the runtime gives
 * them (HotSpot, newer Node and libuv). Node 20 and older leave every thread named `node`, so
 * there behaviour decides: Node runs JavaScript only on the main thread and on worker_threads,
 * and each of those runs a libuv loop that idles in epoll_wait; V8's platform workers (GC,
 * compilation), the libuv threadpool and the signal/inspector threads idle parked on a futex
 * and never poll. A thread that is parked for a good share of its samples and never seen in a
 * poll is therefore the runtime's. (A worker_thread that only ever blocks in Atomics.wait is
 * taken for a helper: a rare shape, and one where lock waiting is the program's design.)
 */
export function threadRole(pid: number, thread: ThreadObservations): ThreadRole {
  if (isProfilerThread(thread.comm)) return 'profiler';
  if (isRuntimeHelperThread(thread.comm)) return 'runtime';
  if (thread.tid === pid || !NODE_COMM.test(thread.comm) || thread.seen === 0) return 'program';
  if (thread.poll === 0 && thread.lock / thread.seen >= NODE_PARKED_SHARE) return 'runtime';
  return 'program';
}

/** ThreadLife is one thread of the main process over the run. */
export interface ThreadLife {
  tid: number;
  comm: string;
  cpuS: number;
  /** parkedShare is the share of its observations asleep in a futex wait. */
  parkedShare: number;
}

/**
 * pickMainThread returns the tid that plays the program's main thread: the process's first
 * thread (tid = pid), unless that thread only ever waited in a futex while using next to no
 * CPU (parked in at least 90% of the samples: the first ones may catch it starting up), as a
 * launcher does that starts the real main thread and joins it (HotSpot's `java`
 * launcher runs main() on a second thread named like the first). Then the busiest thread
 * with the process's own name that is not a runtime helper is the main thread.
 */
export function pickMainThread(
  pid: number,
  processComm: string,
  threads: ThreadLife[],
  wallS: number,
): number {
  const first = threads.find((t) => t.tid === pid);
  if (!first || first.parkedShare < 0.9 || first.cpuS > Math.max(0.02, 0.02 * wallS)) return pid;
  const candidates = threads
    .filter(
      (t) =>
        t.tid !== pid &&
        t.comm === processComm &&
        !isRuntimeHelperThread(t.comm) &&
        !isProfilerThread(t.comm),
    )
    .sort((a, b) => b.cpuS - a.cpuS);
  const best = candidates[0];
  return best && best.cpuS > first.cpuS ? best.tid : pid;
}
