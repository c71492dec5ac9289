import { UsageError } from '../errors.js';
import { identifySides, type LocationContext } from '../model/function-identity.js';
import { mergeProfiles } from '../model/merge.js';
import type { Profile, ValueType } from '../model/profile.js';
import { defaultSampleTypeIndex } from '../model/profile.js';
import { checkDeadline } from '../model/work-deadline.js';
import { detectableChangePct } from './detectable-change.js';
import { frameOrigin, isOwnFrame } from './frame-origin.js';
import { type FunctionShareTable, functionKey, functionShares, scaledToTotal } from './function-shares.js';
import { mannWhitneyU, UTestError, uTestMinP } from './stats.js';

/**
 * DiffThresholds are the documented, configurable classification rules (share points are
 * percentage points of the profile's total for the compared sample type).
 */
export interface DiffThresholds {
  /** changePoints: a flat-share change beyond this many points is a regression or improvement. */
  changePoints: number;
  /** hotspotPct: a new (or removed) hotspot has more than this self share on its side. */
  hotspotPct: number;
  /** alpha: significance level of the two-sided Mann-Whitney U test on per-run self shares. */
  alpha: number;
  /**
   * minChangePct: with several runs a side, a function whose cost relative to the rest of the
   * program moved by more than this percentage (and significantly) is a change.
   */
  minChangePct: number;
}

export const DEFAULT_DIFF_THRESHOLDS: DiffThresholds = {
  changePoints: 5,
  hotspotPct: 1,
  alpha: 0.05,
  minChangePct: 2,
};

/** MEMORY_SAMPLE_TYPE: sample types that measure memory, which CPU time cannot price. */
const MEMORY_SAMPLE_TYPE = /alloc|inuse|space|bytes|objects|heap/;

export type ChangeKind = 'regression' | 'improvement' | 'new_hotspot' | 'removed_hotspot';

/** Significance is the U test on per-run self shares; absent when a side has one run. */
export interface Significance {
  test: 'mann-whitney-u';
  p: number;
  n_base: number;
  n_head: number;
  significant: boolean;
  /**
   * p_adjusted is p after Holm's correction over every change of the diff in the same direction
   * (many functions are tested at once; without it, identical programs would fail one test in
   * twenty). `significant` compares p_adjusted with alpha.
   */
  p_adjusted?: number;
  /** note explains a test that could not reach alpha, as benchstat does. */
  note?: string;
}

/** FunctionChange is one function whose share moved, attributed to the program's own frame. */
export interface FunctionChange {
  kind: ChangeKind;
  function: string;
  file: string;
  origin: ReturnType<typeof frameOrigin>;
  /** attributed_to is the nearest own frame on the heaviest path to `function`. */
  attributed_to: { function: string; file: string; line: number };
  /** stack is the heaviest call path root..function on the side where it is larger. */
  stack: string[];
  /** self_per_run is the mean self value per run in the sample type's unit. */
  base: { self_pct: number; total_pct: number; self_per_run: number };
  head: { self_pct: number; total_pct: number; self_per_run: number };
  delta: { self_pts: number; total_pts: number };
  /**
   * own_cost_change_pct is how much more (or less) work the function did relative to the rest
   * of the program: the median over runs of self / (total - self), head against base, in percent.
   * A function doing 5% more work reads +5 whatever its share. Null where a side lacks it.
   */
  own_cost_change_pct: number | null;
  significance: Significance | null;
  /** gating is whether this change may trip the gate (significant, or single-run sides). */
  gating: boolean;
}

/** TotalComparison compares the per-run sum of the sample type (e.g. CPU time per run). */
export interface TotalComparison {
  sample_type: ValueType;
  base: number[];
  head: number[];
  base_median: number;
  head_median: number;
  delta_pct: number;
  significance: Significance | null;
}

/** ProfileDiff is the whole comparison of two sides. */
export interface ProfileDiff {
  sample_type: ValueType;
  runs: { base: number; head: number };
  thresholds: DiffThresholds;
  regressions: FunctionChange[];
  improvements: FunctionChange[];
  new_hotspots: FunctionChange[];
  removed_hotspots: FunctionChange[];
  totals: TotalComparison;
  /**
   * detectable lists, for the base's heaviest functions, the smallest change of the function's
   * own cost that these runs could have detected (80% power at alpha, from the per-run noise of
   * self / (total - self)); null without a noise estimate, Infinity with too few runs.
   */
  detectable: Array<{ function: string; file: string; self_pct: number; change_pct: number | null }>;
  notes: string[];
}

