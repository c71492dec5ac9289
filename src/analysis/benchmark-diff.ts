import type { BenchResult } from '../bench/benchfmt.js';
import { compareBenchmarks, type SampleSet } from '../bench/compare.js';
import { UsageError } from '../errors.js';
import { type BenchmarkDelta, betterDirection } from './gate.js';

/** SEP joins a benchmark name and unit into one key; neither can contain it. */
const SEP = '\u0000';

/**
 * sampleSetsOf groups benchmark results by name and unit: every line of the same benchmark
 * (-count=N, several files) adds one value to its set.
 */
export function sampleSetsOf(results: BenchResult[]): Map<string, SampleSet> {
  const sets = new Map<string, { unit: string; values: number[] }>();
  for (const r of results) {
    for (const v of r.values) {
      const key = `${r.name}${SEP}${v.unit}`;
      let set = sets.get(key);
      if (!set) {
        set = { unit: v.unit, values: [] };
        sets.set(key, set);
      }
      set.values.push(v.value);
    }
  }
  return sets;
}

/**
 * diffBenchmarks compares two sides' benchmark results with the benchstat engine (median, CI,
 * Mann-Whitney U) and returns one delta per benchmark and unit present on both sides.
 */
export function diffBenchmarks(
  base: BenchResult[],
  head: BenchResult[],
  alpha: number,
): { deltas: BenchmarkDelta[]; notes: string[] } {
  let compared: ReturnType<typeof compareBenchmarks>;
  try {
    compared = compareBenchmarks(sampleSetsOf(base), sampleSetsOf(head), { alpha });
  } catch (err) {
    throw new UsageError(`diff: ${(err as Error).message}`);
  }
  const notes: string[] = [];
  const deltas = compared.rows.map((row) => {
    const [name] = row.name.split(SEP);
    for (const w of row.warnings) notes.push(`${name} (${row.unit}): ${w}`);
    return {
      name,
      unit: row.unit,
      base_center: row.base.center,
      head_center: row.head.center,
      delta_pct: row.deltaPercent === null ? 0 : Math.round(row.deltaPercent * 100) / 100,
      p: Number(row.p.toPrecision(4)),
      n_base: row.base.n,
      n_head: row.head.n,
      significant: row.significant,
      better: betterDirection(row.unit),
    } satisfies BenchmarkDelta;
  });
  const only = (names: string[], side: string) =>
    names.length > 0 && notes.push(`only in ${side}: ${names.map((n) => n.split(SEP)[0]).join(', ')}`);
  only(compared.onlyInBase, 'base');
  only(compared.onlyInHead, 'head');
  return { deltas, notes };
}
