import { diagnose } from '../../analysis/diagnose.js';
import { emptyDiagnosisInput } from '../../analysis/features/diagnosis-input.js';
import type { Metrics } from '../../analysis/features/metrics.js';
import { withoutProfilerSamples } from '../../analysis/features/profiler-samples.js';
import { type Runtime, runtimesOfProfile } from '../../analysis/features/runtimes.js';
import {
  mergeViews,
  type SampleKind,
  type SampleView,
  viewsOfProfile,
} from '../../analysis/features/sample-views.js';
import { addGcShare } from '../../analysis/features.js';
import type { Classification, Finding } from '../../analysis/findings.js';
import { loadPatterns } from '../../analysis/patterns/loader.js';
import { splitEmbeddedFileNames } from '../../model/embedded-frames.js';
import type { LabelMatcher, ProfileStore, SeriesLabels, TimeRange } from '../store/types.js';
import { PROFILE_TYPE_LABEL } from '../store/types.js';
import { classifyService, type ServiceFacts } from './service-classification.js';
import { bestTypePerKind } from './service-profile-types.js';
import { locateFunctions, type SourceIndex } from './source-index.js';

/** UncheckedPattern is a knowledge-base pattern stored profiles cannot decide, and why. */
export interface UncheckedPattern {
  pattern_id: string;
  title: string;
  needs: string;
}

/**
 * StoredDiagnosis is a service's diagnosis over a stored range: the run analysis' findings from
 * every sample kind it has, a classification from the profiles' own numbers, and the patterns
 * that need evidence only `autoprof run` collects (named, never silently dropped).
 */
export interface StoredDiagnosis {
  classification: Classification;
  findings: Finding[];
  /** profileTypes: the type used for each sample kind. */
  profileTypes: Partial<Record<SampleKind, string>>;
  runtimes: Runtime[];
  unchecked: UncheckedPattern[];
  /** views are the merged sample kinds (for callers that rank functions). */
  views: SampleView[];
}

