import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  Collector,
  CollectorContext,
  CollectorCost,
  CollectorResult,
  LaunchSpec,
} from '../collector.js';
import { ProcessCost } from '../process-cost.js';
import {
  listPyArtifacts,
  looksLikePython,
  type PyArtifactType,
  pySamplerAvailability,
  withPythonHook,
} from '../py-sampler/python-hook.js';
import { resolveCommand } from '../runner.js';

/** PythonSamplerChoice picks the sampler: py-spy when installed ('auto'), or always one of them. */
export type PythonSamplerChoice = 'auto' | 'in-process' | 'py-spy';

/** PythonCollectorOptions configure createPythonCollector; AUTOPROF_PYTHON_* variables override. */
export interface PythonCollectorOptions {
  /** hz is the sampling rate (default 100). */
  hz?: number;
  /**
   * tracemalloc adds allocation snapshots every second (default false: tracemalloc hooks every
   * allocation and slows allocation-heavy code several times, distorting the CPU profile).
   * AUTOPROF_PYTHON_TRACEMALLOC=1 turns it on.
   */
  tracemalloc?: boolean;
  /** sampler defaults to 'auto'; AUTOPROF_PYTHON_SAMPLER overrides. */
  sampler?: PythonSamplerChoice;
}

const SAMPLER_FILES: readonly PyArtifactType[] = [
  {
    suffix: '.cpu.speedscope.json',
    kind: 'cpu-profile',
    format: 'speedscope',
    description: 'Python on-CPU time per thread (autoprof in-process sampler)',
  },
  {
    suffix: '.wall.speedscope.json',
    kind: 'wall-profile',
    format: 'speedscope',
    description: 'Python wall time per thread, idle threads included (autoprof in-process sampler)',
  },
  {
    suffix: '.tracemalloc.json',
    kind: 'memory-snapshots',
    description: 'tracemalloc snapshots: traced memory and top allocation sites over time',
  },
];

const PY_SPY_FILES: readonly PyArtifactType[] = [
  {
    suffix: '.py-spy.speedscope.json',
    kind: 'cpu-profile',
    format: 'speedscope',
    description: 'Python on-CPU samples per thread (py-spy record, subprocesses included)',
  },
];

/** SamplerMeta is the `autoprof` block the in-process sampler writes into its speedscope files. */
interface SamplerMeta {
  hz_requested?: number;
  hz_achieved?: number;
  sampler_cpu_s?: number;
  duration_s?: number;
  ticks?: number;
  idle_detection?: string;
}

interface RunState {
  mode: 'in-process' | 'py-spy';
  argv: string[];
  pySpy?: { child: ChildProcess; exited: Promise<number | null>; stderr: string[] };
}

function resolveChoice(options: PythonCollectorOptions): PythonSamplerChoice {
  const env = process.env.AUTOPROF_PYTHON_SAMPLER;
  if (env === 'auto' || env === 'in-process' || env === 'py-spy') return env;
  return options.sampler ?? 'auto';
}

function pySpyPath(): string | undefined {
  const found = resolveCommand('py-spy', process.env.PATH, process.cwd());
  return found.ok ? found.path : undefined;
}

/** THIN_PROFILE_TICKS: with fewer samples than this a profile is reported as thin. */
const THIN_PROFILE_TICKS = 20;

/** samplerCpuS adds up the CPU the in-process sampler threads report spending on themselves. */
function samplerCpuS(files: string[]): number {
  let total = 0;
  for (const file of files) {
    try {
      const meta = (JSON.parse(readFileSync(file, 'utf8')) as { autoprof?: SamplerMeta }).autoprof;
      total += meta?.sampler_cpu_s ?? 0;
    } catch {
      // A file cut short by a killed process: its cost is unknown, not an error.
    }
  }
  return Math.round(total * 1000) / 1000;
}

/**
 * samplerWarnings reads the sampler's own numbers back, so a starved sampler (a CPU-bound
 * target holding the GIL, a loaded machine) is reported rather than silently undersampling.
 */
function samplerWarnings(file: string): string[] {
  try {
    const meta = (JSON.parse(readFileSync(file, 'utf8')) as { autoprof?: SamplerMeta }).autoprof ?? {};
    const { hz_requested: wanted, hz_achieved: got, sampler_cpu_s: cpu, duration_s: dur } = meta;
    const out = [
      `in-process sampler: ${got} Hz of ${wanted} Hz requested, ${cpu}s sampler CPU over ${dur}s, idle by ${meta.idle_detection}`,
    ];
    if (meta.ticks !== undefined && meta.ticks < THIN_PROFILE_TICKS) {
      out.push(
        `thin profile: ${meta.ticks} samples in ${dur}s (the program ended quickly); shares are rough`,
      );
    }
    if (wanted && got !== undefined && dur !== undefined && dur > 1 && got < wanted / 2) {
      out.push(`python sampler reached only ${got} Hz of ${wanted} Hz: samples are coarser than asked`);
    }
    return out;
  } catch {
    return [];
  }
}

