import { diagnoseProfile } from '../../analysis/diagnose.js';
import type { Classification, Finding } from '../../analysis/findings.js';
import { functionKey, functionShares } from '../../analysis/function-shares.js';
import { diffProfiles, type FunctionChange } from '../../analysis/profile-diff.js';
import { identifySides } from '../../model/function-identity.js';
import type { Profile } from '../../model/profile.js';
import { defaultSampleTypeIndex } from '../../model/profile.js';
import { parseProfileTypeId } from '../profile-type.js';
import type { LabelMatcher, ProfileStore, TimeRange } from '../store/types.js';
import { round2 } from './anomaly.js';
import type { DeployEvent } from './deploys.js';

/**
 * RootCauseReport explains a window against a baseline window (times in Unix seconds, shares in
 * percent):
 *
 * {
 *   statement,                       one paragraph, every number from the data
 *   subject: {function, file, base_pct, head_pct} | null,   the program's own function blamed
 *                                    (total share: its callees' cost is its cost)
 *   path: [root, ..., changed function],                     heaviest call path of the top change
 *   changes: FunctionChange[],       ranked function deltas (diffProfiles: regressions and new
 *                                    hotspots first, then improvements), at most 10
 *   findings: Finding[],             diagnoseProfile on the window, at most 5
 *   classification,
 *   baseline: {from, until}, window: {from, until}, sample_type: {type, unit}, notes: []
 * }
 */
export interface RootCauseReport {
  statement: string;
  subject: { function: string; file: string; base_pct: number; head_pct: number } | null;
  path: string[];
  changes: FunctionChange[];
  findings: Finding[];
  classification: Classification | null;
  baseline: { from: number; until: number };
  window: { from: number; until: number };
  sample_type: { type: string; unit: string } | null;
  notes: string[];
}

/** RootCauseRequest says what to compare; ranges are nanoseconds, half open. */
export interface RootCauseRequest {
  tenant: string;
  service: string;
  profileType: string;
  matchers: readonly LabelMatcher[];
  /** baselineMatchers default to `matchers`; a new version's baseline is the old version's series. */
  baselineMatchers?: readonly LabelMatcher[];
  baseline: TimeRange;
  window: TimeRange;
  deploy?: DeployEvent | null;
}

/**
 * buildRootCauseReport merges both ranges from the store and explains the difference. The
 * baseline is scaled to the window's length first: diffProfiles judges a change by the cost per
 * run too, and a week against five minutes is not "one run" each until both are per minute.
 */
export async function buildRootCauseReport(
  store: ProfileStore,
  r: RootCauseRequest,
): Promise<RootCauseReport> {
  const [base, head] = await Promise.all([
    store.mergeRange(r.tenant, {
      profileType: r.profileType,
      matchers: r.baselineMatchers ?? r.matchers,
      ...r.baseline,
    }),
    store.mergeRange(r.tenant, { profileType: r.profileType, matchers: r.matchers, ...r.window }),
  ]);
  const scale =
    (r.window.endNanos - r.window.startNanos) / Math.max(1, r.baseline.endNanos - r.baseline.startNanos);
  return explainChange(scaleProfile(base, scale), head, {
    service: r.service,
    profileType: r.profileType,
    deploy: r.deploy ?? null,
    baseline: toSeconds(r.baseline),
    window: toSeconds(r.window),
  });
}

