import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { exportToPprof } from '../../formats/pprof.js';
import { ProfileBuilder } from '../../model/builder.js';
import { runtimeOf } from '../choose-collectors.js';
import type {
  ArtifactRecord,
  Collector,
  CollectorContext,
  CollectorResult,
  LaunchSpec,
} from '../collector.js';
import { ProcessCost } from '../process-cost.js';
import { resolveCommand } from '../runner.js';
import {
  objdumpCallSites,
  withCallSiteFrames,
  withLeafwardModules,
  withModuleOffsets,
} from './call-site-frames.js';

/** PERF_DATA_FILE and PERF_SCRIPT_FILE are the raw recording and its text form, per run. */
export const PERF_DATA_FILE = 'perf.data';
export const PERF_SCRIPT_FILE = 'perf.script.txt';
/** PERF_OFFCPU_FILE: blocked time by stack (pprof, microseconds), from sampled sched_switch. */
export const PERF_OFFCPU_FILE = 'perf-offcpu.pb.gz';

/**
 * DWARF_STACK_BYTES is how much user stack perf copies per sample for DWARF unwinding: enough
 * for the frames nearest the leaf (the ones frame pointers lose inside glibc), about 8 KB per
 * sample, so a busy thread costs ~0.8 MB/s of perf.data at 99 Hz.
 */
export const DWARF_STACK_BYTES = 8192;
/** PERF_MAX_DATA and PERF_MAX_SCRIPT bound the recording and its text; perf stops at the first. */
export const PERF_MAX_DATA = '512M';
export const PERF_MAX_SCRIPT_BYTES = 512 * 1024 * 1024;

/** PERF_FREQUENCY_HZ is 99, not 100, so sampling does not run in lockstep with timer ticks. */
export const PERF_FREQUENCY_HZ = 99;

const SCRIPT_TIMEOUT_MS = 180_000;

/** cost follows perf's own processes (record and script) for the run in progress. */
const cost = new ProcessCost();

function perfBinary(): string | undefined {
  const found = resolveCommand('perf', process.env.PATH, process.cwd());
  return found.ok ? found.path : undefined;
}

