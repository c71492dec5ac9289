"""autoprof_sampler: autoprof's in-process Python profiler (stdlib only, Python >= 3.8).

Loaded by autoprof's sitecustomize.py before the target's main module; configured only by
environment variables that autoprof's collectors set:

  AUTOPROF_PY_SAMPLE_DIR   enables the stack sampler; files go to this folder
  AUTOPROF_PY_HZ           sampling rate, default 100
  AUTOPROF_PY_TRACEMALLOC  "1" adds tracemalloc snapshots. Off by default: tracemalloc
                           hooks every allocation and typically slows allocation-heavy
                           code 2-4x, which would distort the CPU profile it runs beside.
  AUTOPROF_PY_FLUSH_S      seconds between rewrites of the output files, default 2, so a
                           target killed by a signal (no atexit) still leaves a profile
  AUTOPROF_PY_CPROFILE_DIR enables cProfile (deterministic, slows the target) for the main
                           thread, like `python -m cProfile -o`, written at exit

Files, one set per Python process (children included), named by pid:

  python-<pid>.cpu.speedscope.json   on-CPU time per thread, speedscope "sampled" profiles,
                                     weights in nanoseconds of thread CPU time
  python-<pid>.wall.speedscope.json  wall time per thread, idle threads included
  python-<pid>.tracemalloc.json      memory snapshots over time (when enabled)
  python-<pid>.pstats                cProfile statistics (when enabled)

Speedscope was chosen over folded stacks because it carries one profile per thread, and
weights, without a side file. Stacks are aggregated (one entry per distinct stack), so the
file size follows the number of distinct stacks, not the run length; the sample order (the
timeline) is not kept. Frames are `name` = qualified function name, `file`, `line` = the line
executing, as py-spy writes them.

Idle vs running: a thread is on-CPU when the kernel says it ran. Each tick reads the thread's
cumulative CPU time from /proc/self/task/<native id>/schedstat (nanoseconds) and charges the
delta since the previous tick to the stack seen now. A thread waiting for the GIL or in
time.sleep gets no CPU charge, which a Python-level view cannot tell. Without schedstat
(not Linux, or threads not started by `threading`, which have no native id), a leaf-frame
heuristic decides: a leaf in a known blocking stdlib function (Condition.wait, select,
socket reads, ...) is idle, anything else is charged the tick's wall time.

The sampler thread is started with _thread, not threading, so it does not appear in the
target's threading.enumerate(). It holds the GIL while it walks the stacks, which is what
the overhead consists of; the interpreter's switch interval (5 ms) can delay a tick, so the
weight of a tick is the measured time since the previous one, not 1/hz.
"""

import atexit
import json
import os
import sys
import time

try:
    import _thread
except ImportError:  # pragma: no cover - every CPython we support has it
    _thread = None

_MAX_DEPTH = 1024
_MAX_SNAPSHOTS = 600
_TRACEBACK_LIMIT = 10
_TOP_SITES = 25
_OWN_FILES = {__file__, os.path.join(os.path.dirname(__file__), "sitecustomize.py")}

# (file basename, function) pairs whose presence as the innermost Python frame means the
# thread is blocked in C code below it (the C function itself is not a Python frame).
_BLOCKING_LEAVES = {
    ("threading.py", "wait"),
    ("threading.py", "_wait_for_tstate_lock"),
    ("threading.py", "join"),
    ("selectors.py", "select"),
    ("socket.py", "accept"),
    ("socket.py", "readinto"),
    ("ssl.py", "read"),
    ("ssl.py", "recv_into"),
    ("subprocess.py", "_try_wait"),
    ("subprocess.py", "communicate"),
    ("connection.py", "_recv"),
    ("connection.py", "_poll"),
    ("queue.py", "get"),
    ("popen_fork.py", "poll"),
}


# _BURST_S: how long after start-up the sampler runs at ten times its rate.
_BURST_S = 0.3


def _runs_own_code(frame):
    while frame is not None:
        if frame.f_code.co_filename in _OWN_FILES:
            return True
        frame = frame.f_back
    return False


def _qualname(code):
    return getattr(code, "co_qualname", code.co_name)


