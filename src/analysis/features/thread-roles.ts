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
    .filter((t) => t.tid !== pid && t.comm === processComm && !isRuntimeHelperThread(t.comm))
    .sort((a, b) => b.cpuS - a.cpuS);
  const best = candidates[0];
  return best && best.cpuS > first.cpuS ? best.tid : pid;
}