/** explainChange is the pure part: diff, path, diagnosis and the statement. */
export function explainChange(
  base: Profile,
  head: Profile,
  meta: {
    service: string;
    profileType: string;
    deploy: DeployEvent | null;
    baseline: { from: number; until: number };
    window: { from: number; until: number };
  },
): RootCauseReport {
  const empty: RootCauseReport = {
    statement: '',
    subject: null,
    path: [],
    changes: [],
    findings: [],
    classification: null,
    baseline: meta.baseline,
    window: meta.window,
    sample_type: null,
    notes: [],
  };
  // Function identity (model/function-identity.ts): a new version deployed at another path is
  // the same code, so its functions must not read as removed and new.
  const sides = identifySides([base], [head]);
  base = sides.base[0];
  head = sides.head[0];
  if (!hasData(base) || !hasData(head)) {
    const side = hasData(base) ? 'window' : 'baseline';
    return {
      ...empty,
      statement: `No ${side} profiles for ${meta.service} (${meta.profileType}) in the compared range, so there is no root cause to report.`,
      notes: [`the ${side} range holds no samples`],
    };
  }
  const diff = diffProfiles([base], [head], { thresholds: { changePoints: 1, hotspotPct: 1 } });
  const byRise = (a: FunctionChange, b: FunctionChange) => b.delta.total_pts - a.delta.total_pts;
  const changes = [...diff.regressions, ...diff.new_hotspots]
    .sort((a, b) => b.delta.self_pts - a.delta.self_pts)
    .concat([...diff.improvements, ...diff.removed_hotspots].sort(byRise))
    .slice(0, 10);
  const diagnosis = diagnoseProfile(head);
  const top = changes[0] && changes[0].delta.self_pts > 0 ? changes[0] : undefined;
  const report: RootCauseReport = {
    ...empty,
    changes,
    findings: diagnosis.findings.slice(0, 5),
    classification: diagnosis.classification,
    sample_type: diff.sample_type,
    notes: diff.notes,
  };
  if (!top) {
    report.statement = `The shape of ${meta.service}'s ${shareWord(meta.profileType)} profile changed${deployPhrase(meta.deploy)}, but no single function's share moved by more than 1 point.`;
    return report;
  }
  // Blame the program's own frame (what a user can change), priced at its total share.
  const subjectName = top.attributed_to.function || top.function;
  const subjectFile = top.attributed_to.function ? top.attributed_to.file : top.file;
  const baseShare = totalShareOf(base, subjectName, subjectFile);
  const headShare = totalShareOf(head, subjectName, subjectFile);
  report.subject = { function: subjectName, file: subjectFile, base_pct: baseShare, head_pct: headShare };
  report.path = top.stack;
  const verb = headShare >= baseShare ? 'increased' : 'changed';
  const tail =
    top.function !== subjectName
      ? `, most of it in ${top.function} (self ${fmt(top.base.self_pct)} -> ${fmt(top.head.self_pct)})`
      : '';
  report.statement =
    `${subjectName} in ${meta.service} ${verb} its ${shareWord(meta.profileType)} share from ${fmt(baseShare)} to ${fmt(headShare)}` +
    `${deployPhrase(meta.deploy)}${tail}; the ${top.kind === 'new_hotspot' ? 'new' : 'hot'} path is ${top.stack.join(' -> ')}.`;
  return report;
}

/** scaleProfile multiplies every sample value (a baseline per window length, for diffProfiles). */
export function scaleProfile(p: Profile, factor: number): Profile {
  return { ...p, samples: p.samples.map((s) => ({ ...s, values: s.values.map((v) => v * factor) })) };
}

/** shareWord names what a share is of, from the profile type: "CPU", "allocation", ... */
export function shareWord(profileType: string): string {
  const t = parseProfileTypeId(profileType);
  const text = `${t?.name ?? ''}:${t?.sampleType.type ?? profileType}`.toLowerCase();
  if (/cpu|samples/.test(text)) return 'CPU';
  if (/alloc/.test(text)) return 'allocation';
  if (/inuse|memory|heap/.test(text)) return 'memory';
  if (/wall/.test(text)) return 'wall-clock';
  if (/lock|mutex|contention|block/.test(text)) return 'lock-wait';
  return t?.sampleType.type ?? 'profile';
}

function deployPhrase(deploy: DeployEvent | null): string {
  if (!deploy) return '';
  const v = /^[0-9a-f]{12,40}$/i.test(deploy.version) ? deploy.version.slice(0, 7) : deploy.version;
  return ` after deploy ${v}`;
}

function totalShareOf(p: Profile, name: string, file: string): number {
  const table = functionShares(p, Math.max(0, defaultSampleTypeIndex(p)));
  return round2((table.functions.get(functionKey(name, file))?.totalShare ?? 0) * 100);
}

function fmt(pct: number): string {
  return `${pct >= 10 ? Math.round(pct) : Math.round(pct * 10) / 10}%`;
}

function hasData(p: Profile): boolean {
  return p.samples.some((s) => s.values.some((v) => v !== 0));
}

function toSeconds(r: TimeRange): { from: number; until: number } {
  return { from: Math.floor(r.startNanos / 1e9), until: Math.ceil(r.endNanos / 1e9) };
}
