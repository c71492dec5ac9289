/**
 * The autoprof Node agent: continuous CPU and heap profiling of a running app, pushed to an
 * autoprof (or Pyroscope) server. Load it before the app, with no code change:
 *
 *   NODE_OPTIONS="--require autoprof/agent" AUTOPROF_SERVER_URL=http://127.0.0.1:4040 \
 *     AUTOPROF_APP_NAME=checkout AUTOPROF_TAGS=region=eu,pod=p1 node server.js
 *
 * Configuration is read from the environment (agent-config.cts); without a server URL it stays off.
 * Every `uploadIntervalMs` (10 s) it stops the in-process V8 sampling CPU profiler and starts it
 * again at once (node:inspector answers in-process posts synchronously, so the gap is one call),
 * converts the window to pprof and queues it, together with a snapshot of the sampling heap
 * profile. The queue pushes to POST /ingest and, while the server is away, keeps the newest
 * `maxQueue` profiles (at most `maxQueueBytes`), retrying with backoff and jitter until it is back.
 *
 * Promises to the host app: it never throws into it (every step is caught and counted), its
 * timers and sockets are unref'd so it never keeps the process alive, it adds no signal or
 * exception handlers (exit status and signal behaviour are the app's), it does nothing in worker
 * threads, and it installs once per process. On a natural exit ('beforeExit') it sends the last
 * window, best effort, for at most a second; `process.exit()` and fatal signals lose that window.
 */
import * as inspector from 'node:inspector';
import { isMainThread } from 'node:worker_threads';
import { type AgentConfig, readAgentConfig } from './agent-config.cjs';
import { pushOverHttp } from './http-push.cjs';
import { type PushCounters, PushQueue } from './push-queue.cjs';
import { cpuProfileToPprof, type V8CpuProfile } from './v8-cpu-to-pprof.cjs';
import { heapProfileToPprof, type V8HeapProfile } from './v8-heap-to-pprof.cjs';

const INSTALLED = Symbol.for('autoprof.agent');
const EXIT_FLUSH_MS = 1000;

/** AgentState is published on globalThis[Symbol.for('autoprof.agent')] for tests and debugging. */
export interface AgentState {
  config: AgentConfig;
  counters: PushCounters & { errors: number; windows: number };
  stop(): void;
}

/** startAgent installs the agent once; it returns undefined when off or in a worker thread. */
export function startAgent(env: Record<string, string | undefined> = process.env): AgentState | undefined {
  const holder = globalThis as { [INSTALLED]?: AgentState | null };
  if (holder[INSTALLED] !== undefined || !isMainThread) return holder[INSTALLED] ?? undefined;
  holder[INSTALLED] = null;
  let config: AgentConfig | undefined;
  try {
    config = readAgentConfig(env, process.argv[1]);
  } catch (err) {
    if (env.AUTOPROF_AGENT_DEBUG) process.stderr.write(`autoprof agent: off: ${(err as Error).message}\n`);
    return undefined;
  }
  if (!config) return undefined;
  const state = install(config);
  holder[INSTALLED] = state;
  return state;
}

function install(config: AgentConfig): AgentState {
  let errors = 0;
  let windows = 0;
  const fail = (what: string, err?: unknown) => {
    errors++;
    if (config.debug) {
      const detail = err === undefined ? '' : `: ${(err as Error)?.message ?? String(err)}`;
      process.stderr.write(`autoprof agent: ${what}${detail}\n`);
    }
  };
  let holdProcess = false;
  const queue = new PushQueue({
    maxItems: config.maxQueue,
    maxBytes: config.maxQueueBytes,
    backoffMs: config.backoffMs,
    backoffMaxMs: config.backoffMaxMs,
    send: (item) =>
      pushOverHttp(config, item, { holdProcess, timeoutMs: holdProcess ? EXIT_FLUSH_MS : undefined }),
    onFailure: (message) => fail(message),
    // A server that is away is not an agent error: only the debug log hears of each retry.
    onRetry: (message) => {
      if (config.debug) process.stderr.write(`autoprof agent: ${message}\n`);
    },
  });
  const counters = () => ({ ...queue.counters, errors, windows });

  const session = new inspector.Session();
  let cpuOn = false;
  let heapOn = false;
  try {
    session.connect();
    if (config.cpu) {
      session.post('Profiler.enable');
      session.post('Profiler.setSamplingInterval', { interval: config.cpuIntervalUs });
      session.post('Profiler.start');
      cpuOn = true;
    }
    if (config.heap) {
      session.post('HeapProfiler.enable');
      session.post('HeapProfiler.startSampling', { samplingInterval: config.heapIntervalBytes });
      heapOn = true;
    }
  } catch (err) {
    fail('inspector start', err);
  }

  let windowStart = Date.now();
  /** collect closes the current window: the CPU profile restarts, the heap is snapshotted. */
  const collect = (restart: boolean): void => {
    const startMs = windowStart;
    const endMs = Date.now();
    windowStart = endMs;
    windows++;
    const fromSec = Math.floor(startMs / 1000);
    const untilSec = Math.max(fromSec + 1, Math.ceil(endMs / 1000));
    if (cpuOn) {
      try {
        session.post('Profiler.stop', (err, result) => {
          if (err) return fail('Profiler.stop', err);
          try {
            const body = cpuProfileToPprof(result.profile as unknown as V8CpuProfile, {
              startMs,
              endMs,
              intervalUs: config.cpuIntervalUs,
            });
            if (body) queue.add({ kind: 'cpu', body, fromSec, untilSec });
          } catch (e) {
            fail('cpu profile conversion', e);
          }
        });
        if (restart) session.post('Profiler.start');
        else cpuOn = false;
      } catch (err) {
        cpuOn = false;
        fail('cpu profile', err);
      }
    }
    if (heapOn) {
      try {
        session.post('HeapProfiler.getSamplingProfile', (err, result) => {
          if (err) return fail('HeapProfiler.getSamplingProfile', err);
          try {
            const body = heapProfileToPprof(
              result.profile as unknown as V8HeapProfile,
              endMs,
              config.heapIntervalBytes,
            );
            if (body) queue.add({ kind: 'heap', body, fromSec: untilSec - 1, untilSec });
          } catch (e) {
            fail('heap profile conversion', e);
          }
        });
        if (!restart) {
          session.post('HeapProfiler.stopSampling');
          heapOn = false;
        }
      } catch (err) {
        heapOn = false;
        fail('heap profile', err);
      }
    }
  };

  const timer = setInterval(() => {
    try {
      collect(true);
    } catch (err) {
      fail('collect', err);
    }
  }, config.uploadIntervalMs);
  timer.unref();

  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    try {
      collect(false);
      session.disconnect();
    } catch (err) {
      fail('stop', err);
    }
  };

  // beforeExit fires when the loop ran dry, before a natural exit: the one moment a last push can
  // still hold the loop. The app's exit code is untouched (process.exitCode is not read or set).
  let flushed = false;
  process.on('beforeExit', () => {
    if (flushed) return;
    flushed = true;
    try {
      holdProcess = true;
      stop();
      queue.drain(EXIT_FLUSH_MS).catch((err) => fail('exit flush', err));
    } catch (err) {
      fail('exit flush', err);
    }
  });
  if (config.debug) {
    process.on('exit', () => {
      try {
        process.stderr.write(`autoprof agent: ${JSON.stringify(counters())}\n`);
      } catch {}
    });
  }

  return {
    config,
    get counters() {
      return counters();
    },
    stop,
  };
}

try {
  startAgent();
} catch {
  // The agent must never be the reason an app fails to start.
}