/**
 * diffProfiles compares base runs with head runs on one sample type: per function self and total
 * shares (pooled over each side's runs), classified by the thresholds, tested for significance
 * across runs when each side has several, and ranked by the size of the change.
 */
export function diffProfiles(
  baseRuns: Profile[],
  headRuns: Profile[],
  options: {
    sampleType?: string;
    thresholds?: Partial<DiffThresholds>;
    /** locations are the project roots per side, when the caller can see them on disk. */
    locations?: { base?: LocationContext; head?: LocationContext };
    /**
     * cpuSeconds are, per profile, the CPU seconds the kernel charged that run (`autoprof run`
     * manifests). When every run of both sides has one, a function's cost per run is its share
     * times that CPU (see costTables).
     */
    cpuSeconds?: { base: Array<number | undefined>; head: Array<number | undefined> };
  } = {},
): ProfileDiff {
  if (baseRuns.length === 0 || headRuns.length === 0)
    throw new UsageError('diff: each side needs at least one profile');
  const thresholds = { ...DEFAULT_DIFF_THRESHOLDS, ...options.thresholds };
  // One function identity for every comparison (model/function-identity.ts): the same function
  // in two checkouts, or moved to another file, is one function, never a new/removed pair.
  ({ base: baseRuns, head: headRuns } = identifySides(baseRuns, headRuns, options.locations));
  const sampleType = chooseSampleType(baseRuns, headRuns, options.sampleType);
  const project = (runs: Profile[]) => runs.map((p) => functionShares(p, typeIndexOf(p, sampleType)));
  const basePerRun = project(baseRuns);
  const headPerRun = project(headRuns);
  const costs = costTables(
    basePerRun,
    headPerRun,
    MEMORY_SAMPLE_TYPE.test(sampleType.type) ? undefined : options.cpuSeconds,
  );
  const basePooled = mergeSide(baseRuns, sampleType);
  const headPooled = mergeSide(headRuns, sampleType);
  const baseShares = functionShares(basePooled.profile, basePooled.typeIndex);
  const headShares = functionShares(headPooled.profile, headPooled.typeIndex);

  const notes: string[] = [];
  const multiRun = baseRuns.length > 1 && headRuns.length > 1;
  const minP = uTestMinP(Math.min(baseRuns.length, headRuns.length));
  if (multiRun && minP > thresholds.alpha) {
    notes.push(
      `too few runs to detect a change at alpha=${thresholds.alpha}: with ${baseRuns.length} and ${headRuns.length} runs the smallest possible p is ${minP.toFixed(3)}`,
    );
  }
  if (multiRun && costs.scaled) {
    notes.push(
      "a function's cost per run is its share of the run's CPU time as the kernel measured it; a change must move both its share and that cost",
    );
  }
  if (!multiRun)
    notes.push('one run on a side: changes are judged by thresholds alone, without a significance test');

  const changes: FunctionChange[] = [];
  let shareShifts = 0;
  const families = { worse: 0, better: 0 };
  const keys = new Set([...baseShares.functions.keys(), ...headShares.functions.keys()]);
  for (const key of keys) {
    const b = baseShares.functions.get(key);
    const h = headShares.functions.get(key);
    const baseSelf = (b?.selfShare ?? 0) * 100;
    const headSelf = (h?.selfShare ?? 0) * 100;
    const baseCostPerRun = (b?.self ?? 0) / baseRuns.length;
    const headCostPerRun = (h?.self ?? 0) / headRuns.length;
    const baseSide = { share: baseSelf, perRun: baseCostPerRun, present: b !== undefined && b.self !== 0 };
    const headSide = { share: headSelf, perRun: headCostPerRun, present: h !== undefined && h.self !== 0 };
    const direction = multiRun ? directionOf(key, baseSide, headSide, costs, thresholds) : undefined;
    if (direction) families[direction]++;
    const kind = multiRun
      ? classifyAcrossRuns(key, baseSide, headSide, costs.base, costs.head, thresholds)
      : classify(baseSide, headSide, baseShares.total / baseRuns.length, thresholds);
    if (kind === 'share-shift') {
      shareShifts++;
      continue;
    }
    if (!kind) continue;
    const significance = multiRun ? testChange(key, basePerRun, headPerRun, costs, thresholds.alpha) : null;
    const grewInHead = headSelf >= baseSelf;
    const side = grewInHead ? headPooled : basePooled;
    const name = (h ?? b)?.name ?? key;
    const file = (h ?? b)?.file ?? '';
    const path = heaviestPath(side.profile, side.typeIndex, key);
    changes.push({
      kind,
      function: name,
      file,
      origin: frameOrigin(name, file),
      attributed_to: path.own,
      stack: path.stack,
      base: {
        self_pct: round(baseSelf),
        total_pct: round((b?.totalShare ?? 0) * 100),
        self_per_run: round(baseCostPerRun),
      },
      head: {
        self_pct: round(headSelf),
        total_pct: round((h?.totalShare ?? 0) * 100),
        self_per_run: round(headCostPerRun),
      },
      delta: {
        self_pts: round(headSelf - baseSelf),
        total_pts: round(((h?.totalShare ?? 0) - (b?.totalShare ?? 0)) * 100),
      },
      own_cost_change_pct: ownCostChangePct(key, basePerRun, headPerRun),
      significance,
      gating: significance === null || significance.significant,
    });
  }
  adjustForMultipleTests(changes, thresholds.alpha, families);
  if (multiRun && minP <= thresholds.alpha) {
    // With runs enough for a test, a change that is not significant is noise until shown
    // otherwise: listing it as a regression would make identical programs read as changed.
    const noise = changes.filter((c) => !c.gating).length;
    if (noise > 0) {
      notes.push(
        `${noise} function(s) moved by more than ${thresholds.minChangePct}% but not significantly (Mann-Whitney U, Holm-corrected, alpha=${thresholds.alpha}); they are not listed`,
      );
    }
    changes.splice(0, changes.length, ...changes.filter((c) => c.gating));
  }
  if (shareShifts > 0) {
    notes.push(
      `${shareShifts} function(s) moved in share only because others changed: their cost per run did not move the same way, so they are not counted as changes`,
    );
  }
  const byMagnitude = (a: FunctionChange, b: FunctionChange) =>
    Math.abs(b.delta.self_pts) - Math.abs(a.delta.self_pts);
  const ofKind = (k: ChangeKind) => changes.filter((c) => c.kind === k).sort(byMagnitude);
  return {
    sample_type: sampleType,
    runs: { base: baseRuns.length, head: headRuns.length },
    thresholds,
    regressions: ofKind('regression'),
    improvements: ofKind('improvement'),
    new_hotspots: ofKind('new_hotspot'),
    removed_hotspots: ofKind('removed_hotspot'),
    totals: compareTotals(sampleType, basePerRun, headPerRun, thresholds.alpha),
    detectable: detectableChanges(baseShares, basePerRun, headPerRun, thresholds.alpha),
    notes,
  };
}