// Samples whose leaf is one of these wait for a lock or monitor, in any runtime.
const LOCK_WAIT_LEAF =
  /pthread_mutex_lock|__lll_lock_wait|futex_wait|Unsafe\.park|LockSupport\.park|Object\.wait|ObjectMonitor|monitorenter|JVM_MonitorWait|sync\.\(\*Mutex\)\.lock|sync\.runtime_SemacquireMutex|lock\.acquire|_thread\.lock|acquire \(/;

// Frame names only the V8 runtime produces: a names-only profile of a Node service.
const V8_NAME = /^\((garbage collector|program|idle)\)$/;
const RUNTIME_OF_SPY: Array<[RegExp, Runtime]> = [
  [/node/i, 'node'],
  [/py/i, 'python'],
  [/java|jfr/i, 'jvm'],
  [/go/i, 'go'],
];

/** StoredViews are the merged sample kinds of matching series over a range. */
export interface StoredViews {
  views: SampleView[];
  runtimes: Set<Runtime>;
  profileTypes: Partial<Record<SampleKind, string>>;
  /** coverage: seconds the profiles of each kind declare (absent when the store cannot say). */
  coverage: Map<SampleKind, number>;
}

/** readStoredViews merges one profile type per sample kind (time and bytes over counts). */
export async function readStoredViews(
  store: ProfileStore,
  tenant: string,
  matchers: readonly LabelMatcher[],
  range: TimeRange,
  onlyKind?: SampleKind,
  sources?: SourceIndex,
): Promise<StoredViews> {
  const series = await store.series(tenant, matchers, range);
  const types = [...new Set(series.map((s) => s[PROFILE_TYPE_LABEL]).filter(Boolean))];
  const views: SampleView[] = [];
  const runtimes = new Set<Runtime>(runtimesOfLabels(series));
  const profileTypes: StoredDiagnosis['profileTypes'] = {};
  const coverage = new Map<SampleKind, number>();
  for (const [kind, profileType] of bestTypePerKind(types)) {
    if (onlyKind && kind !== onlyKind) continue;
    const query = { profileType, matchers, ...range };
    const names = splitEmbeddedFileNames(await store.mergeRange(tenant, query));
    const merged = sources ? locateFunctions(names, sources) : names;
    const whole = viewsOfProfile(merged, kind).find((v) => v.kind === kind);
    if (!whole) continue;
    // The agent's own frames (encoding, pushing) are profiling cost, not the service's.
    const view = withoutProfilerSamples(whole).view;
    if (view.total <= 0) continue;
    views.push(view);
    profileTypes[kind] = profileType;
    for (const r of runtimesOfProfile(merged)) runtimes.add(r);
    if (merged.functions.some((f) => V8_NAME.test(f.name))) runtimes.add('node');
    if (store.coverage) coverage.set(kind, (await store.coverage(tenant, query)).durationNanos / 1e9);
  }
  return { views, runtimes, profileTypes, coverage };
}

/**
 * diagnoseStoredService merges each sample kind of one service over the range (`matchers` pick
 * the service and, optionally, more labels), and diagnoses the result like a run without /proc.
 */
export async function diagnoseStoredService(
  store: ProfileStore,
  tenant: string,
  matchers: readonly LabelMatcher[],
  range: TimeRange,
  sources?: SourceIndex,
): Promise<StoredDiagnosis> {
  const { views, runtimes, profileTypes, coverage } = await readStoredViews(
    store,
    tenant,
    matchers,
    range,
    undefined,
    sources,
  );
  const input = emptyDiagnosisInput();
  input.views = mergeViews(views);
  input.runtimes = [...runtimes];
  for (const v of input.views) input.sourceOf[v.kind] = profileTypes[v.kind] ?? 'profile';
  const facts = factsOf(input.views, coverage);
  if (facts.cpuSeconds !== undefined) input.metrics.cpu_s = round3(facts.cpuSeconds);
  if (facts.profiledSeconds) {
    input.metrics.wall_s = round3(facts.profiledSeconds);
    input.metrics.cpu_utilisation = round3((facts.cpuSeconds ?? 0) / facts.profiledSeconds);
  }
  input.sourceOf.metrics = 'stored profiles';
  addGcShare(input);
  facts.gcShare = input.metrics.gc_share;
  const diagnosis = diagnose(input);
  return {
    classification: classifyService(facts),
    findings: diagnosis.findings,
    profileTypes,
    runtimes: input.runtimes,
    unchecked: uncheckedPatterns(
      input.runtimes,
      diagnosis.findings,
      input.metrics,
      input.views.some((v) => v.profile.functions.some((f) => f.filename !== '')),
    ),
    views: input.views,
  };
}

function factsOf(views: readonly SampleView[], coverage: ReadonlyMap<SampleKind, number>): ServiceFacts {
  const seconds = (v: SampleView | undefined) =>
    v && v.unit === 'nanoseconds'
      ? v.total / 1e9
      : v && v.unit === 'microseconds'
        ? v.total / 1e6
        : undefined;
  const cpu = views.find((v) => v.kind === 'cpu');
  const wall = views.find((v) => v.kind === 'wall');
  const lock = views.find((v) => v.kind === 'lock');
  const waitView = wall ?? cpu;
  return {
    cpuSeconds: seconds(cpu),
    profiledSeconds: coverage.get('cpu') || undefined,
    wallSeconds: seconds(wall),
    lockSeconds: seconds(lock),
    lockProfiledSeconds: coverage.get('lock') || undefined,
    monitorShare: waitView ? leafShare(waitView, LOCK_WAIT_LEAF) : undefined,
    source: 'stored profiles',
  };
}

/** leafShare is the share of a view's value whose leaf frame (innermost function) matches `re`. */
function leafShare(view: SampleView, re: RegExp): number {
  if (view.total === 0) return 0;
  const p = view.profile;
  let hit = 0;
  for (const s of p.samples) {
    const loc = p.locations[s.locationIds[0] - 1];
    const line = loc?.lines[0];
    const name = line ? p.functions[line.functionId - 1]?.name : undefined;
    if (name && re.test(name)) hit += Math.abs(s.values[0]);
  }
  return hit / view.total;
}

function runtimesOfLabels(series: readonly SeriesLabels[]): Runtime[] {
  const out = new Set<Runtime>();
  for (const s of series) {
    const spy = s.pyroscope_spy ?? '';
    for (const [re, r] of RUNTIME_OF_SPY) if (spy && re.test(spy)) out.add(r);
  }
  return [...out];
}

/**
 * uncheckedPatterns names the patterns of the service's runtimes that need what only a run
 * collects (source lines, /proc series, runtime metrics, call counts) and did not fire anyway.
 */
function uncheckedPatterns(
  runtimes: readonly Runtime[],
  findings: readonly Finding[],
  metrics: Metrics,
  haveFiles: boolean,
): UncheckedPattern[] {
  const fired = new Set(findings.map((f) => f.pattern_id));
  const out: UncheckedPattern[] = [];
  for (const p of loadPatterns().patterns) {
    if (fired.has(p.id)) continue;
    if (!p.runtimes.some((r) => r === 'any' || runtimes.includes(r))) continue;
    const needs: string[] = [];
    if (p.condition.source && p.condition.frames.length === 0 && !haveFiles)
      needs.push('source lines (start the server with --source-root)');
    if (p.condition.requires.includes('timeseries')) needs.push('/proc time series');
    if (p.condition.requires.includes('node-metrics')) needs.push('Node runtime metrics');
    if (p.condition.requires.includes('call-stats')) needs.push('call counts');
    if (p.condition.calls || p.condition.timePerCallUs) needs.push('call counts');
    for (const m of p.condition.metrics) if (metrics[m.name] === undefined) needs.push(`metric ${m.name}`);
    if (needs.length > 0)
      out.push({ pattern_id: p.id, title: p.title, needs: [...new Set(needs)].join(', ') });
  }
  return out;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