function readSysctl(name: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/kernel/${name}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * perfAvailability runs a real, tiny `perf record`: the binary can exist yet be a stub for
 * another kernel, or perf_event_paranoid / a seccomp profile (containers) can forbid it.
 */
export function perfAvailability(binary = perfBinary()): { available: boolean; reason?: string } {
  if (!binary) return { available: false, reason: 'perf not on PATH (Debian: apt-get install linux-perf)' };
  const probe = spawnSync(binary, ['record', '-q', '-o', '/dev/null', '--', 'true'], {
    timeout: 15_000,
    encoding: 'utf8',
  });
  if (probe.status === 0) return { available: true };
  const paranoid = readSysctl('perf_event_paranoid');
  const first = (probe.stderr || probe.error?.message || `exit ${probe.status}`).trim().split('\n')[0];
  return {
    available: false,
    reason: `perf record failed (${first}); kernel.perf_event_paranoid=${paranoid ?? 'unknown'}, needs <= 1 or CAP_PERFMON`,
  };
}

function appendOption(current: string | undefined, option: string): string {
  const trimmed = current?.trim();
  if (trimmed?.split(/\s+/).includes(option)) return trimmed;
  return trimmed ? `${trimmed} ${option}` : option;
}

function isJava(argv: readonly string[]): boolean {
  return basename(argv[0] ?? '') === 'java';
}

/**
 * withSymbolHelpers asks the runtimes in the tree to make their JIT code visible to perf:
 * V8 writes /tmp/perf-<pid>.map (--perf-basic-prof), CPython >= 3.12 adds its perf trampoline
 * (PYTHONPERFSUPPORT; older versions ignore it), and HotSpot keeps frame pointers and dumps its
 * map at exit. JAVA_TOOL_OPTIONS is only touched for a java target or when something already
 * set it, because every JVM prints "Picked up JAVA_TOOL_OPTIONS" on stderr.
 */
export function withSymbolHelpers(launch: LaunchSpec): LaunchSpec {
  const env = { ...launch.env };
  env.NODE_OPTIONS = appendOption(env.NODE_OPTIONS, '--perf-basic-prof');
  env.PYTHONPERFSUPPORT = env.PYTHONPERFSUPPORT ?? '1';
  if (isJava(launch.argv) || env.JAVA_TOOL_OPTIONS?.trim()) {
    let java = appendOption(env.JAVA_TOOL_OPTIONS, '-XX:+PreserveFramePointer');
    java = appendOption(java, '-XX:+UnlockDiagnosticVMOptions');
    env.JAVA_TOOL_OPTIONS = appendOption(java, '-XX:+DumpPerfMapAtExit');
  }
  return { ...launch, env };
}

/**
 * RecordMode: `fp` walks frame pointers (JIT runtimes keep them, and their code has no DWARF);
 * `dwarf` copies the user stack and unwinds it with DWARF CFI, which finds the callers of glibc
 * functions (built without frame pointers, so `-g` loses malloc's or read's caller);
 * `dwarf-offcpu` adds sampled sched_switch events (the thread blocked: prev_state != 0) and
 * context-switch records, from which blocked time per stack is computed.
 */
export type RecordMode = 'fp' | 'dwarf' | 'dwarf-offcpu';

/**
 * perfRecordArgv attaches to the target's pid (`-p`; children it forks later are followed, as
 * perf inherits counters by default) with events disabled (`-D -1`) until the runner says
 * `enable` on the control fd and perf acks: the target waits before its exec meanwhile, so no
 * sample is lost and perf's start-up and teardown stay out of the target's wall time.
 * `--synth=no`: the waiting process is still the exec gate (/bin/sh); maps synthesized from it
 * would outlive its exec and hide the target's own executable from the unwinder (seen: the
 * caller of a contended mutex lost from every off-CPU stack). Without a pid (the availability
 * probes) perf wraps `argv` as before.
 */
export function perfRecordArgv(
  binary: string,
  dataFile: string,
  argv: readonly string[],
  mode: RecordMode = 'fp',
  pid?: number,
): string[] {
  const head = [binary, 'record', '-F', String(PERF_FREQUENCY_HZ)];
  const target =
    pid === undefined
      ? ['--', ...argv]
      : ['--synth=no', '-D', '-1', '--control', 'fd:3,4', '-p', String(pid)];
  if (mode === 'fp') return [...head, '-g', '-q', '-o', dataFile, ...target];
  const dwarf = ['--call-graph', `dwarf,${DWARF_STACK_BYTES}`, '--max-size', PERF_MAX_DATA];
  const off =
    mode === 'dwarf-offcpu'
      ? ['-e', 'cpu-clock', '-e', 'sched:sched_switch', '--filter', 'prev_state != 0', '--switch-events']
      : [];
  return [...head, ...dwarf, ...off, '-q', '-o', dataFile, ...target];
}

/** ATTACH_TIMEOUT_MS bounds perf's start-up (symbol tables, mmaps of a big process). */
const ATTACH_TIMEOUT_MS = 30_000;
/** EXIT_GRACE_MS: perf -p ends by itself once the target's threads are gone; then it is asked. */
const EXIT_GRACE_MS = 3000;

/** Recorder is one running `perf record -p`. */
interface Recorder {
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr: string[];
}

/**
 * attachRecorder starts perf on a waiting target and resolves once perf acked `enable`, or
 * rejects with perf's own message when it exits or does not answer in time.
 */
function attachRecorder(argv: string[]): Promise<Recorder> {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 50) stderr.push(d.toString());
  });
  const exited = new Promise<number | null>((done) => {
    child.on('exit', (code) => done(code));
    child.on('error', () => done(null));
  });
  const ctl = child.stdio[3] as NodeJS.WritableStream | null;
  const ack = child.stdio[4] as NodeJS.ReadableStream | null;
  return new Promise((ready, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`perf did not attach within ${ATTACH_TIMEOUT_MS / 1000} s`));
    }, ATTACH_TIMEOUT_MS);
    ack?.on('data', (d: Buffer) => {
      if (!d.toString().includes('ack')) return;
      clearTimeout(timer);
      ready({ child, exited, stderr });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`perf record exited with ${code}: ${stderr.join('').trim().split('\n')[0] ?? ''}`));
    });
    ctl?.write('enable\n');
  });
}

async function waitForRecorder(rec: Recorder): Promise<number | null> {
  const ask = setTimeout(() => rec.child.kill('SIGINT'), EXIT_GRACE_MS);
  const kill = setTimeout(() => rec.child.kill('SIGKILL'), EXIT_GRACE_MS + SCRIPT_TIMEOUT_MS);
  const code = await rec.exited;
  clearTimeout(ask);
  clearTimeout(kill);
  return code;
}

const probed = new Map<RecordMode, boolean>();