interface SideValue {
  share: number;
  perRun: number;
  present: boolean;
}

/**
 * classify applies the thresholds. A share that moved past the threshold is a change only when
 * the function's own cost per run moved the same way by more than the threshold too, measured
 * against the base's total per run: when one function gets cheaper every other share rises with
 * no change of its own (a share shift), and blaming them would make every improvement look like
 * a regression.
 */
function classify(
  base: SideValue,
  head: SideValue,
  baseTotalPerRun: number,
  t: DiffThresholds,
): ChangeKind | 'share-shift' | undefined {
  if (!base.present && head.present && head.share > t.hotspotPct) return 'new_hotspot';
  if (base.present && !head.present && base.share > t.hotspotPct) return 'removed_hotspot';
  const ownPoints = baseTotalPerRun > 0 ? ((head.perRun - base.perRun) / baseTotalPerRun) * 100 : 0;
  if (head.share - base.share > t.changePoints)
    return ownPoints > t.changePoints ? 'regression' : 'share-shift';
  if (base.share - head.share > t.changePoints)
    return -ownPoints > t.changePoints ? 'improvement' : 'share-shift';
  return undefined;
}

/**
 * classifyAcrossRuns is the rule when both sides have several runs. The effect is the function's
 * cost relative to the rest of the program (median over runs of self / (total - self)): it moves
 * by exactly the function's own slowdown, whatever its share, and a machine that is slower for
 * every function alike cancels out. A change must exceed `minChangePct`; its significance is
 * tested afterwards. A relative rise only counts when the function's own cost per run rose too,
 * beyond the limit and by at least a third of the relative rise: when another function gets
 * much cheaper, every other relative cost rises with no change of its own (a share shift).
 */
