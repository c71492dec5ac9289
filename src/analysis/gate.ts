import type { GatePolicy } from './gate-policy.js';
import type { ProfileDiff } from './profile-diff.js';
import type { RunLevelDiff } from './run-level-diff.js';

/** BenchmarkDelta is one benchmark compared base vs head (from the benchstat engine). */
export interface BenchmarkDelta {
  name: string;
  unit: string;
  base_center: number;
  head_center: number;
  delta_pct: number;
  p: number | null;
  n_base: number;
  n_head: number;
  significant: boolean;
  /** better says which direction is an improvement: lower for times and sizes, higher for rates. */
  better: 'lower' | 'higher';
}

export type GateStatus = 'pass' | 'warn' | 'fail';

/** GateReason is one rule that fired, with the level it fired at. */
export interface GateReason {
  level: 'warn' | 'soft_fail' | 'hard_fail';
  message: string;
}

/** Ratings are 1..10 (10 = no regression); null where there was nothing to rate. */
export interface Ratings {
  cpu: number | null;
  memory: number | null;
  overall: number;
}

export interface GateResult {
  status: GateStatus;
  reasons: GateReason[];
  ratings: Ratings;
}

// Time-based profiles: Python samplers record 'time' (and 'wall'), and a share of time is as much
// a cost regression as a share of CPU.
const CPU_TYPES = new Set([
  'cpu',
  'samples',
  'cpu-time',
  'cycles',
  'instructions',
  'task-clock',
  'time',
  'wall',
]);
const MEMORY_TYPES = /alloc|inuse|space|bytes|objects|heap/;
const TIME_UNITS = /sec\/op|ns\/op|^s$|^ms$|^ns$|seconds|sec$|time/;
const MEMORY_UNITS = /B\/op|allocs\/op|bytes|^B$|rss|memory/i;

/** slowdownPct is how much worse head is than base, in percent (negative = better). */
export function slowdownPct(b: BenchmarkDelta): number {
  return b.better === 'lower' ? b.delta_pct : -b.delta_pct;
}

/** betterDirection guesses from the unit: rates (…/s) are better higher, the rest lower. */
export function betterDirection(unit: string): 'lower' | 'higher' {
  return /\/s$|per[-_ ]?s(ec(ond)?)?$|ops|throughput/i.test(unit) && !/\/op$/.test(unit) ? 'higher' : 'lower';
}

/**
 * evaluateGate applies the policy to the comparisons. Only gating changes (significant, or
 * judged by thresholds when a side has a single run) and significant benchmark changes count.
 * Whole-run wall and CPU time only ever warn: they move with the machine's load between the
 * base's and the head's runs, which no per-function share does.
 */
