/**
 * A thread that waits for work it handed out to finish (joining a thread, waiting on a pool's
 * futures or its termination, a latch or a wait group) is idle by design: the time is the
 * workers', and a lock profile or wall profile that records it as "waiting on a lock" would
 * report contention that does not exist. These frames mark such waits, per runtime.
 */
const JOIN_WAIT_NAME = new RegExp(
  [
    // JVM: Thread.join, futures, executors, latches, fork/join, parallel streams.
    String.raw`^(java|jdk)[./].*(Thread[.:]+join|FutureTask[.:]+(get|awaitDone)|CompletableFuture[.:]+(get|join|waitingGet|timedGet)|ForkJoinTask[.:]+(join|get|invoke|invokeAll|awaitDone|awaitPoolInvoke)|ForkJoinPool[.:]+(awaitTermination|awaitQuiescence|helpJoin\w*|managedBlock)|ThreadPoolExecutor[.:]+awaitTermination|AbstractExecutorService[.:]+invokeAll|ExecutorCompletionService[.:]+take|CountDownLatch[.:]+await|Phaser[.:]+awaitAdvance\w*|CyclicBarrier[.:]+(await|dowait))$`,
    // Python: Thread.join, concurrent.futures, multiprocessing pools.
    String.raw`^(Thread\.join|Thread\._wait_for_tstate_lock|Future\.result|Executor\.shutdown|ThreadPoolExecutor\.shutdown|ProcessPoolExecutor\.shutdown|_base\.wait|as_completed|Pool\.join|Pool\.map|Pool\.starmap|ApplyResult\.get|ApplyResult\.wait|MapResult\.get)$`,
    // Go: wait groups and errgroup.
    String.raw`^sync\.\(\*WaitGroup\)\.Wait$|^golang\.org/x/sync/errgroup\.\(\*Group\)\.Wait$`,
    // Native: pthread_join and std::thread::join.
    String.raw`^(pthread_join|__pthread_join\w*|__pthread_clockjoin_ex|pthread_timedjoin_np|std::thread::join.*)$`,
  ].join('|'),
);

/** isJoinWaitFrame: the frame waits for the program's own threads or tasks to finish. */
export function isJoinWaitFrame(name: string, file: string): boolean {
  if (JOIN_WAIT_NAME.test(name)) return true;
  // Python's concurrent.futures `wait` and `as_completed` are module functions named bare.
  return /[\\/]concurrent[\\/]futures[\\/]_base\.py$/.test(file) && /^(wait|as_completed)$/.test(name);
}