function classifyAcrossRuns(
  key: string,
  base: SideValue,
  head: SideValue,
  baseRuns: FunctionShareTable[],
  headRuns: FunctionShareTable[],
  t: DiffThresholds,
): ChangeKind | 'share-shift' | undefined {
  if (!base.present && head.present) return head.share > t.hotspotPct ? 'new_hotspot' : undefined;
  if (base.present && !head.present) return base.share > t.hotspotPct ? 'removed_hotspot' : undefined;
  if (Math.max(base.share, head.share) <= t.hotspotPct) return undefined;
  const relative = relativeCostChange(key, baseRuns, headRuns);
  const own = medianSelfChange(key, baseRuns, headRuns);
  if (relative === null || own === null) return undefined;
  const limit = t.minChangePct / 100;
  if (relative > limit) return own > Math.max(limit, relative / 3) ? 'regression' : 'share-shift';
  if (relative < -limit) return own < Math.min(-limit, relative / 3) ? 'improvement' : 'share-shift';
  return undefined;
}

/** relativeCostChange is median(self/(total-self)) head over base, minus 1; null if undefined. */
function relativeCostChange(
  key: string,
  base: FunctionShareTable[],
  head: FunctionShareTable[],
): number | null {
  const ratio = (runs: FunctionShareTable[]) =>
    medianOf(
      runs.map((r) => {
        const self = r.functions.get(key)?.self ?? 0;
        return r.total - self > 0 ? self / (r.total - self) : 0;
      }),
    );
  const b = ratio(base);
  return b > 0 ? ratio(head) / b - 1 : null;
}

/** medianSelfChange is median self per run, head over base, minus 1; null if the base has none. */
function medianSelfChange(
  key: string,
  base: FunctionShareTable[],
  head: FunctionShareTable[],
): number | null {
  const self = (runs: FunctionShareTable[]) => medianOf(runs.map((r) => r.functions.get(key)?.self ?? 0));
  const b = self(base);
  return b > 0 ? self(head) / b - 1 : null;
}

function ownCostChangePct(
  key: string,
  base: FunctionShareTable[],
  head: FunctionShareTable[],
): number | null {
  const relative = relativeCostChange(key, base, head);
  return relative === null ? null : round(relative * 100);
}

/**
 * directionOf says which family a function's multiple-test correction counts it in: every
 * function big enough to be a change (share above hotspotPct on a side) whose cost relative to
 * the rest of the program rose (or appeared) is a candidate for the worse, every one that fell
 * (or vanished) for the better, whether or not it then passes the change rules. Counting only
 * those that passed would pick the family by its observed effects and make the correction too
 * lenient (identical Python runs flagged a 2-sample function at p=0.016 in a family of two).
 */
function directionOf(
  key: string,
  base: SideValue,
  head: SideValue,
  costs: CostTables,
  t: DiffThresholds,
): 'worse' | 'better' | undefined {
  if (Math.max(base.share, head.share) <= t.hotspotPct) return undefined;
  if (!base.present) return head.present ? 'worse' : undefined;
  if (!head.present) return 'better';
  const relative = relativeCostChange(key, costs.base, costs.head);
  return relative === null || relative === 0 ? undefined : relative > 0 ? 'worse' : 'better';
}

/**
 * adjustForMultipleTests applies Holm's step-down correction to the changes' p-values, in two
 * families: changes for the worse (regressions, new hotspots), which gate, and changes for the
 * better, each as large as directionOf counted it. Each family keeps the chance of any false
 * claim in its direction at alpha (at most alpha/2 in fact: the p-values are two-sided). One
 * family for both would let the functions that merely lost share to a regressed one multiply
 * the regressed function's p: with 5 runs a side the smallest p is 0.0079, and seven functions
 * would push even a perfect separation past 0.05.
 */
function adjustForMultipleTests(
  changes: FunctionChange[],
  alpha: number,
  families: { worse: number; better: number },
): void {
  const worse = (c: FunctionChange) => c.kind === 'regression' || c.kind === 'new_hotspot';
  holm(changes.filter(worse), alpha, families.worse);
  holm(
    changes.filter((c) => !worse(c)),
    alpha,
    families.better,
  );
}

/**
 * holm is Holm's step-down correction over one family of `size` functions, of which `tested`
 * are the changes; the others count as untested members with p = 1 (conservative: they would
 * sort last).
 */
