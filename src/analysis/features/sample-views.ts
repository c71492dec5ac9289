import { mergeProfiles } from '../../model/merge.js';
import type { Profile } from '../../model/profile.js';

/**
 * SampleKind is what a profile's values measure, whatever the source format called it. Analysis
 * reasons per kind (a 30% share of CPU and a 30% share of allocated bytes are different facts).
 */
export type SampleKind = 'cpu' | 'wall' | 'alloc' | 'heap' | 'lock' | 'off-cpu';

/** SAMPLE_KINDS lists every kind in the order reports show them. */
export const SAMPLE_KINDS: readonly SampleKind[] = ['cpu', 'wall', 'alloc', 'heap', 'lock', 'off-cpu'];

/** SampleView is one profile reduced to a single value column of one kind. */
export interface SampleView {
  kind: SampleKind;
  unit: string;
  profile: Profile;
  /** total is the sum of the column (absolute values). */
  total: number;
}

// Types as importers name them: pprof/Go, V8, JFR, speedscope, perf and collapsed text.
const KIND_OF_TYPE: Array<[RegExp, SampleKind]> = [
  [/^(cpu|process_cpu|itimer|on-?cpu)$/i, 'cpu'],
  [/^wall$/i, 'wall'],
  [/^(off-?cpu)$/i, 'off-cpu'],
  [/^(delay|contentions|lock|mutex|block)/i, 'lock'],
  [/^(alloc_|malloc_|alloc$|allocations?$)/i, 'alloc'],
  [/^(inuse_|space$|live$|objects$)/i, 'heap'],
];

/**
 * kindOfSampleType maps an importer's sample type to a kind; `samples`/`time` are CPU unless
 * the artifact says otherwise (the caller passes that as `hint`).
 */
export function kindOfSampleType(type: string, hint?: SampleKind): SampleKind | undefined {
  for (const [re, kind] of KIND_OF_TYPE) if (re.test(type)) return kind;
  if (/^(samples|time|calls|goroutine)$/i.test(type)) return type === 'calls' ? undefined : (hint ?? 'cpu');
  return hint;
}

// Prefer a column in time or bytes over a count: evidence then reads "1.2 s", not "120 samples".
function unitRank(unit: string): number {
  if (unit === 'nanoseconds' || unit === 'bytes') return 0;
  if (/seconds$/.test(unit)) return 1;
  return 2;
}

/**
 * viewsOfProfile splits a profile into one view per kind, choosing the best column for each
 * (nanoseconds or bytes over counts). `hint` is the artifact's kind for ambiguous types.
 */
export function viewsOfProfile(profile: Profile, hint?: SampleKind): SampleView[] {
  const best = new Map<SampleKind, number>();
  profile.sampleTypes.forEach((t, i) => {
    const kind = kindOfSampleType(t.type, hint);
    if (!kind) return;
    // Go heap profiles carry alloc_* and inuse_*; an artifact hint of 'heap' must not hide alloc.
    const prev = best.get(kind);
    if (prev === undefined || unitRank(t.unit) < unitRank(profile.sampleTypes[prev].unit)) best.set(kind, i);
  });
  const views: SampleView[] = [];
  for (const [kind, index] of best) views.push(singleColumn(profile, kind, index));
  return views.filter((v) => v.total > 0);
}

function singleColumn(profile: Profile, kind: SampleKind, index: number): SampleView {
  const unit = profile.sampleTypes[index].unit;
  let total = 0;
  const samples = [];
  for (const s of profile.samples) {
    const v = Math.abs(s.values[index]);
    if (v === 0) continue;
    total += v;
    samples.push({ locationIds: s.locationIds, values: [v], ...(s.labels ? { labels: s.labels } : {}) });
  }
  return {
    kind,
    unit,
    total,
    profile: { ...profile, sampleTypes: [{ type: kind, unit }], defaultSampleType: kind, samples },
  };
}

/**
 * mergeViews pools views of one kind from several processes or artifacts. Views in another unit
 * than the most common one are dropped rather than summed with it (counts and nanoseconds do not
 * add up).
 */
export function mergeViews(views: SampleView[]): SampleView[] {
  const out: SampleView[] = [];
  for (const kind of SAMPLE_KINDS) {
    const ofKind = views.filter((v) => v.kind === kind);
    if (ofKind.length === 0) continue;
    const units = new Map<string, number>();
    for (const v of ofKind) units.set(v.unit, (units.get(v.unit) ?? 0) + 1);
    const unit = [...units].sort((a, b) => unitRank(a[0]) - unitRank(b[0]) || b[1] - a[1])[0][0];
    const same = ofKind.filter((v) => v.unit === unit);
    const profile = same.length === 1 ? same[0].profile : mergeProfiles(same.map((v) => v.profile));
    out.push({ kind, unit, profile, total: same.reduce((s, v) => s + v.total, 0) });
  }
  return out;
}