/** modeWorks runs `perf record` of `true` in that mode once per process (perf builds differ). */
function modeWorks(binary: string, mode: RecordMode): boolean {
  let ok = probed.get(mode);
  if (ok === undefined) {
    const argv = perfRecordArgv(binary, '/dev/null', ['true'], mode);
    const probe = spawnSync(argv[0], argv.slice(1), { timeout: 20_000, encoding: 'utf8' });
    ok = probe.status === 0;
    probed.set(mode, ok);
  }
  return ok;
}

function firstLineOf(program: string): string | undefined {
  const found = resolveCommand(program, process.env.PATH, process.cwd());
  if (!found.ok) return undefined;
  try {
    return readFileSync(found.path).subarray(0, 256).toString('latin1').split('\n')[0];
  } catch {
    return undefined;
  }
}

/**
 * recordModeFor: native programs get DWARF unwinding and the off-CPU events when this perf and
 * kernel allow them; JIT runtimes (node, python, java) keep frame pointers.
 */
export function recordModeFor(binary: string, argv: readonly string[]): RecordMode {
  if (runtimeOf([...argv], firstLineOf) !== 'native') return 'fp';
  if (modeWorks(binary, 'dwarf-offcpu')) return 'dwarf-offcpu';
  if (modeWorks(binary, 'dwarf')) return 'dwarf';
  return 'fp';
}

/** ScriptLine: one line of perf script text, handed over per sample so frames can be fixed. */
type SampleSink = (header: string, frames: string[]) => void;

const FRAME_LINE = /^(\s+([0-9a-fA-F]+)\s+)(.*?)\s+\(([^()]*|\(inlined\))\)\s*$/;

/**
 * fixInlined gives perf's `(inlined)` frames the module of the real frame at the same address
 * (perf prints an address's inline chain as consecutive lines, and sometimes marks even the
 * outermost function `(inlined)`, e.g. glibc's ___pthread_mutex_lock). Without such a frame
 * the line is left as it is and the function name alone says whose code it is.
 */
export function fixInlined(frames: string[]): string[] {
  const out = [...frames];
  const parsed = out.map((l) => FRAME_LINE.exec(l));
  let i = 0;
  while (i < out.length) {
    const first = parsed[i];
    if (!first) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < out.length && parsed[j + 1]?.[2] === first[2]) j++;
    const real = parsed.slice(i, j + 1).find((m) => m && m[4] !== 'inlined');
    if (real) {
      for (let k = i; k <= j; k++) {
        const m = parsed[k];
        if (m && m[4] === 'inlined') out[k] = `${m[1]}${m[3]} (${real[4]})`;
      }
    }
    i = j + 1;
  }
  return out;
}

/**
 * runPerfScript streams `perf script` through `onSample` (one header plus its frame lines) and
 * `onOther` (every other line, like PERF_RECORD_SWITCH). It stops perf script once `limit`
 * bytes were produced.
 */
function runPerfScript(
  binary: string,
  args: string[],
  onSample: SampleSink,
  onOther: (line: string) => void,
  limit = PERF_MAX_SCRIPT_BYTES,
): Promise<{ code: number | null; stderr: string; truncated: boolean }> {
  const child = spawn(binary, ['script', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  cost.watch(child.pid);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 8192) stderr += d.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), SCRIPT_TIMEOUT_MS);
  let bytes = 0;
  let truncated = false;
  let header: string | undefined;
  let frames: string[] = [];
  const flush = () => {
    if (header !== undefined) onSample(header, frames);
    header = undefined;
    frames = [];
  };
  const lines = createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on('line', (line) => {
    if (truncated) return;
    bytes += line.length + 1;
    if (bytes > limit) {
      truncated = true;
      child.kill('SIGKILL');
      return;
    }
    if (line.trim() === '') flush();
    else if (header !== undefined && /^\s/.test(line)) frames.push(line);
    else if (/:\s*$/.test(line) || / \S+:\S*:\s/.test(line) || /\s[\w:-]+:\s*$/.test(line)) {
      flush();
      header = line;
    } else {
      flush();
      onOther(line);
    }
  });
  const closed = new Promise<void>((done) => lines.on('close', done));
  return new Promise((done) => {
    let finished = false;
    const finish = async (code: number | null) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      await closed;
      flush();
      done({ code, stderr, truncated });
    };
    child.on('close', (code) => void finish(code));
    child.on('error', (err) => {
      stderr += err.message;
      void finish(null);
    });
  });
}