export function evaluateGate(
  diffs: ProfileDiff[],
  benchmarks: BenchmarkDelta[],
  policy: GatePolicy,
  runs: RunLevelDiff | null = null,
): GateResult {
  const reasons: GateReason[] = [];
  for (const m of runs?.metrics ?? []) {
    if (m.metric !== 'wall_s' && m.metric !== 'cpu_s') continue;
    if (m.significant && m.delta_pct > policy.warn.runSlowdownPct) {
      reasons.push({
        level: 'warn',
        message: `whole runs slower beyond ${policy.warn.runSlowdownPct}%: ${m.label} median ${m.base.median} -> ${m.head.median} ${m.unit} (+${m.delta_pct}%, p=${m.p}, n=${m.base.values.length}+${m.head.values.length})`,
      });
    }
  }
  let worstCpuPts = 0;
  let worstMemPts = 0;
  let hasCpu = false;
  let hasMem = false;

  for (const diff of diffs) {
    const isCpu = CPU_TYPES.has(diff.sample_type.type);
    const isMem = !isCpu && MEMORY_TYPES.test(diff.sample_type.type);
    hasCpu ||= isCpu;
    hasMem ||= isMem;
    for (const change of [...diff.regressions, ...diff.new_hotspots]) {
      if (!change.gating) continue;
      const pts = change.delta.self_pts;
      if (isCpu) worstCpuPts = Math.max(worstCpuPts, pts);
      if (isMem) worstMemPts = Math.max(worstMemPts, pts);
      const what = `${change.function} ${diff.sample_type.type} share ${change.base.self_pct}% -> ${change.head.self_pct}% (+${pts} points${pValue(change.significance?.p)})`;
      if (isCpu && pts > policy.hardFail.cpuRegressionPoints) {
        reasons.push({
          level: 'hard_fail',
          message: `CPU regression beyond ${policy.hardFail.cpuRegressionPoints} points: ${what}`,
        });
      } else if (pts > policy.warn.regressionPct) {
        reasons.push({
          level: 'warn',
          message: `regression beyond ${policy.warn.regressionPct} points: ${what}`,
        });
      } else if (change.significance?.significant) {
        // With runs enough for a test, a significant change is real however small its share.
        const own =
          change.own_cost_change_pct === null ? '' : `, its own cost +${change.own_cost_change_pct}%`;
        reasons.push({ level: 'warn', message: `significant regression: ${what}${own}` });
      }
    }
  }

  let worstTimeSlowdown = 0;
  let worstMemSlowdown = 0;
  for (const b of benchmarks) {
    const slow = slowdownPct(b);
    const isMem = MEMORY_UNITS.test(b.unit);
    hasCpu ||= !isMem;
    hasMem ||= isMem;
    if (!b.significant || slow <= policy.benchmarkRegressionPct) continue;
    if (isMem) worstMemSlowdown = Math.max(worstMemSlowdown, slow);
    else if (TIME_UNITS.test(b.unit)) worstTimeSlowdown = Math.max(worstTimeSlowdown, slow);
    const what = `${b.name} ${b.unit} ${fmt(b.base_center)} -> ${fmt(b.head_center)} (${slow > 0 ? '+' : ''}${slow.toFixed(2)}%${pValue(b.p)} n=${b.n_base}+${b.n_head})`;
    if (!isMem && slow > policy.hardFail.benchmarkSlowdownPct) {
      reasons.push({
        level: 'hard_fail',
        message: `benchmark slowdown beyond ${policy.hardFail.benchmarkSlowdownPct}%: ${what}`,
      });
    } else if (slow > policy.warn.regressionPct) {
      reasons.push({
        level: 'warn',
        message: `benchmark regression beyond ${policy.warn.regressionPct}%: ${what}`,
      });
    }
  }

  const ratings = rate(hasCpu, hasMem, worstCpuPts, worstTimeSlowdown, worstMemPts, worstMemSlowdown);
  if (ratings.overall < policy.softFail.minOverallRating) {
    reasons.push({
      level: 'soft_fail',
      message: `overall rating ${ratings.overall}/10 is below ${policy.softFail.minOverallRating}`,
    });
  }
  const status: GateStatus = reasons.some((r) => r.level !== 'warn')
    ? 'fail'
    : reasons.length > 0
      ? 'warn'
      : 'pass';
  return { status, reasons, ratings };
}

/**
 * rate turns the worst changes into 1..10: every 2 share points or 3% of slowdown costs one
 * point, so the hard-fail thresholds (10 points, 15%) land at a rating of 5.
 */
function rate(
  hasCpu: boolean,
  hasMem: boolean,
  cpuPts: number,
  timeSlow: number,
  memPts: number,
  memSlow: number,
): Ratings {
  const score = (pts: number, slow: number) => Math.max(1, Math.min(10, Math.round(10 - pts / 2 - slow / 3)));
  const cpu = hasCpu ? score(cpuPts, timeSlow) : null;
  const memory = hasMem ? score(memPts, memSlow) : null;
  const present = [cpu, memory].filter((r): r is number => r !== null);
  return { cpu, memory, overall: present.length > 0 ? Math.min(...present) : 10 };
}

function pValue(p: number | null | undefined): string {
  return p === null || p === undefined ? '' : `, p=${p}`;
}

function fmt(x: number): string {
  return Number(x.toPrecision(4)).toString();
}
