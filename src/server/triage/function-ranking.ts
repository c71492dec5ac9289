import { ownLines } from '../../analysis/features/own-lines.js';
import type { SampleView } from '../../analysis/features/sample-views.js';
import { functionOrigins } from '../../analysis/frame-origin.js';
import { functionKey, functionShares } from '../../analysis/function-shares.js';
import type { Profile } from '../../model/profile.js';

/** RankedFunction is one function of a view: self and total share (percent) and absolute values. */
export interface RankedFunction {
  function: string;
  file: string;
  origin: string;
  self_pct: number;
  total_pct: number;
  self: number;
  total: number;
  unit: string;
}

/** OwnFunction is the program's own function where most of a view's value is attributed. */
export interface OwnFunction {
  function: string;
  file: string;
  /** share_pct: samples whose innermost own frame it is (library and runtime callees included). */
  share_pct: number;
  self_pct: number;
  total_pct: number;
}

/**
 * rankFunctions lists a view's functions by self value (the frame where time lands, whoever's
 * code it is) and names the top own function: every sample counts towards its innermost own
 * frame, as the hotspot finding does, so a service whose time lands in JSON or a regex library
 * names the function of its own that called it.
 */
export function rankFunctions(view: SampleView): { bySelf: RankedFunction[]; topOwn: OwnFunction | null } {
  const table = functionShares(view.profile, 0);
  const origins = functionOrigins(view.profile.functions);
  const originOf = new Map<string, string>();
  view.profile.functions.forEach((f, i) => {
    originOf.set(functionKey(f.name, f.filename), origins[i]);
  });
  const rows: RankedFunction[] = [...table.functions.values()].map((f) => ({
    function: f.name,
    file: f.file,
    origin: originOf.get(f.key) ?? 'own',
    self_pct: round2(f.selfShare * 100),
    total_pct: round2(f.totalShare * 100),
    self: f.self,
    total: f.total,
    unit: view.unit,
  }));
  const bySelf = rows.sort((a, b) => b.self - a.self);
  const own = new Map<string, { fn: string; file: string; value: number }>();
  for (const l of ownLines(withoutPreloads(view.profile))) {
    const e = own.get(l.key) ?? { fn: l.function, file: l.file, value: 0 };
    e.value += l.value;
    own.set(l.key, e);
  }
  const best = [...own.entries()].sort((a, b) => b[1].value - a[1].value)[0];
  if (!best || view.total === 0) return { bySelf, topOwn: null };
  const shares = table.functions.get(best[0]);
  return {
    bySelf,
    topOwn: {
      function: best[1].fn,
      file: best[1].file,
      share_pct: round2((best[1].value / view.total) * 100),
      self_pct: round2((shares?.selfShare ?? 0) * 100),
      total_pct: round2((shares?.totalShare ?? 0) * 100),
    },
  };
}

// Node runs --require'd modules (profilers, APM agents) through this loader before the program.
const PRELOAD_LOADER = /^(loadPreloadModules|Module\._preloadModules)$/;

/**
 * withoutPreloads drops samples taken inside Node's preload loader: agents' start-up, never the
 * service's code. With files those frames are the runtime's anyway; names-only they look own.
 */
function withoutPreloads(profile: Profile): Profile {
  const preload = new Set<number>();
  profile.functions.forEach((f, i) => {
    if (PRELOAD_LOADER.test(f.name)) preload.add(i + 1);
  });
  if (preload.size === 0) return profile;
  const inPreload = (s: Profile['samples'][number]) =>
    s.locationIds.some((id) => profile.locations[id - 1]?.lines.some((l) => preload.has(l.functionId)));
  return { ...profile, samples: profile.samples.filter((s) => !inPreload(s)) };
}

/** shareChanges compares two views' self shares: the biggest rises first, in points. */
export function shareChanges(
  before: SampleView | undefined,
  after: SampleView | undefined,
  limit = 3,
): Array<{ function: string; before_pct: number; after_pct: number; delta_pts: number }> {
  if (!before || !after) return [];
  const b = functionShares(before.profile, 0).functions;
  const a = functionShares(after.profile, 0).functions;
  const out: Array<{ function: string; before_pct: number; after_pct: number; delta_pts: number }> = [];
  for (const [key, f] of a) {
    const was = b.get(key)?.selfShare ?? 0;
    const delta = f.selfShare - was;
    out.push({
      function: f.name,
      before_pct: round2(was * 100),
      after_pct: round2(f.selfShare * 100),
      delta_pts: round2(delta * 100),
    });
  }
  for (const [key, f] of b) {
    if (a.has(key)) continue;
    out.push({
      function: f.name,
      before_pct: round2(f.selfShare * 100),
      after_pct: 0,
      delta_pts: round2(-f.selfShare * 100),
    });
  }
  return out.sort((x, y) => Math.abs(y.delta_pts) - Math.abs(x.delta_pts)).slice(0, limit);
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