function startPySpy(binary: string, rootPid: number, ctx: CollectorContext, hz: number): RunState['pySpy'] {
  const out = join(ctx.artifactsDir, `python-${rootPid}.py-spy.speedscope.json`);
  const args = ['record', '--format', 'speedscope', '--rate', String(hz), '--subprocesses'];
  args.push('--pid', String(rootPid), '--output', out);
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: string[] = [];
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 50) stderr.push(d.toString());
  });
  const exited = new Promise<number | null>((done) => {
    child.on('exit', (code) => done(code));
    child.on('error', () => done(null));
  });
  ctx.log(`python: py-spy ${args.join(' ')}`);
  return { child, exited, stderr };
}

async function stopPySpy(state: NonNullable<RunState['pySpy']>): Promise<void> {
  // py-spy ends by itself when the target exits; SIGINT makes it write what it has.
  const timer = setTimeout(() => state.child.kill('SIGINT'), 5000);
  await state.exited;
  clearTimeout(timer);
}

/**
 * createPythonCollector builds the python collector: stack samples of every Python process in
 * the tree, with zero source change. It uses py-spy (`record --pid --subprocesses`) when that
 * is on PATH and argv[0] is a Python interpreter; otherwise autoprof's in-process sampler,
 * loaded through a sitecustomize on PYTHONPATH (see py-sampler/autoprof_sampler.py).
 */
export function createPythonCollector(options: PythonCollectorOptions = {}): Collector {
  const runs = new Map<string, RunState>();
  const hz = options.hz ?? 100;
  const pySpyCost = new ProcessCost();
  let lastCost: CollectorCost | undefined;
  return {
    name: 'python',
    description: 'Python stack samples per thread (py-spy, or an in-process sampler via sitecustomize)',
    availability: pySamplerAvailability,
    async prepare(launch: LaunchSpec, ctx: CollectorContext) {
      const choice = resolveChoice(options);
      const usePySpy =
        choice === 'py-spy' ||
        (choice === 'auto' && pySpyPath() !== undefined && looksLikePython(launch.argv));
      runs.set(ctx.artifactsDir, { mode: usePySpy ? 'py-spy' : 'in-process', argv: launch.argv });
      if (usePySpy) return launch;
      const tracemalloc = process.env.AUTOPROF_PYTHON_TRACEMALLOC === '1' || options.tracemalloc === true;
      ctx.log(`python: in-process sampler at ${hz} Hz${tracemalloc ? ' with tracemalloc' : ''}`);
      return withPythonHook(launch, {
        AUTOPROF_PY_SAMPLE_DIR: ctx.artifactsDir,
        AUTOPROF_PY_HZ: String(hz),
        ...(tracemalloc ? { AUTOPROF_PY_TRACEMALLOC: '1' } : {}),
      });
    },
    async start(rootPid: number, ctx: CollectorContext) {
      const state = runs.get(ctx.artifactsDir);
      if (state?.mode !== 'py-spy') return;
      const binary = pySpyPath();
      if (binary) state.pySpy = startPySpy(binary, rootPid, ctx, hz);
      pySpyCost.reset();
      pySpyCost.watch(state.pySpy?.child.pid);
    },
    async stop(ctx: CollectorContext): Promise<CollectorResult> {
      const state = runs.get(ctx.artifactsDir) ?? { mode: 'in-process', argv: [] };
      runs.delete(ctx.artifactsDir);
      const warnings: string[] = [];
      if (state.pySpy) {
        await stopPySpy(state.pySpy);
        const err = state.pySpy.stderr.join('').trim();
        if (err) warnings.push(`py-spy: ${err.split('\n').slice(-3).join(' | ')}`);
      }
      const types = state.mode === 'py-spy' ? PY_SPY_FILES : SAMPLER_FILES;
      const artifacts = listPyArtifacts(ctx.artifactsDir, ctx.runDir, 'python', types);
      warnings.unshift(
        `sampler: ${state.mode === 'py-spy' ? 'py-spy' : 'autoprof in-process (py-spy not used)'}`,
      );
      const cpu = artifacts.filter((a) => a.kind === 'cpu-profile');
      lastCost =
        state.mode === 'py-spy'
          ? pySpyCost.total()
          : { where: 'in-target', cpuS: samplerCpuS(cpu.map((a) => join(ctx.runDir, a.path))), processes: 0 };
      if (state.mode === 'in-process' && cpu[0]) {
        warnings.push(...samplerWarnings(join(ctx.runDir, cpu[0].path)));
      }
      if (cpu.length > 0) return { status: 'ok', warnings, artifacts };
      if (!looksLikePython(state.argv)) {
        warnings.push('no Python process wrote samples (the target may not run Python)');
        return { status: 'skipped', warnings, artifacts };
      }
      warnings.push(
        'no Python samples: the interpreter ignored PYTHONPATH (-E/-I), exited within one tick, or was killed before its first flush',
      );
      return { status: 'failed', warnings, artifacts };
    },
    cost: () => lastCost,
  };
}

/** pythonCollector is the python collector with default options. */
export const pythonCollector = createPythonCollector();
