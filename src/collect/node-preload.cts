/**
 * node-preload is loaded into every Node.js process of the target through
 * `NODE_OPTIONS=--require <this file>`, so profiling needs no change to the target's code.
 * It is CommonJS because `--require` runs before the target's own module system is chosen.
 *
 * What it records, into $AUTOPROF_NODE_OUT:
 * - node-<pid>.cpuprofile   V8 sampling CPU profile (inspector Profiler), main thread only
 * - node-<pid>.heapprofile  V8 sampling heap profile (HeapProfiler.startSampling)
 * - node-<pid>.metrics.json GC pauses, event-loop delay (totals and a series), heap/RSS series,
 *   and how many handles/requests were pending on the loop at each point
 * - node-preload-<pid>.log  only when something went wrong; the target always runs on
 *
 * Rules it keeps so the target behaves as without it:
 * - every step is in try/catch; a failure is logged, never thrown;
 * - timers are unref'd, so they never keep the process alive;
 * - files are written from process.on('exit'): the in-process inspector session answers
 *   session.post synchronously, so the callbacks run inside that synchronous handler;
 * - SIGINT/SIGTERM/SIGHUP: if the target has no handler of its own when the signal arrives,
 *   the files are written, our handler is removed and the signal is raised again, so the
 *   process still dies by that signal (exit status and parent's view unchanged). If the target
 *   has its own handler, it decides; if it then exits, the 'exit' hook writes the files. The
 *   one visible difference: process.listenerCount(signal) is one higher than without autoprof.
 * - worker_threads: NODE_OPTIONS reaches workers too; they are skipped (the inspector Session
 *   of a worker sees only that worker), so profiles are of each process's main thread.
 */
import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import * as path from 'node:path';
import {
  monitorEventLoopDelay,
  type PerformanceEntry,
  PerformanceObserver,
  performance,
} from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

/**
 * DEFAULT_INTERVAL_US: 2 ms sampling. Measured on a CPU-bound fibonacci loop (process CPU time,
 * 8 interleaved runs, 2-vCPU VM under load): median +1.5% at 2000 us against +8% at 1000 us.
 * AUTOPROF_NODE_INTERVAL_US overrides it.
 */
const DEFAULT_INTERVAL_US = 2000;
const SERIES_INTERVAL_MS = 100;
const HEAP_SAMPLING_INTERVAL_BYTES = 512 * 1024;
/** MAX_SERIES caps the in-memory series (one hour at 100 ms) so a long run cannot grow without bound. */
const MAX_SERIES = 36_000;
const MAX_GC_EVENTS = 100_000;
const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

interface GcEvent {
  t: number;
  durationMs: number;
  kind: number;
}

interface SeriesPoint {
  t: number;
  heapUsed: number;
  heapTotal: number;
  rss: number;
  external: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  /**
   * waiting: the target's own pending handles and requests (timers, sockets, servers, fs
   * requests) when the previous point was taken, i.e. what was queued on the loop during this
   * window. A blocked loop only hurts when something waits on it; a batch script has nothing.
   */
  waiting: number;
}

const outDir = process.env.AUTOPROF_NODE_OUT;

function logFailure(what: string, err: unknown): void {
  try {
    if (!outDir) return;
    const line = `${new Date().toISOString()} ${what}: ${err instanceof Error ? err.stack : String(err)}\n`;
    fs.appendFileSync(path.join(outDir, `node-preload-${process.pid}.log`), line);
  } catch {
    // Nowhere left to report to; the target must not notice.
  }
}

function nsToMs(ns: number): number {
  return Number.isFinite(ns) ? ns / 1e6 : 0;
}