function holm(family: FunctionChange[], alpha: number, size: number): void {
  const tested = family.filter((c) => c.significance !== null);
  const order = [...tested].sort((a, b) => (a.significance?.p ?? 1) - (b.significance?.p ?? 1));
  const m = Math.max(size, order.length);
  let running = 0;
  order.forEach((c, i) => {
    const s = c.significance as Significance;
    running = Math.max(running, Math.min(1, (m - i) * s.p));
    s.p_adjusted = Number(running.toPrecision(4));
    s.significant = running < alpha;
    c.gating = s.significant;
  });
}

/** CostTables are the per-run tables whose absolute self values are a function's cost per run. */
interface CostTables {
  base: FunctionShareTable[];
  head: FunctionShareTable[];
  /** scaled is true when the costs are shares of the kernel-measured CPU time of each run. */
  scaled: boolean;
}

/**
 * costTables prices each function per run as its self share times the run's CPU time, when
 * every run of both sides has one. The profile's own absolute values are a poor cost on a
 * loaded machine: V8's sample intervals and the Python sampler's ticks are wall time, so a
 * descheduled run looks costlier in every function, and the own-cost rule then mistakes noise
 * for change (every function that merely lost share to a regressed one reads as "improved").
 * The kernel's CPU time of the target does not stretch with descheduling. Without it, the
 * profile's values are used as they are.
 */
function costTables(
  base: FunctionShareTable[],
  head: FunctionShareTable[],
  cpuSeconds: { base: Array<number | undefined>; head: Array<number | undefined> } | undefined,
): CostTables {
  const usable = (cpu: Array<number | undefined> | undefined, runs: FunctionShareTable[]): cpu is number[] =>
    cpu !== undefined && cpu.length === runs.length && cpu.every((c) => c !== undefined && c > 0);
  if (!usable(cpuSeconds?.base, base) || !usable(cpuSeconds?.head, head))
    return { base, head, scaled: false };
  const scale = (runs: FunctionShareTable[], cpu: number[]) => runs.map((r, i) => scaledToTotal(r, cpu[i]));
  return { base: scale(base, cpuSeconds.base), head: scale(head, cpuSeconds.head), scaled: true };
}

/**
 * testChange runs the U test on the function's self share in each run and, where runs have a
 * measured CPU time, on its CPU per run too, and reports the larger p (an intersection-union
 * test: significant only when both moved). The share alone would call a function that merely
 * gained share because others got cheaper a regression; the cost alone would call every
 * function regressed when the whole machine ran slower. A function that really did more work
 * moves both. A share that moved only because others changed is also kept out by the own-cost
 * rule in classifyAcrossRuns.
 */
function testChange(
  key: string,
  base: FunctionShareTable[],
  head: FunctionShareTable[],
  costs: CostTables,
  alpha: number,
): Significance {
  const shares = (runs: FunctionShareTable[]) => runs.map((r) => r.functions.get(key)?.selfShare ?? 0);
  const byShare = uTest(shares(base), shares(head), alpha);
  if (!costs.scaled) return byShare;
  const self = (runs: FunctionShareTable[]) => runs.map((r) => r.functions.get(key)?.self ?? 0);
  const byCost = uTest(self(costs.base), self(costs.head), alpha);
  return byCost.p > byShare.p ? byCost : byShare;
}

function uTest(base: number[], head: number[], alpha: number): Significance {
  const minP = uTestMinP(Math.min(base.length, head.length));
  let p = 1;
  try {
    p = mannWhitneyU(base, head).p;
  } catch (err) {
    if (!(err instanceof UTestError)) throw err;
  }
  const significance: Significance = {
    test: 'mann-whitney-u',
    p: Number(p.toPrecision(4)),
    n_base: base.length,
    n_head: head.length,
    significant: p < alpha,
  };
  if (minP > alpha)
    significance.note = `need more runs: the smallest possible p with these counts is ${minP.toFixed(3)}`;
  return significance;
}

function compareTotals(
  sampleType: ValueType,
  base: FunctionShareTable[],
  head: FunctionShareTable[],
  alpha: number,
): TotalComparison {
  const b = base.map((t) => t.total);
  const h = head.map((t) => t.total);
  const bm = medianOf(b);
  const hm = medianOf(h);
  return {
    sample_type: sampleType,
    base: b,
    head: h,
    base_median: bm,
    head_median: hm,
    delta_pct: bm === 0 ? 0 : round(((hm - bm) / bm) * 100),
    significance: b.length > 1 && h.length > 1 ? uTest(b, h, alpha) : null,
  };
}

