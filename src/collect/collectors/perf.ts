import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { Collector, CollectorContext, CollectorResult, LaunchSpec } from '../collector.js';
import { resolveCommand } from '../runner.js';

/** PERF_DATA_FILE and PERF_SCRIPT_FILE are the raw recording and its text form, per run. */
export const PERF_DATA_FILE = 'perf.data';
export const PERF_SCRIPT_FILE = 'perf.script.txt';

/** PERF_FREQUENCY_HZ is 99, not 100, so sampling does not run in lockstep with timer ticks. */
export const PERF_FREQUENCY_HZ = 99;

const SCRIPT_TIMEOUT_MS = 180_000;

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

/** perfRecordArgv wraps the target: perf starts first, so every child is followed from exec. */
export function perfRecordArgv(binary: string, dataFile: string, argv: readonly string[]): string[] {
  return [binary, 'record', '-F', String(PERF_FREQUENCY_HZ), '-g', '-q', '-o', dataFile, '--', ...argv];
}

function runPerfScript(
  binary: string,
  dataFile: string,
  outFile: string,
): Promise<{ code: number | null; stderr: string }> {
  const out = openSync(outFile, 'w');
  const child = spawn(binary, ['script', '-i', dataFile], { stdio: ['ignore', out, 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 8192) stderr += d.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), SCRIPT_TIMEOUT_MS);
  return new Promise((done) => {
    const finish = (code: number | null) => {
      clearTimeout(timer);
      closeSync(out);
      done({ code, stderr });
    };
    child.on('close', finish);
    child.on('error', (err) => {
      stderr += err.message;
      finish(null);
    });
  });
}

/**
 * perfCollector samples user and kernel stacks of the whole tree with `perf record -F 99 -g`,
 * wrapping the command so children are followed from their first instruction, and converts the
 * recording to `perf script` text at stop. perf record exits with the target's exit code; a
 * target killed by signal N shows as exit 128+N (perf itself is the runner's root process, and
 * forwards SIGINT/SIGTERM to the target as SIGTERM).
 */
export const perfCollector: Collector = {
  name: 'perf',
  description: 'perf record -F 99 -g of the whole process tree (user and kernel stacks), as perf script text',
  async availability() {
    return perfAvailability();
  },
  async prepare(launch: LaunchSpec, ctx: CollectorContext) {
    const binary = perfBinary();
    if (!binary) return launch;
    const dataFile = join(ctx.artifactsDir, PERF_DATA_FILE);
    ctx.log(`perf: recording to ${dataFile}`);
    const helped = withSymbolHelpers(launch);
    return { ...helped, argv: perfRecordArgv(binary, dataFile, launch.argv) };
  },
  async stop(ctx: CollectorContext): Promise<CollectorResult> {
    const binary = perfBinary();
    const dataFile = join(ctx.artifactsDir, PERF_DATA_FILE);
    if (!binary || !existsSync(dataFile)) {
      return {
        status: 'failed',
        warnings: [`no ${PERF_DATA_FILE}: perf did not start or was killed before writing`],
        artifacts: [],
      };
    }
    const scriptFile = join(ctx.artifactsDir, PERF_SCRIPT_FILE);
    const { code, stderr } = await runPerfScript(binary, dataFile, scriptFile);
    const warnings = stderr
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .slice(0, 5)
      .map((l) => `perf script: ${l}`);
    const bytes = statSync(scriptFile).size;
    const artifact = {
      path: relative(ctx.runDir, scriptFile),
      kind: 'cpu-profile' as const,
      collector: 'perf' as const,
      format: 'perf-script' as const,
      description: `perf script of ${relative(ctx.runDir, dataFile)}: on-CPU stacks at ${PERF_FREQUENCY_HZ} Hz, user and kernel`,
      bytes,
    };
    if (code !== 0)
      warnings.push(`perf script exited with ${code ?? 'a timeout'}: the text may be incomplete`);
    if (bytes === 0) warnings.push('perf recorded no samples (the target ran too briefly?)');
    const status = code === 0 && bytes > 0 ? 'ok' : 'partial';
    return { status, warnings, artifacts: [artifact] };
  },
};
