/**
 * compareBenchmarks: the library entry `autoprof diff` uses to compare two sets of benchmark
 * samples the way bench-compare (benchstat) does, without tables or text: per benchmark the
 * base and head medians with confidence intervals, the relative change, the U-test p-value and
 * whether the change is significant at alpha.
 */
import { type Assumption, compare, comparisonNote, isSignificant, pctRange, summarize } from './benchmath.js';

/** SampleSet is one benchmark's repeated measurements in one unit. */
export interface SampleSet {
  unit: string;
  values: readonly number[];
  /** assumption defaults to "nothing" (median + U test); "exact" for noise-free units like sizes. */
  assumption?: Assumption;
}

/** SampleSets maps a benchmark name to its samples. */
export type SampleSets = Readonly<Record<string, SampleSet>> | ReadonlyMap<string, SampleSet>;

/** CompareOptions: significance level (default 0.05) and CI confidence (default 0.95). */
export interface CompareOptions {
  alpha?: number;
  confidence?: number;
}

/** SideSummary is one side's centre (median), interval bounds (null = unbounded) and size. */
export interface SideSummary {
  center: number;
  lo: number | null;
  hi: number | null;
  /** ciPercent as benchstat prints it: "2%", "∞" (too few samples) or "?". */
  ciPercent: string;
  n: number;
}

/** BenchmarkComparison is one benchmark present on both sides. */
export interface BenchmarkComparison {
  name: string;
  unit: string;
  base: SideSummary;
  head: SideSummary;
  /** deltaPercent is (head/base - 1) * 100; null when the base centre is 0. */
  deltaPercent: number | null;
  /** p is the two-sided U-test p-value (0 for exact units, 1 when the test is undefined). */
  p: number;
  significant: boolean;
  /** note is benchstat's "(p=0.002 n=10)" text without parentheses. */
  note: string;
  warnings: string[];
}

/** BenchmarkSetComparison lists the compared benchmarks and those only on one side. */
export interface BenchmarkSetComparison {
  rows: BenchmarkComparison[];
  onlyInBase: string[];
  onlyInHead: string[];
}

function entries(sets: SampleSets): [string, SampleSet][] {
  return sets instanceof Map ? [...sets.entries()] : Object.entries(sets as Record<string, SampleSet>);
}

function side(values: readonly number[], assumption: Assumption, confidence: number) {
  const s = summarize(values, assumption, confidence);
  const summary: SideSummary = {
    center: s.center,
    lo: Number.isFinite(s.lo) ? s.lo : null,
    hi: Number.isFinite(s.hi) ? s.hi : null,
    ciPercent: pctRange(s),
    n: values.length,
  };
  return { summary, warnings: s.warnings };
}

/**
 * compareBenchmarks compares every benchmark present in both base and head (in base order);
 * empty samples are skipped and reported as missing on that side.
 */
export function compareBenchmarks(
  base: SampleSets,
  head: SampleSets,
  opts: CompareOptions = {},
): BenchmarkSetComparison {
  const alpha = opts.alpha ?? 0.05;
  const confidence = opts.confidence ?? 0.95;
  const headMap = new Map(entries(head).filter(([, s]) => s.values.length > 0));
  const baseList = entries(base).filter(([, s]) => s.values.length > 0);
  const baseNames = new Set(baseList.map(([name]) => name));
  const rows: BenchmarkComparison[] = [];
  const onlyInBase: string[] = [];
  for (const [name, b] of baseList) {
    const h = headMap.get(name);
    if (!h) {
      onlyInBase.push(name);
      continue;
    }
    if (h.unit !== b.unit)
      throw new RangeError(`benchmark ${name}: base unit ${b.unit} differs from head unit ${h.unit}`);
    const assumption = b.assumption ?? h.assumption ?? 'nothing';
    const bs = side(b.values, assumption, confidence);
    const hs = side(h.values, assumption, confidence);
    const cmp = compare(b.values, h.values, assumption, alpha);
    rows.push({
      name,
      unit: b.unit,
      base: bs.summary,
      head: hs.summary,
      deltaPercent: bs.summary.center === 0 ? null : (hs.summary.center / bs.summary.center - 1) * 100,
      p: cmp.p,
      significant: isSignificant(cmp),
      note: comparisonNote(cmp),
      warnings: [...new Set([...bs.warnings, ...hs.warnings, ...cmp.warnings])],
    });
  }
  const onlyInHead = [...headMap.keys()].filter((name) => !baseNames.has(name));
  return { rows, onlyInBase, onlyInHead };
}
