import { detectableChangePct } from '../analysis/detectable-change.js';
import { type EnergyEstimate, estimateEnergy } from '../analysis/energy-estimate.js';
import { type BenchmarkDelta, type GateResult, slowdownPct } from '../analysis/gate.js';
import type { GatePolicy } from '../analysis/gate-policy.js';
import type { FunctionChange, ProfileDiff } from '../analysis/profile-diff.js';
import type { RunLevelDiff } from '../analysis/run-level-diff.js';
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
  /** runs compares whole runs (wall, CPU, peak RSS, GC share): present whenever both sides are runs. */
  runs: RunLevelDiff | null;
  /** energy is the CPU-time change as Wh and g CO2 per 1,000 runs, an estimate. */
  energy: EnergyEstimate | null;
  /** sensitivity is what these runs could have detected at all (detectable-change.ts). */
  sensitivity: Sensitivity | null;
  /** not_compared lists what could not be compared, and why (e.g. a side left no profile). */
  not_compared: string[];
  benchmarks: BenchmarkDelta[];
  policy: GatePolicy;
  notes: string[];
}

/** Sensitivity: the smallest changes (percent) these runs and this noise would reveal. */
export interface Sensitivity {
  statement: string;
  cpu_time_pct: number | null;
  wall_time_pct: number | null;
  functions: ProfileDiff['detectable'];
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
  wholeRuns: { runs: RunLevelDiff | null; notCompared: string[] } = { runs: null, notCompared: [] },
): DiffReport {
  const [main, ...others] = diffs;
  const runs = wholeRuns.runs;
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
    runs,
    energy: estimateEnergy(runs, policy.energy),
    sensitivity: sensitivityOf(runs, main, policy.alpha),
    not_compared: [...wholeRuns.notCompared, ...(runs?.not_compared ?? [])],
    benchmarks,
    policy,
    notes: [...notes, ...diffs.flatMap((d) => d.notes)].filter((n, i, all) => all.indexOf(n) === i),
  };
}

/**
 * sensitivityOf states the smallest change the runs could have shown, from their own noise:
 * "with 5 runs a side and this noise, changes under ~N% would not show".
 */
function sensitivityOf(
  runs: RunLevelDiff | null,
  main: ProfileDiff | undefined,
  alpha: number,
): Sensitivity | null {
  const metric = (key: string) => runs?.metrics.find((m) => m.metric === key);
  const mde = (key: string) => {
    const m = metric(key);
    return m ? detectableChangePct(m.base.values, m.head.values, alpha) : null;
  };
  const cpu = mde('cpu_s');
  const wall = mde('wall_s');
  const functions = main?.detectable ?? [];
  if (cpu === null && wall === null && functions.every((f) => f.change_pct === null)) return null;
  const nBase = runs?.runs.base ?? main?.runs.base ?? 0;
  const nHead = runs?.runs.head ?? main?.runs.head ?? 0;
  const sides = nBase === nHead ? `${nBase} runs a side` : `${nBase} base and ${nHead} head runs`;
  const parts: string[] = [];
  if (cpu !== null && Number.isFinite(cpu)) parts.push(`CPU time changes under ~${cpu}%`);
  if (wall !== null && Number.isFinite(wall)) parts.push(`wall time changes under ~${wall}%`);
  for (const f of functions) {
    if (f.change_pct !== null) parts.push(`changes of ${f.function}'s own cost under ~${f.change_pct}%`);
  }
  const statement =
    cpu === Number.POSITIVE_INFINITY || wall === Number.POSITIVE_INFINITY
      ? `With ${sides}, no change can be significant at alpha=${alpha}: add runs.`
      : parts.length > 0
        ? `With ${sides} and this noise, ${parts.join('; ')} would not show (80% power, alpha=${alpha}).`
        : `With ${sides}, the noise could not be estimated.`;
  const finite = (x: number | null) => (x !== null && Number.isFinite(x) ? x : null);
  return { statement, cpu_time_pct: finite(cpu), wall_time_pct: finite(wall), functions };
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
  const runs = (report.runs?.metrics ?? [])
    .filter((m) => m.change !== '~' && (m.metric === 'wall_s' || m.metric === 'cpu_s'))
    .map(
      (m) => `${m.label} ${signed(m.delta_pct, '%')} (${m.change === 'better' ? 'improvement' : 'slower'})`,
    );
  return `${word}: ${counts}${runs.length > 0 ? `; whole runs: ${runs.join(', ')}` : ''}; ${ratings}.`;
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