/** detectableChanges prices the noise of the base's three heaviest functions (see ProfileDiff). */
function detectableChanges(
  pooled: FunctionShareTable,
  base: FunctionShareTable[],
  head: FunctionShareTable[],
  alpha: number,
): ProfileDiff['detectable'] {
  const relative = (runs: FunctionShareTable[], key: string) =>
    runs.map((r) => {
      const self = r.functions.get(key)?.self ?? 0;
      return r.total - self > 0 ? self / (r.total - self) : 0;
    });
  return [...pooled.functions.values()]
    .filter((f) => f.selfShare > 0)
    .sort((a, b) => b.self - a.self)
    .slice(0, 3)
    .map((f) => ({
      function: f.name,
      file: f.file,
      self_pct: round(f.selfShare * 100),
      change_pct: finiteOrNull(detectableChangePct(relative(base, f.key), relative(head, f.key), alpha)),
    }));
}

function finiteOrNull(x: number | null): number | null {
  return x !== null && Number.isFinite(x) ? x : null;
}

function medianOf(values: number[]): number {
  const s = [...values].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * heaviestPath finds the call path root..function that carries most of the function's value,
 * and the nearest frame on it (from the function towards the root) that is the program's own.
 */
export function heaviestPath(
  profile: Profile,
  typeIndex: number,
  key: string,
): { stack: string[]; own: { function: string; file: string; line: number } } {
  const paths = new Map<
    string,
    { value: number; frames: Array<{ name: string; file: string; line: number }> }
  >();
  for (const sample of profile.samples) {
    checkDeadline();
    const value = sample.values[typeIndex];
    if (value === 0) continue;
    const frames: Array<{ name: string; file: string; line: number }> = [];
    let found = false;
    for (let i = sample.locationIds.length - 1; i >= 0 && !found; i--) {
      const loc = profile.locations[sample.locationIds[i] - 1];
      for (let j = loc.lines.length - 1; j >= 0; j--) {
        const fn = profile.functions[loc.lines[j].functionId - 1];
        frames.push({ name: fn.name, file: fn.filename, line: loc.lines[j].line });
        if (functionKey(fn.name, fn.filename) === key) {
          found = true;
          break;
        }
      }
    }
    if (!found) continue;
    const pathKey = frames.map((f) => f.name).join(';');
    const entry = paths.get(pathKey);
    if (entry) entry.value += Math.abs(value);
    else paths.set(pathKey, { value: Math.abs(value), frames });
  }
  let best: { value: number; frames: Array<{ name: string; file: string; line: number }> } | undefined;
  for (const entry of paths.values()) if (!best || entry.value > best.value) best = entry;
  const frames = best?.frames ?? [];
  let own = frames[frames.length - 1];
  for (let i = frames.length - 1; i >= 0; i--) {
    if (isOwnFrame(frames[i].name, frames[i].file)) {
      own = frames[i];
      break;
    }
  }
  return {
    stack: frames.map((f) => f.name),
    own: own ? { function: own.name, file: own.file, line: own.line } : { function: key, file: '', line: 0 },
  };
}

function chooseSampleType(base: Profile[], head: Profile[], wanted?: string): ValueType {
  const all = [...base, ...head];
  const has = (t: ValueType) =>
    all.every((p) => p.sampleTypes.some((s) => s.type === t.type && s.unit === t.unit));
  if (wanted) {
    const [type, unit] = wanted.split('/');
    const candidate = head[0].sampleTypes.find(
      (t) => t.type === type && (unit === undefined || t.unit === unit),
    );
    if (!candidate || !has(candidate)) {
      throw new UsageError(
        `diff: sample type '${wanted}' is not in every profile (head has ${typesOf(head[0])})`,
      );
    }
    return candidate;
  }
  const preferred = head[0].sampleTypes[defaultSampleTypeIndex(head[0])];
  if (preferred && has(preferred)) return preferred;
  const common = head[0].sampleTypes.find(has);
  if (!common)
    throw new UsageError(
      `diff: base and head share no sample type (base ${typesOf(base[0])}, head ${typesOf(head[0])})`,
    );
  return common;
}

function typesOf(p: Profile): string {
  return p.sampleTypes.map((t) => `${t.type}/${t.unit}`).join(', ');
}

function typeIndexOf(p: Profile, t: ValueType): number {
  return p.sampleTypes.findIndex((s) => s.type === t.type && s.unit === t.unit);
}

function mergeSide(runs: Profile[], t: ValueType): { profile: Profile; typeIndex: number } {
  const profile = runs.length === 1 ? runs[0] : mergeProfiles(runs);
  return { profile, typeIndex: typeIndexOf(profile, t) };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
