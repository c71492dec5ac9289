import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProcessSample, TimeseriesSample } from '../../collect/collectors/system.js';
import { timeseriesFeatures } from './read-timeseries.js';
import { isRuntimeHelperThread, pickMainThread, threadRole } from './thread-roles.js';

test('thread roles: HotSpot helper names are runtime helpers, program threads are not', () => {
  for (const name of ['GC Thread#0', 'G1 Conc#0', 'C2 CompilerThre', 'VM Thread', 'JFR Recorder Th'])
    assert.ok(isRuntimeHelperThread(name), name);
  for (const name of ['java', 'node', 'python3', 'worker-1', 'pool-1-thread-1'])
    assert.ok(!isRuntimeHelperThread(name), name);
});

test('thread roles: Node 20 names every thread node; parked-never-polling ones are the runtime', () => {
  const obs = (tid: number, comm: string, seen: number, lock: number, poll: number) => ({
    tid,
    comm,
    seen,
    lock,
    poll,
  });
  // V8 platform worker during GC-heavy work: half running, half parked on its condition variable.
  assert.equal(threadRole(10, obs(11, 'node', 40, 20, 0)), 'runtime');
  // libuv threadpool thread, idle all run.
  assert.equal(threadRole(10, obs(12, 'node', 40, 40, 0)), 'runtime');
  // A worker_thread idles in its own event loop's epoll_wait.
  assert.equal(threadRole(10, obs(13, 'node', 40, 15, 5)), 'program');
  // A CPU-bound worker_thread is seen running nearly always.
  assert.equal(threadRole(10, obs(14, 'node', 40, 2, 0)), 'program');
  // The main thread stays the program's whatever it waits on; other runtimes are not judged so.
  assert.equal(threadRole(10, obs(10, 'node', 40, 40, 0)), 'program');
  assert.equal(threadRole(10, obs(15, 'python3', 40, 40, 0)), 'program');
  assert.equal(threadRole(10, obs(16, 'a.out', 40, 40, 0)), 'program');
  // Profilers inside the target: autoprof's Python sampler and V8's CPU profiler thread.
  assert.equal(threadRole(10, obs(17, 'autoprof-sample', 40, 0, 0)), 'profiler');
  assert.equal(threadRole(10, obs(18, 'v8:ProfEvntProc', 40, 20, 0)), 'profiler');
  assert.equal(threadRole(10, obs(19, 'GC Thread#0', 40, 20, 0)), 'runtime');
});

test('main thread: a launcher parked in futex hands the role to the busy thread of its name', () => {
  const threads = [
    { tid: 10, comm: 'java', cpuS: 0, parkedShare: 1 },
    { tid: 11, comm: 'java', cpuS: 0.9, parkedShare: 0 },
    { tid: 12, comm: 'C2 CompilerThre', cpuS: 1.2, parkedShare: 0.5 },
  ];
  assert.equal(pickMainThread(10, 'java', threads, 1), 11);
  // A first thread that works, or waits on anything but a futex, stays the main thread.
  assert.equal(pickMainThread(10, 'java', [{ ...threads[0], cpuS: 0.5 }, threads[1]], 1), 10);
  assert.equal(pickMainThread(10, 'node', [{ ...threads[0], comm: 'node', parkedShare: 0.2 }], 1), 10);
});

function proc(
  pid: number,
  comm: string,
  threads: Array<[number, string, string, string, number]>,
): ProcessSample {
  return {
    pid,
    ppid: 1,
    comm,
    state: 'S',
    cpuUserMs: threads.reduce((s, t) => s + t[4], 0),
    cpuSystemMs: 0,
    rssKb: 1000,
    peakRssKb: 1000,
    threads: threads.length,
    voluntaryCtxSwitches: 0,
    involuntaryCtxSwitches: 0,
    threadSamples: threads.map(([tid, c, state, wchan, cpu]) => ({
      tid,
      comm: c,
      state,
      wchan,
      cpuUserMs: cpu,
      cpuSystemMs: 0,
    })),
  };
}

test('timeseries: only the target window counts, with the runner wall and the kernel CPU', () => {
  const samples: TimeseriesSample[] = [
    // Held before its exec while collectors attach: stopped, not the program.
    {
      type: 'sample',
      t: 1000,
      cpuCores: 0,
      processes: [proc(10, 'sh', [[10, 'sh', 'T', 'do_signal_stop', 0]])],
    },
  ];
  for (let i = 0; i <= 20; i++) {
    const t = 2000 + i * 50;
    samples.push({
      type: 'sample',
      t,
      cpuCores: 1,
      processes: [
        proc(10, 'java', [
          [10, 'java', 'S', 'futex_wait_queue', 0],
          [11, 'java', 'R', '', i * 45],
          [12, 'GC Thread#0', i % 2 ? 'R' : 'S', 'futex_wait_queue', i * 20],
        ]),
      ],
    });
  }
  const ts = timeseriesFeatures(samples, { startMs: 2000, endMs: 3000, wallS: 1, cpuS: 0.98 });
  assert.ok(ts);
  assert.equal(ts.mainTid, 11);
  assert.equal(ts.metrics.wall_s, 1);
  assert.equal(ts.metrics.cpu_s, 1.3, 'the GC thread CPU is the process CPU too');
  assert.equal(ts.metrics.main_running_share, 1);
  assert.equal(ts.metrics.active_threads, 1, 'the GC thread is a runtime helper, not a working thread');
  assert.equal(ts.metrics.timeseries_samples, 21, 'the held sample is left out');
});

test('timeseries: a single-threaded Node program with busy GC helpers is not lock-bound', () => {
  const samples: TimeseriesSample[] = [];
  for (let i = 0; i <= 20; i++) {
    const gc = (tid: number): [number, string, string, string, number] => [
      tid,
      'node',
      (i + tid) % 2 ? 'R' : 'S',
      'futex_do_wait',
      i * 20,
    ];
    samples.push({
      type: 'sample',
      t: 1000 + i * 50,
      cpuCores: 1.8,
      processes: [
        proc(10, 'node', [
          [10, 'node', 'R', '', i * 50],
          [11, 'node', 'S', 'do_epoll_wait', 0],
          gc(12),
          gc(13),
          gc(14),
          gc(15),
          [16, 'node', 'S', 'futex_do_wait', 0],
          [17, 'v8:ProfEvntProc', i % 3 ? 'S' : 'R', 'futex_do_wait', i * 3],
        ]),
      ],
    });
  }
  const ts = timeseriesFeatures(samples, { startMs: 1000, endMs: 2000, wallS: 1 });
  assert.ok(ts);
  assert.equal(ts.mainTid, 10);
  assert.equal(ts.metrics.active_threads, 1, 'V8 helpers and the profiler thread are not program threads');
  assert.equal(ts.metrics.active_lock_share, 0);
  assert.equal(ts.metrics.runtime_thread_cpu_s, 1.6);
  assert.equal(ts.metrics.profiler_thread_cpu_s, 0.06);
});
