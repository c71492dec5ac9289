import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type BenchResult, parseBenchText } from '../bench/benchfmt.js';
import { importFromHyperfine, isHyperfineJson } from '../bench/hyperfine.js';
import { importFromNamedSamples, isNamedSamplesJson } from '../bench/named-samples.js';
import { AutoprofError, UsageError } from '../errors.js';
import { importProfileBytes } from '../formats/index.js';
import { readInputBytes } from '../io/read-input.js';
import { withStableLocations } from '../model/function-identity.js';
import { mergeProfiles } from '../model/merge.js';
import type { Profile } from '../model/profile.js';
import { projectRootsOf } from './project-roots.js';
import { measureRun, type RunMeasurement } from './run-measurements.js';

/** DiffSide is one side of `autoprof diff`: runs, profiles (one per run) or benchmark results. */
export interface DiffSide {
  inputs: string[];
  /** profiles holds one merged profile per run or per input file, with stable locations. */
  profiles: Profile[];
  /**
   * profileCpuS is, per profile, the CPU seconds the kernel charged that run's target (from its
   * manifest); undefined for profile files, which carry no whole-run measurement.
   */
  profileCpuS: Array<number | undefined>;
  benchmarks: BenchResult[];
  /** runs holds the whole-run measurements of every `autoprof run` run, profiled or not. */
  runs: RunMeasurement[];
  /** unprofiled counts runs that left no profile (too short for the sampler, or it failed). */
  unprofiled: number;
}

const GO_BENCH_LINE = /^Benchmark\S*\s+\d+\s+[-+0-9.eE]+\s+\S+/m;
const MERGED_PROFILE = 'profile.pb.gz';
const MANIFEST = 'manifest.json';

/**
 * loadDiffSide reads a side: a comma-separated list of run directories (each `runs/N` counts as
 * a run), profile files in any format, Go benchmark text, hyperfine JSON or named-samples JSON.
 */
export function loadDiffSide(spec: string, role: 'base' | 'head'): DiffSide {
  const inputs = spec.split(',').filter((s) => s !== '');
  if (inputs.length === 0) throw new UsageError(`diff: the ${role} side is empty`);
  const side: DiffSide = { inputs, profiles: [], profileCpuS: [], benchmarks: [], runs: [], unprofiled: 0 };
  for (const input of inputs) {
    if (!existsSync(input)) throw new UsageError(`diff: ${role} input ${input}: no such file or directory`);
    if (statSync(input).isDirectory()) loadRunDirectory(input, side);
    else loadFile(input, side);
  }
  if ((side.profiles.length > 0 || side.runs.length > 0) && side.benchmarks.length > 0) {
    throw new UsageError(
      `diff: the ${role} side mixes profiles and benchmark results; compare one kind at a time`,
    );
  }
  return side;
}

/**
 * loadRunDirectory reads an `autoprof run` output folder: every `runs/N` (or the folder itself
 * for a single run) is one run, measured whole (run-measurements.ts) and, when it left one,
 * profiled. Only a folder that is no run at all (no manifest.json, no profile.pb.gz) is an error.
 */
function loadRunDirectory(dir: string, side: DiffSide): void {
  const runsDir = join(dir, 'runs');
  const runDirs = existsSync(runsDir)
    ? readdirSync(runsDir)
        .filter((n) => /^\d+$/.test(n))
        .sort((a, b) => Number(a) - Number(b))
        .map((n) => join(runsDir, n))
    : [dir];
  const isRun = (d: string) => existsSync(join(d, MANIFEST)) || existsSync(join(d, MERGED_PROFILE));
  const runs = runDirs.filter(isRun);
  if (runs.length === 0) {
    throw new UsageError(
      `diff: ${dir} is not an 'autoprof run' output folder (no ${MANIFEST} or ${MERGED_PROFILE})`,
    );
  }
  for (const run of runs) {
    const measured = existsSync(join(run, MANIFEST)) ? measureRun(run) : undefined;
    if (measured) side.runs.push(measured);
    const file = join(run, MERGED_PROFILE);
    if (!existsSync(file)) {
      side.unprofiled++;
      continue;
    }
    const profile = mergedOf(importProfileBytes(readInputBytes(file), { source: file }));
    side.profiles.push(withStableLocations(profile, projectRootsOf([profile], runCwd(run, dir))));
    side.profileCpuS.push(measured?.cpu_s);
  }
}

/** runCwd is the target's cwd recorded in the run's (or the multi-run folder's) manifest. */
function runCwd(run: string, dir: string): string | undefined {
  for (const m of [join(run, MANIFEST), join(dir, MANIFEST)]) {
    try {
      const cwd = (JSON.parse(readFileSync(m, 'utf8')) as { target?: { cwd?: unknown } }).target?.cwd;
      if (typeof cwd === 'string' && cwd !== '') return cwd;
    } catch {
      // No readable manifest here: try the next one, or go without a cwd.
    }
  }
  return undefined;
}

function loadFile(path: string, side: DiffSide): void {
  const bytes = readInputBytes(path);
  const text = looksLikeText(bytes) ? Buffer.from(bytes).toString('utf8') : undefined;
  if (text !== undefined) {
    const trimmed = text.trimStart();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch {
        doc = undefined;
      }
      if (doc !== undefined && isHyperfineJson(doc)) {
        side.benchmarks.push(...importFromHyperfine(doc, path, path));
        return;
      }
      if (doc !== undefined && isNamedSamplesJson(doc)) {
        side.benchmarks.push(...importFromNamedSamples(doc, path, path));
        return;
      }
    } else if (GO_BENCH_LINE.test(text)) {
      const records = parseBenchText(text, path, { '.file': path }, new Map());
      side.benchmarks.push(...records.filter((r): r is BenchResult => r.kind === 'result'));
      return;
    }
  }
  try {
    const profile = mergedOf(importProfileBytes(bytes, { source: path }));
    side.profiles.push(withStableLocations(profile, projectRootsOf([profile])));
    side.profileCpuS.push(undefined);
  } catch (err) {
    if (err instanceof AutoprofError) throw err;
    throw new UsageError(`diff: ${path}: ${(err as Error).message}`);
  }
}

function mergedOf(profiles: Profile[]): Profile {
  return profiles.length === 1 ? profiles[0] : mergeProfiles(profiles);
}

function looksLikeText(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 4096);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return false;
  return true;
}