function install(dir: string): void {
  const pid = process.pid;
  const startedAt = Date.now();
  const intervalUs = Number(process.env.AUTOPROF_NODE_INTERVAL_US) || DEFAULT_INTERVAL_US;
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: intervalUs });
  session.post('Profiler.start');
  try {
    session.post('HeapProfiler.enable');
    // 512 KiB, Node's own --heap-prof default: on an allocation-heavy JSON loop 32 KiB cost about
    // 7% more process CPU and 512 KiB about 1%, while hot allocation sites still stand out.
    session.post('HeapProfiler.startSampling', { samplingInterval: HEAP_SAMPLING_INTERVAL_BYTES });
  } catch (err) {
    logFailure('heap sampling start', err);
  }

  const gcEvents: GcEvent[] = [];
  let gcDropped = 0;
  let gcObserver: PerformanceObserver | undefined;
  const recordGc = (entries: PerformanceEntry[]): void => {
    for (const entry of entries) {
      if (gcEvents.length >= MAX_GC_EVENTS) {
        gcDropped++;
        continue;
      }
      const detail = (entry as { detail?: { kind?: number } }).detail;
      gcEvents.push({
        t: performance.timeOrigin + entry.startTime,
        durationMs: entry.duration,
        kind: detail?.kind ?? 0,
      });
    }
  };
  try {
    gcObserver = new PerformanceObserver((list) => recordGc(list.getEntries()));
    gcObserver.observe({ entryTypes: ['gc'] });
  } catch (err) {
    logFailure('gc observer', err);
  }

  // Two monitors: an ELD histogram cannot be added into another, and the series needs one reset per point.
  const total = monitorEventLoopDelay({ resolution: 10 });
  const window = monitorEventLoopDelay({ resolution: 10 });
  total.enable();
  window.enable();
  const series: SeriesPoint[] = [];
  let seriesDropped = 0;
  // Resource types seen pending at series points, summed: evidence of what the loop served.
  const waitingTypes: Record<string, number> = {};
  let waitingBefore = 0;
  const countWaiting = (): number => {
    // getActiveResourcesInfo lists ref'd handles and requests only, so our unref'd timer and the
    // delay monitors are not in it. CloseReq is a handle being torn down, not work waiting.
    const get = (process as { getActiveResourcesInfo?: () => string[] }).getActiveResourcesInfo;
    if (typeof get !== 'function') return 0;
    let n = 0;
    for (const type of get.call(process)) {
      if (type === 'CloseReq') continue;
      n++;
      waitingTypes[type] = (waitingTypes[type] ?? 0) + 1;
    }
    return n;
  };
  const takePoint = (): void => {
    try {
      const m = process.memoryUsage();
      const point: SeriesPoint = {
        t: Date.now(),
        heapUsed: m.heapUsed,
        heapTotal: m.heapTotal,
        rss: m.rss,
        external: m.external,
        eventLoopDelayP99Ms: window.count > 0 ? nsToMs(window.percentile(99)) : 0,
        eventLoopDelayMaxMs: window.count > 0 ? nsToMs(window.max) : 0,
        waiting: waitingBefore,
      };
      window.reset();
      waitingBefore = countWaiting();
      if (series.length < MAX_SERIES) series.push(point);
      else seriesDropped++;
    } catch (err) {
      logFailure('metrics point', err);
    }
  };
  const timer = setInterval(takePoint, SERIES_INTERVAL_MS);
  timer.unref();

  let written = false;
  const writeAll = (reason: string): void => {
    if (written) return;
    written = true;
    clearInterval(timer);
    takePoint();
    window.disable();
    total.disable();
    try {
      // Observer callbacks are delivered later; a synchronous program exits before any arrives.
      if (gcObserver) recordGc(gcObserver.takeRecords());
      gcObserver?.disconnect();
    } catch (err) {
      logFailure('gc observer stop', err);
    }
    try {
      session.post('Profiler.stop', (err, result) => {
        if (err) return logFailure('Profiler.stop', err);
        fs.writeFileSync(path.join(dir, `node-${pid}.cpuprofile`), JSON.stringify(result.profile));
      });
    } catch (err) {
      logFailure('cpu profile write', err);
    }
    try {
      session.post('HeapProfiler.stopSampling', (err, result) => {
        if (err) return logFailure('HeapProfiler.stopSampling', err);
        fs.writeFileSync(path.join(dir, `node-${pid}.heapprofile`), JSON.stringify(result.profile));
      });
    } catch (err) {
      logFailure('heap profile write', err);
    }
    try {
      const metrics = {
        schema: 'autoprof.node-metrics/v1',
        pid,
        ppid: process.ppid,
        argv: process.argv,
        nodeVersion: process.version,
        startedAt,
        endedAt: Date.now(),
        endReason: reason,
        cpuSamplingIntervalUs: intervalUs,
        eventLoopDelay: {
          count: total.count,
          p50Ms: total.count > 0 ? nsToMs(total.percentile(50)) : 0,
          p99Ms: total.count > 0 ? nsToMs(total.percentile(99)) : 0,
          maxMs: total.count > 0 ? nsToMs(total.max) : 0,
          meanMs: total.count > 0 ? nsToMs(total.mean) : 0,
        },
        waitingTypes,
        gc: {
          count: gcEvents.length + gcDropped,
          totalPauseMs: gcEvents.reduce((sum, e) => sum + e.durationMs, 0),
          dropped: gcDropped,
          events: gcEvents,
        },
        seriesIntervalMs: SERIES_INTERVAL_MS,
        seriesDropped,
        series,
      };
      fs.writeFileSync(path.join(dir, `node-${pid}.metrics.json`), JSON.stringify(metrics));
    } catch (err) {
      logFailure('metrics write', err);
    }
    try {
      session.disconnect();
    } catch {
      // Already closed by process teardown.
    }
  };

  process.on('exit', (code) => writeAll(`exit ${code}`));
  for (const signal of FORWARDED_SIGNALS) {
    const onSignal = (): void => {
      // The target has a handler of its own: it decides what the signal means.
      if (process.listenerCount(signal) > 1) return;
      writeAll(signal);
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

try {
  if (outDir && isMainThread && !process.env.AUTOPROF_NODE_DISABLE) install(outDir);
} catch (err) {
  logFailure('install', err);
}
