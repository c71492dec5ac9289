import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type BenchResult, parseBenchText } from '../bench/benchfmt.js';
import { importFromHyperfine, isHyperfineJson } from '../bench/hyperfine.js';
import { importFromNamedSamples, isNamedSamplesJson } from '../bench/named-samples.js';
import { AutoprofError, UsageError } from '../errors.js';
import { importProfileBytes } from '../formats/index.js';
import { readInputBytes } from '../io/read-input.js';
import { mergeProfiles } from '../model/merge.js';
import type { Profile } from '../model/profile.js';

/** DiffSide is one side of `autoprof diff`: profiles (one per run) or benchmark results. */
export interface DiffSide {
  inputs: string[];
  /** profiles holds one merged profile per run or per input file. */
  profiles: Profile[];
  benchmarks: BenchResult[];
}

const GO_BENCH_LINE = /^Benchmark\S*\s+\d+\s+[-+0-9.eE]+\s+\S+/m;
const MERGED_PROFILE = 'profile.pb.gz';

/**
 * loadDiffSide reads a side: a comma-separated list of run directories (each `runs/N` counts as
 * a run), profile files in any format, Go benchmark text, hyperfine JSON or named-samples JSON.
 */
export function loadDiffSide(spec: string, role: 'base' | 'head'): DiffSide {
  const inputs = spec.split(',').filter((s) => s !== '');
  if (inputs.length === 0) throw new UsageError(`diff: the ${role} side is empty`);
  const side: DiffSide = { inputs, profiles: [], benchmarks: [] };
  for (const input of inputs) {
    if (!existsSync(input)) throw new UsageError(`diff: ${role} input ${input}: no such file or directory`);
    if (statSync(input).isDirectory()) side.profiles.push(...runDirectoryProfiles(input));
    else loadFile(input, side);
  }
  if (side.profiles.length > 0 && side.benchmarks.length > 0) {
    throw new UsageError(
      `diff: the ${role} side mixes profiles and benchmark results; compare one kind at a time`,
    );
  }
  return side;
}

/** runDirectoryProfiles finds the per-run merged profiles of an `autoprof run` output folder. */
export function runDirectoryProfiles(dir: string): Profile[] {
  const runsDir = join(dir, 'runs');
  const files: string[] = [];
  if (existsSync(runsDir)) {
    const runNames = readdirSync(runsDir)
      .filter((n) => /^\d+$/.test(n))
      .sort((a, b) => Number(a) - Number(b));
    for (const n of runNames) {
      const file = join(runsDir, n, MERGED_PROFILE);
      if (existsSync(file)) files.push(file);
    }
  } else if (existsSync(join(dir, MERGED_PROFILE))) {
    files.push(join(dir, MERGED_PROFILE));
  }
  if (files.length === 0) {
    throw new UsageError(`diff: ${dir} holds no ${MERGED_PROFILE} (is it an 'autoprof run' output folder?)`);
  }
  return files.map((f) => mergedOf(importProfileBytes(readInputBytes(f), { source: f })));
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
    side.profiles.push(mergedOf(importProfileBytes(bytes, { source: path })));
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