/** writeScriptText runs pass 1: the on-CPU samples as perf script text (trace events left out). */
async function writeScriptText(binary: string, dataFile: string, scriptFile: string, mode: RecordMode) {
  const out = createWriteStream(scriptFile);
  const args = mode === 'dwarf-offcpu' ? ['-F', 'trace:', '-i', dataFile] : ['-i', dataFile];
  // Native stacks get the library functions their call sites name (lost to tail calls) and
  // module+offset names for a stripped binary's frames; JIT runtimes' stacks stay as sampled.
  const callSites = objdumpCallSites();
  const tidy = (frames: string[]) =>
    mode === 'fp'
      ? frames
      : withModuleOffsets(withCallSiteFrames(withLeafwardModules(fixInlined(frames)), callSites));
  const result = await runPerfScript(
    binary,
    args,
    (header, frames) => {
      out.write(
        `${header}\n${tidy(frames)
          .map((f) => `${f}\n`)
          .join('')}\n`,
      );
    },
    () => {},
  );
  await new Promise<void>((done) => out.end(done));
  return result;
}

const SWITCH_HEADER = /^\s*(.*?)\s+(\d+)\s+(\d+\.\d+):\s+(\d+)\s+sched:sched_switch:/;
const SWITCH_RECORD = /^\s*(.*?)\s+(\d+)\s+(\d+\.\d+):\s+PERF_RECORD_SWITCH(?:_CPU_WIDE)?\s+(IN|OUT)/;

/**
 * OffCpuAccumulator turns sampled sched_switch events (a thread blocking, with its stack) and
 * the context-switch records into blocked time per stack: a sampled switch-out at t stands for
 * `period` switches, each blocked until that thread's next switch-in.
 */
export class OffCpuAccumulator {
  private readonly builder = new ProfileBuilder([{ type: 'off-cpu', unit: 'microseconds' }]);
  private readonly pending = new Map<number, Array<{ time: number; period: number; stack: number[] }>>();
  samples = 0;
  totalUs = 0;

  sample(header: string, frames: string[]): void {
    const h = SWITCH_HEADER.exec(header);
    if (!h) return;
    const tid = Number(h[2]);
    const stack: number[] = [];
    for (const line of fixInlined(frames)) {
      const m = FRAME_LINE.exec(line);
      if (!m) continue;
      const name = m[3].replace(/\+0x[0-9a-f]+$/, '');
      const module = m[4] === 'inlined' ? '' : m[4];
      const kernel = module === '[kernel.kallsyms]';
      stack.push(this.builder.locationId({ name: kernel ? `${name}_[k]` : name, file: module }));
    }
    const list = this.pending.get(tid) ?? [];
    list.push({ time: Number(h[3]), period: Number(h[4]) || 1, stack });
    this.pending.set(tid, list);
  }

  record(line: string): void {
    const r = SWITCH_RECORD.exec(line);
    if (!r || r[4] !== 'IN') return;
    const tid = Number(r[2]);
    const list = this.pending.get(tid);
    if (!list) return;
    const now = Number(r[3]);
    const keep = [];
    for (const p of list) {
      if (p.time > now) {
        keep.push(p);
        continue;
      }
      const us = Math.round((now - p.time) * 1e6) * p.period;
      if (us <= 0) continue;
      this.builder.addSample(p.stack, [us]);
      this.samples++;
      this.totalUs += us;
    }
    if (keep.length > 0) this.pending.set(tid, keep);
    else this.pending.delete(tid);
  }

  profile() {
    return this.builder.build();
  }
}

/** offCpuProfile runs pass 2 (sched_switch samples and switch records) into a pprof file. */
async function offCpuProfile(
  binary: string,
  dataFile: string,
  outFile: string,
): Promise<{ samples: number; warning?: string }> {
  const acc = new OffCpuAccumulator();
  const { code } = await runPerfScript(
    binary,
    ['-F', 'comm,tid,time,period,event,ip,sym,dso', '--show-switch-events', '-i', dataFile],
    (header, frames) => acc.sample(header, frames),
    (line) => acc.record(line),
    Number.POSITIVE_INFINITY,
  );
  if (acc.samples > 0) writeFileSync(outFile, exportToPprof(acc.profile()));
  return {
    samples: acc.samples,
    ...(code === 0 ? {} : { warning: `perf script (off-CPU pass) exited with ${code ?? 'a timeout'}` }),
  };
}

/** RunPlan is what prepare decided for one run folder; start adds the recorder. */
interface RunPlan {
  mode: RecordMode;
  recorder?: Recorder;
}

const plans = new Map<string, RunPlan>();

/**
 * perfCollector samples user and kernel stacks of the whole tree with `perf record -F 99`,
 * attached by pid to the target while it waits before its exec (see exec-gate.ts), and converts
 * the recording to `perf script` text at stop. perf is not the target's parent, so the target's
 * exit status, wall time and process tree are its own; perf's CPU and RSS are its cost.
 */