class _ThreadClock:
    """Reads each thread's cumulative CPU time (ns) from /proc/self/task/<tid>/schedstat.

    Every os.* call releases the GIL, and getting it back behind a CPU-bound thread costs
    up to the 5 ms switch interval: three such calls per thread per tick cut a 100 Hz
    sampler to ~50 Hz. So each thread's file stays open and is re-read with pread through
    ctypes.PyDLL, which keeps the GIL for the ~2 us call.
    """

    def __init__(self):
        self.fds = {}
        self._pread = None
        self._buf = None
        try:
            import ctypes

            libc = ctypes.PyDLL(None, use_errno=True)
            libc.pread.restype = ctypes.c_ssize_t
            libc.pread.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_long]
            self._pread = libc.pread
            self._buf = ctypes.create_string_buffer(128)
        except Exception:
            pass

    def cpu_ns(self, native_id):
        """cpu_ns is the thread's CPU time so far, or None when unknown."""
        if native_id is None:
            return None
        fd = self.fds.get(native_id)
        try:
            if fd is None:
                fd = self.fds[native_id] = os.open("/proc/self/task/%d/schedstat" % native_id, os.O_RDONLY)
            if self._pread is not None:
                n = self._pread(fd, self._buf, 128, 0)
                text = self._buf.raw[:n] if n > 0 else b""
            else:
                text = os.pread(fd, 128, 0)
            return int(text.split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def forget_except(self, live):
        for native_id in [t for t in self.fds if t not in live]:
            self.close_one(native_id)

    def close_one(self, native_id):
        try:
            os.close(self.fds.pop(native_id))
        except (OSError, KeyError):
            pass

    def close(self):
        for native_id in list(self.fds):
            self.close_one(native_id)


def _write_json(path, value):
    # Write then rename, so a reader (or a kill mid-write) never sees half a file.
    tmp = "%s.tmp-%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        json.dump(value, f, separators=(",", ":"))
    os.replace(tmp, path)


class _StackTable:
    """Interns frames and aggregates weights per (thread, stack)."""

    def __init__(self):
        self.frames = []
        self._index = {}
        self.by_thread = {}

    def stack_of(self, frame):
        ids = []
        index = self._index
        while frame is not None and len(ids) < _MAX_DEPTH:
            code = frame.f_code
            key = (code, frame.f_lineno)
            i = index.get(key)
            if i is None:
                i = len(self.frames)
                self.frames.append(
                    {"name": _qualname(code), "file": code.co_filename, "line": frame.f_lineno}
                )
                index[key] = i
            ids.append(i)
            frame = frame.f_back
        ids.reverse()  # speedscope stacks are root first
        return tuple(ids)

    def add(self, thread, stack, weight):
        stacks = self.by_thread.get(thread)
        if stacks is None:
            stacks = self.by_thread[thread] = {}
        stacks[stack] = stacks.get(stack, 0) + weight

    def to_speedscope(self, name, meta):
        profiles = []
        for thread, stacks in sorted(self.by_thread.items()):
            total = sum(stacks.values())
            profiles.append(
                {
                    "type": "sampled",
                    "name": thread,
                    "unit": "nanoseconds",
                    "startValue": 0,
                    "endValue": total,
                    "samples": [list(s) for s in stacks],
                    "weights": list(stacks.values()),
                }
            )
        return {
            "$schema": "https://www.speedscope.app/file-format-schema.json",
            "name": name,
            "exporter": "autoprof-py-sampler@1",
            "activeProfileIndex": 0,
            "shared": {"frames": self.frames},
            "profiles": profiles,
            "autoprof": meta,
        }


SAMPLER_THREAD_NAME = "autoprof-sample"


def _name_own_thread():
    """_name_own_thread gives the sampler's OS thread a name of its own (Linux), so /proc, perf
    and autoprof's thread roles tell it apart from the program's threads (its time is profiling
    cost). Python's own thread names never reach the OS; a thread may rename itself in /proc."""
    native_id = getattr(_thread, "get_native_id", None)
    if native_id is None:
        return
    try:
        with open("/proc/self/task/%d/comm" % native_id(), "w") as f:
            f.write(SAMPLER_THREAD_NAME)
    except OSError:
        pass


class _Sampler:
    def __init__(self, out_dir, hz, flush_s, tracemalloc_on):
        self.out_dir = out_dir
        self.interval = 1.0 / hz
        self.hz = hz
        self.flush_s = flush_s
        self.tracemalloc_on = tracemalloc_on
        self._reset()

    def _reset(self):
        self.pid = os.getpid()
        self.cpu = _StackTable()
        self.wall = _StackTable()
        self.last_cpu = {}
        if getattr(self, "clock", None) is not None:
            self.clock.close()  # after fork these are the parent's threads
        self.clock = _ThreadClock()
        self.ticks = 0
        self.own_ticks = 0
        self.tick_ns = 0
        self.started = time.time()
        self.snapshots = []
        self.snapshot_every = 1.0
        self.stop_lock = None
        self.done_lock = None
        self.ident = None

    def start(self):
        # threading must be imported by the main thread: imported first from the sampler
        # thread, it takes that thread for the main one and waits for it forever at exit.
        import threading  # noqa: F401

        self.stop_lock = _thread.allocate_lock()
        self.stop_lock.acquire()
        self.done_lock = _thread.allocate_lock()
        self.done_lock.acquire()
        _thread.start_new_thread(self._run, ())

    def stop(self):
        if self.stop_lock is None:
            return
        self.stop_lock.release()
        self.done_lock.acquire(timeout=2.0)
        self.stop_lock = None

    def _run(self):
        self.ident = _thread.get_ident()
        _name_own_thread()
        try:
            last = time.perf_counter()
            start = last
            next_flush = last + self.flush_s
            next_snapshot = last + self.snapshot_every
            deadline = last + self.interval / 10
            # Sleep to a fixed deadline, not for a fixed interval: the wait for the GIL
            # after waking would otherwise stretch every period.
            while not self.stop_lock.acquire(timeout=max(0.0, deadline - time.perf_counter())):
                now = time.perf_counter()
                # A short program would end before the usual rate gathered a useful profile:
                # sample ten times faster for the first BURST_S, a bounded cost (a few ms).
                interval = self.interval / 10 if now - start < _BURST_S else self.interval
                deadline = max(deadline + interval, now + interval / 2)
                elapsed_ns = int((now - last) * 1e9)
                last = now
                self._tick(elapsed_ns)
                if self.tracemalloc_on and now >= next_snapshot:
                    self._snapshot()
                    next_snapshot = now + self.snapshot_every
                if now >= next_flush:
                    self.flush()
                    next_flush = time.perf_counter() + self.flush_s
        except Exception as exc:
            sys.stderr.write("autoprof: python sampler stopped: %r\n" % (exc,))
        finally:
            self.done_lock.release()

    def _thread_names(self):
        import threading

        names = {}
        for ident, t in list(getattr(threading, "_active", {}).items()):
            names[ident] = (t.name, getattr(t, "native_id", None))
        return names

    def _tick(self, elapsed_ns):
        t0 = time.perf_counter_ns()
        names = self._thread_names()
        frames = sys._current_frames()
        if self.ticks % 100 == 0:
            self.clock.forget_except({names.get(i, (None, None))[1] for i in frames})
        for ident, frame in frames.items():
            if ident == self.ident:
                continue
            name, native_id = names.get(ident, ("thread-%d" % ident, None))
            thread = "%s (tid %s)" % (name, native_id if native_id is not None else ident)
            code = frame.f_code
            idle = (os.path.basename(code.co_filename), code.co_name) in _BLOCKING_LEAVES
            cpu_ns = self.clock.cpu_ns(native_id)
            if cpu_ns is None:
                on_cpu = 0 if idle else elapsed_ns
            else:
                previous = self.last_cpu.get(native_id)
                self.last_cpu[native_id] = cpu_ns
                # The first tick of a thread has no baseline: judge it by its leaf.
                on_cpu = (0 if idle else elapsed_ns) if previous is None else cpu_ns - previous
                on_cpu = 0 if idle else min(on_cpu, elapsed_ns)
            if _runs_own_code(frame):
                # autoprof's hook itself (sitecustomize, this module): profiling cost, not
                # the program's time, so it never shows up as the program's hotspot.
                self.own_ticks += 1
                del frame
                continue
            stack = self.wall.stack_of(frame)
            self.wall.add(thread, stack, elapsed_ns)
            if on_cpu > 0:
                self.cpu.add(thread, self.cpu.stack_of(frame), on_cpu)
            del frame
        del frames
        self.ticks += 1
        self.tick_ns += time.perf_counter_ns() - t0

    def _snapshot(self):
        import tracemalloc

        if not tracemalloc.is_tracing():
            return
        started = time.perf_counter()
        current, peak = tracemalloc.get_traced_memory()
        top = []
        # statistics() groups every live trace in Python code: skip our own sites afterwards
        # rather than through filter_traces, which would be a second pass over all traces.
        for stat in tracemalloc.take_snapshot().statistics("traceback"):
            if any(f.filename in _OWN_FILES for f in stat.traceback):
                continue
            top.append(
                {
                    "size_bytes": stat.size,
                    "count": stat.count,
                    # tracemalloc orders frames oldest first (Python >= 3.7): root..leaf.
                    "stack": [{"file": f.filename, "line": f.lineno} for f in stat.traceback],
                }
            )
            if len(top) >= _TOP_SITES:
                break
        cost = time.perf_counter() - started
        # A snapshot walks every live allocation; with many, that takes a while. Keep its share
        # of the run under ~5% by spacing snapshots at least 20x their own cost.
        self.snapshot_every = max(self.snapshot_every, 20 * cost)
        self.snapshots.append(
            {
                "t_s": round(time.time() - self.started, 3),
                "traced_current_bytes": current,
                "traced_peak_bytes": peak,
                "snapshot_cost_s": round(cost, 4),
                "top": top,
            }
        )
        if len(self.snapshots) > _MAX_SNAPSHOTS:
            # Long runs: halve the resolution instead of growing without bound.
            self.snapshots = self.snapshots[::2]
            self.snapshot_every *= 2

    def _meta(self):
        duration = max(time.time() - self.started, 1e-9)
        return {
            "sampler": "autoprof in-process",
            "pid": self.pid,
            "argv": list(sys.argv),
            "python": sys.version.split()[0],
            "hz_requested": self.hz,
            "ticks": self.ticks,
            "duration_s": round(duration, 3),
            "hz_achieved": round(self.ticks / duration, 1),
            "sampler_cpu_s": round(self.tick_ns / 1e9, 4),
            "own_code_samples": self.own_ticks,
            "idle_detection": "schedstat" if os.path.exists("/proc/self/schedstat") else "leaf-frame",
        }

    def flush(self):
        # Even with no tick yet the files are written: a run too short to sample still says
        # so (0 samples, its duration in the metadata) instead of looking like a failure.
        base = os.path.join(self.out_dir, "python-%d" % self.pid)
        meta = self._meta()
        _write_json(base + ".cpu.speedscope.json", self.cpu.to_speedscope("python %d cpu" % self.pid, meta))
        _write_json(base + ".wall.speedscope.json", self.wall.to_speedscope("python %d wall" % self.pid, meta))
        if self.tracemalloc_on and self.snapshots:
            _write_json(
                base + ".tracemalloc.json",
                {
                    "schema": "autoprof.python-tracemalloc/v1",
                    "pid": self.pid,
                    "python": meta["python"],
                    "traceback_limit": _TRACEBACK_LIMIT,
                    "interval_s": self.snapshot_every,
                    "snapshots": self.snapshots,
                },
            )

    def finish(self):
        self.stop()
        if self.tracemalloc_on:
            try:
                self._snapshot()
            except Exception:
                pass
        self.flush()

    def after_fork_in_child(self):
        # Only the forking thread survives fork(): the child needs its own sampler thread,
        # and must not rewrite the parent's files with the parent's samples.
        self._reset()
        self.start()


class _CProfile:
    def __init__(self, out_dir):
        import cProfile

        self.out_dir = out_dir
        self.profiler = cProfile.Profile()
        self.profiler.enable()

    def finish(self):
        self.profiler.disable()
        self.profiler.dump_stats(os.path.join(self.out_dir, "python-%d.pstats" % os.getpid()))

    def after_fork_in_child(self):
        import cProfile

        self.profiler.disable()
        self.profiler = cProfile.Profile()
        self.profiler.enable()


_active = []
_finished = [False]


def _finish_all():
    if _finished[0]:
        return
    _finished[0] = True
    for part in _active:
        try:
            part.finish()
        except Exception as exc:
            sys.stderr.write("autoprof: writing the python profile failed: %r\n" % (exc,))


def _after_fork_in_child():
    _finished[0] = False
    for part in _active:
        part.after_fork_in_child()
    # Forked workers (multiprocessing 'fork') leave through os._exit, which skips atexit.
    real_exit = os._exit
    if getattr(real_exit, "_autoprof", False):
        return

    def _exit(code):
        _finish_all()
        real_exit(code)

    _exit._autoprof = True
    _exit._real = real_exit
    os._exit = _exit


def _env_number(name, default):
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return float(default)


def start_from_env():
    """start_from_env starts what the AUTOPROF_PY_* variables ask for (see the module doc)."""
    if _active:
        return
    sample_dir = os.environ.get("AUTOPROF_PY_SAMPLE_DIR")
    cprofile_dir = os.environ.get("AUTOPROF_PY_CPROFILE_DIR")
    if sample_dir and _thread is not None:
        tracemalloc_on = os.environ.get("AUTOPROF_PY_TRACEMALLOC") == "1"
        if tracemalloc_on:
            import tracemalloc

            tracemalloc.start(_TRACEBACK_LIMIT)
        hz = max(1.0, min(1000.0, _env_number("AUTOPROF_PY_HZ", 100)))
        sampler = _Sampler(sample_dir, hz, max(0.2, _env_number("AUTOPROF_PY_FLUSH_S", 2)), tracemalloc_on)
        sampler.start()
        _active.append(sampler)
    if cprofile_dir:
        _active.append(_CProfile(cprofile_dir))
    if _active:
        atexit.register(_finish_all)
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_after_fork_in_child)
