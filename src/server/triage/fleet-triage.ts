import type { SampleKind, SampleView } from '../../analysis/features/sample-views.js';
import type { Anomaly } from '../anomaly/anomaly.js';
import type { DeployEvent } from '../anomaly/deploys.js';
import type { SourceIndex } from '../diagnosis/source-index.js';
import { diagnoseStoredService, readStoredViews } from '../diagnosis/stored-diagnosis.js';
import type { LabelMatcher, ProfileStore, TimeRange } from '../store/types.js';
import { SERVICE_NAME_LABEL } from '../store/types.js';
import { type OwnFunction, type RankedFunction, rankFunctions, shareChanges } from './function-ranking.js';

/**
 * ServiceTriage is one row of the fleet triage (shares in percent, times Unix seconds):
 * {service, classification {kind, summary}, kind (the sample kind ranked), top_self (where the
 *  time lands, any code), top_own (the service's own function it is attributed to),
 *  top_finding, change {previous_period, previous_version}, anomalies, link}.
 */
export interface ServiceTriage {
  service: string;
  classification: { kind: string; summary: string };
  kind: SampleKind | null;
  top_self: RankedFunction | null;
  top_own: OwnFunction | null;
  top_finding: { title: string; category: string; function: string; severity: string } | null;
  change: {
    previous_period: { from: number; until: number; changes: ReturnType<typeof shareChanges> } | null;
    previous_version: {
      version: string;
      previous: string;
      since: number;
      source: string;
      changes: ReturnType<typeof shareChanges>;
    } | null;
  };
  anomalies: Array<{
    id: string;
    function: string | null;
    since: number;
    version: string;
    current_pct: number | null;
  }>;
  unchecked: number;
}

/** TriageSources are what triage reads besides the store: anomalies and deploys (anomaly state). */
export interface TriageSources {
  anomalies(tenant: string, service: string, from: number): Promise<Anomaly[]>;
  deploys(tenant: string, service: string): Promise<DeployEvent[]>;
  versionLabels: readonly string[];
  sourceIndex?: SourceIndex;
}

// The kind a row ranks: CPU when the service has it, else what it has.
const KIND_ORDER: readonly SampleKind[] = ['cpu', 'wall', 'alloc', 'lock', 'heap', 'off-cpu'];

/**
 * triageFleet diagnoses every service of the tenant that has profiles in the range, and compares
 * each with the period before (same length) and, when a deploy or a new version happened, with
 * the version before. Services are listed worst first: open anomalies, then non-healthy ones.
 */
export async function triageFleet(
  store: ProfileStore,
  tenant: string,
  range: TimeRange,
  sources: TriageSources,
): Promise<ServiceTriage[]> {
  const services = [
    ...new Set((await store.series(tenant, [], range)).map((s) => s[SERVICE_NAME_LABEL] ?? '')),
  ].sort();
  const out: ServiceTriage[] = [];
  for (const service of services) out.push(await triageService(store, tenant, service, range, sources));
  const rank = (t: ServiceTriage) =>
    (t.anomalies.length > 0 ? 0 : 2) + (t.classification.kind === 'healthy' ? 1 : 0);
  return out.sort((a, b) => rank(a) - rank(b) || a.service.localeCompare(b.service));
}

async function triageService(
  store: ProfileStore,
  tenant: string,
  service: string,
  range: TimeRange,
  sources: TriageSources,
): Promise<ServiceTriage> {
  const matchers: LabelMatcher[] = [{ name: SERVICE_NAME_LABEL, op: '=', value: service }];
  const now = await diagnoseStoredService(store, tenant, matchers, range, sources.sourceIndex);
  const view = mainView(now.views);
  const ranked = view ? rankFunctions(view) : undefined;
  const length = range.endNanos - range.startNanos;
  const previousRange = { startNanos: range.startNanos - length, endNanos: range.startNanos };
  const before = view ? await viewOf(store, tenant, matchers, previousRange, view.kind) : undefined;
  const top = now.findings[0];
  const anomalies = await sources.anomalies(tenant, service, range.startNanos / 1e9);
  return {
    service,
    classification: { kind: now.classification.kind, summary: now.classification.summary },
    kind: view?.kind ?? null,
    top_self: ranked?.bySelf[0] ?? null,
    top_own: ranked?.topOwn ?? null,
    top_finding: top
      ? { title: top.title, category: top.category, function: top.location.function, severity: top.severity }
      : null,
    change: {
      previous_period: before
        ? {
            from: previousRange.startNanos / 1e9,
            until: previousRange.endNanos / 1e9,
            changes: shareChanges(before, view),
          }
        : null,
      previous_version: view ? await versionChange(store, tenant, service, range, view.kind, sources) : null,
    },
    anomalies: anomalies.map((a) => ({
      id: a.id,
      function: a.function?.name ?? null,
      since: a.window.from,
      version: a.deploy?.version ?? a.version,
      current_pct: a.function?.current_pct ?? null,
    })),
    unchecked: now.unchecked.length,
  };
}

/**
 * versionChange compares the latest version of the service with the one before: the versions are
 * the deploy events (posted, or inferred from a version label) in or before the range; each side
 * is the same length of time on either side of the latest deploy, within the range's length.
 */
async function versionChange(
  store: ProfileStore,
  tenant: string,
  service: string,
  range: TimeRange,
  kind: SampleKind,
  sources: TriageSources,
): Promise<ServiceTriage['change']['previous_version']> {
  const deploys = (await sources.deploys(tenant, service))
    .filter((d) => d.time * 1e9 < range.endNanos)
    .sort((a, b) => a.time - b.time);
  const latest = deploys.at(-1);
  if (!latest) return null;
  const at = latest.time * 1e9;
  const span = range.endNanos - range.startNanos;
  const matchers: LabelMatcher[] = [{ name: SERVICE_NAME_LABEL, op: '=', value: service }];
  const after = await viewOf(store, tenant, matchers, { startNanos: at, endNanos: range.endNanos }, kind);
  const before = await viewOf(store, tenant, matchers, { startNanos: at - span, endNanos: at }, kind);
  return {
    version: latest.version,
    previous: deploys.at(-2)?.version ?? '',
    since: latest.time,
    source: latest.source,
    changes: shareChanges(before, after),
  };
}

function mainView(views: readonly SampleView[]): SampleView | undefined {
  for (const k of KIND_ORDER) {
    const v = views.find((x) => x.kind === k);
    if (v) return v;
  }
  return undefined;
}

async function viewOf(
  store: ProfileStore,
  tenant: string,
  matchers: LabelMatcher[],
  range: TimeRange,
  kind: SampleKind,
): Promise<SampleView | undefined> {
  return (await readStoredViews(store, tenant, matchers, range, kind)).views[0];
}
