import { type BenchmarkDelta, type GateResult, slowdownPct } from '../analysis/gate.js';
import type { GatePolicy } from '../analysis/gate-policy.js';
import type { FunctionChange, ProfileDiff } from '../analysis/profile-diff.js';
import { classOf, scale } from '../bench/benchunit.js';

/** DiffSideSummary names what one side of the comparison was made of. */
export interface DiffSideSummary {
  inputs: string[];
  runs: number;
}

/**
 * DiffReport is report.json, schema `autoprof.diff/v1` (see ../shared/DESIGN.md). Shares are
 * percentages of the profile total for `sample_type`; deltas are percentage points. Benchmarks
 * carry medians in their own unit and the change in percent.
 */
export interface DiffReport {
  schema: 'autoprof.diff/v1';
  base: DiffSideSummary;
  head: DiffSideSummary;
  gate: { status: GateResult['status']; reasons: GateResult['reasons'] };
  ratings: GateResult['ratings'];
  sample_type: ProfileDiff['sample_type'] | null;
  regressions: FunctionChange[];
  improvements: FunctionChange[];
  new_hotspots: FunctionChange[];
  removed_hotspots: FunctionChange[];
  /** other_sample_types holds the same lists for further common sample types (e.g. allocations). */
  other_sample_types: Array<Omit<ProfileDiff, 'thresholds'>>;
  totals: ProfileDiff['totals'] | null;
  benchmarks: BenchmarkDelta[];
  policy: GatePolicy;
  notes: string[];
}

/** buildDiffReport assembles report.json from the diffs, benchmarks and gate. */
export function buildDiffReport(
  base: DiffSideSummary,
  head: DiffSideSummary,
  diffs: ProfileDiff[],
  benchmarks: BenchmarkDelta[],
  gate: GateResult,
  policy: GatePolicy,
  notes: string[] = [],
): DiffReport {
  const [main, ...others] = diffs;
  return {
    schema: 'autoprof.diff/v1',
    base,
    head,
    gate: { status: gate.status, reasons: gate.reasons },
    ratings: gate.ratings,
    sample_type: main?.sample_type ?? null,
    regressions: main?.regressions ?? [],
    improvements: main?.improvements ?? [],
    new_hotspots: main?.new_hotspots ?? [],
    removed_hotspots: main?.removed_hotspots ?? [],
    other_sample_types: others.map(({ thresholds: _t, ...rest }) => rest),
    totals: main?.totals ?? null,
    benchmarks,
    policy,
    notes: [...notes, ...diffs.flatMap((d) => d.notes)].filter((n, i, all) => all.indexOf(n) === i),
  };
}

/** topChanges lists the most important changes first: regressions and new hotspots by size. */
export function topChanges(report: DiffReport, limit: number): FunctionChange[] {
  return [...report.regressions, ...report.new_hotspots, ...report.improvements, ...report.removed_hotspots]
    .sort((a, b) => Math.abs(b.delta.self_pts) - Math.abs(a.delta.self_pts))
    .slice(0, limit);
}

/** verdictLine is the one-sentence outcome shared by report.md and the PR comment. */
export function verdictLine(report: DiffReport): string {
  const word = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' }[report.gate.status];
  const r = report.ratings;
  const ratings = [
    `overall ${r.overall}/10`,
    r.cpu !== null ? `CPU ${r.cpu}/10` : '',
    r.memory !== null ? `memory ${r.memory}/10` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const benchRegressions = report.benchmarks.filter(
    (b) => b.significant && slowdownPct(b) > report.policy.benchmarkRegressionPct,
  );
  const benchImprovements = report.benchmarks.filter((b) => b.significant && slowdownPct(b) < 0);
  const counts = [
    `${report.regressions.length + benchRegressions.length} regressions`,
    `${report.new_hotspots.length} new hotspots`,
    `${report.improvements.length + benchImprovements.length} improvements`,
  ].join(', ');
  return `${word}: ${counts}; ${ratings}.`;
}

/** changeLabel is how a change kind reads in tables. */
export function changeLabel(kind: FunctionChange['kind']): string {
  return {
    regression: 'regression',
    improvement: 'improvement',
    new_hotspot: 'new hotspot',
    removed_hotspot: 'removed',
  }[kind];
}

/** formatSignificance renders p and n, or why there is none. */
export function formatSignificance(c: FunctionChange): string {
  if (!c.significance) return 'n/a (1 run)';
  const s = c.significance;
  return `p=${s.p} n=${s.n_base}+${s.n_head}${s.significant ? '' : ' ~'}`;
}

/** signed renders a number with an explicit sign and unit. */
export function signed(x: number, unit: string): string {
  return `${x > 0 ? '+' : ''}${x}${unit}`;
}

/** escapeCell keeps a value from breaking a Markdown table. */
export function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** formatBenchValue prints a benchmark value scaled in its unit's class (1.72µ sec/op, 1.5Ki B/op). */
export function formatBenchValue(value: number, unit: string): string {
  return `${scale(value, classOf(unit))} ${unit}`;
}

/** describeBenchChange reads as "17.2% faster", "3.1% slower", or "~" when not significant. */
export function describeBenchChange(b: BenchmarkDelta): string {
  if (!b.significant) return '~';
  const slow = slowdownPct(b);
  return `${Math.abs(slow).toFixed(2)}% ${slow > 0 ? 'worse' : 'better'}`;
}

/** changeSections lists the four change lists with their headings, in report order. */
export function changeSections(report: DiffReport): Array<[string, FunctionChange[]]> {
  return [
    ['Regressions', report.regressions],
    ['New hotspots', report.new_hotspots],
    ['Improvements', report.improvements],
    ['Removed hotspots', report.removed_hotspots],
  ];
}