export const perfCollector: Collector = {
  name: 'perf',
  description: 'perf record -F 99 of the whole process tree (user and kernel stacks), as perf script text',
  async availability() {
    return perfAvailability();
  },
  async prepare(launch: LaunchSpec, ctx: CollectorContext) {
    const binary = perfBinary();
    if (!binary) return launch;
    cost.reset();
    const mode = recordModeFor(binary, launch.argv);
    plans.set(ctx.artifactsDir, { mode });
    ctx.log(
      `perf: call graphs by ${mode === 'fp' ? 'frame pointers' : `DWARF (${DWARF_STACK_BYTES} bytes of stack per sample)`}${mode === 'dwarf-offcpu' ? ', plus sampled sched_switch for off-CPU time' : ''}`,
    );
    return withSymbolHelpers(launch);
  },
  async start(rootPid: number, ctx: CollectorContext) {
    const binary = perfBinary();
    const plan = plans.get(ctx.artifactsDir);
    if (!binary || !plan) return;
    const dataFile = join(ctx.artifactsDir, PERF_DATA_FILE);
    const argv = perfRecordArgv(binary, dataFile, [], plan.mode, rootPid);
    ctx.log(`perf: ${argv.slice(1).join(' ')}`);
    const pending = attachRecorder(argv);
    const recorder = await pending;
    cost.watch(recorder.child.pid);
    plan.recorder = recorder;
  },
  async stop(ctx: CollectorContext): Promise<CollectorResult> {
    const plan = plans.get(ctx.artifactsDir);
    plans.delete(ctx.artifactsDir);
    const recordCode = plan?.recorder ? await waitForRecorder(plan.recorder) : null;
    const recordErr = plan?.recorder?.stderr.join('').trim().split('\n')[0];
    const binary = perfBinary();
    const dataFile = join(ctx.artifactsDir, PERF_DATA_FILE);
    if (!binary || !existsSync(dataFile)) {
      return {
        status: 'failed',
        warnings: [`no ${PERF_DATA_FILE}: perf did not start or was killed before writing`],
        artifacts: [],
      };
    }
    const mode = plan?.mode ?? 'fp';
    const scriptFile = join(ctx.artifactsDir, PERF_SCRIPT_FILE);
    const { code, stderr, truncated } = await writeScriptText(binary, dataFile, scriptFile, mode);
    const warnings = stderr
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .slice(0, 5)
      .map((l) => `perf script: ${l}`);
    if (recordCode !== 0)
      warnings.push(
        `perf record exited with ${recordCode ?? 'a signal'}${recordErr ? `: ${recordErr}` : ''}`,
      );
    const bytes = statSync(scriptFile).size;
    const artifact = {
      path: relative(ctx.runDir, scriptFile),
      kind: 'cpu-profile' as const,
      collector: 'perf' as const,
      format: 'perf-script' as const,
      description: `perf script of ${relative(ctx.runDir, dataFile)}: on-CPU stacks at ${PERF_FREQUENCY_HZ} Hz, user and kernel${mode === 'fp' ? '' : ', DWARF-unwound'}`,
      bytes,
    };
    const artifacts: ArtifactRecord[] = [artifact];
    if (truncated) warnings.push(`perf script output cut at ${PERF_MAX_SCRIPT_BYTES} bytes`);
    if (mode === 'dwarf-offcpu') {
      const off = await offCpuProfile(binary, dataFile, join(ctx.artifactsDir, PERF_OFFCPU_FILE));
      if (off.warning) warnings.push(off.warning);
      if (off.samples > 0) {
        artifacts.push({
          path: relative(ctx.runDir, join(ctx.artifactsDir, PERF_OFFCPU_FILE)),
          kind: 'off-cpu-profile',
          collector: 'perf',
          format: 'pprof',
          description: `blocked (off-CPU) time by stack, microseconds: sched_switch sampled at ${PERF_FREQUENCY_HZ} Hz, each blocked until its thread's next switch-in`,
          bytes: statSync(join(ctx.artifactsDir, PERF_OFFCPU_FILE)).size,
        });
      }
    }
    if (code !== 0)
      warnings.push(`perf script exited with ${code ?? 'a timeout'}: the text may be incomplete`);
    if (bytes === 0) warnings.push('perf recorded no samples (the target ran too briefly?)');
    const status = code === 0 && bytes > 0 ? 'ok' : 'partial';
    return { status, warnings, artifacts };
  },
  cost() {
    cost.poll();
    return cost.total();
  },
};
