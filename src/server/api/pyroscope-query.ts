import type { FastifyInstance } from 'fastify';
import { profileToFlamebearerProfile } from '../../formats/flamebearer.js';
import type { Profile } from '../../model/profile.js';
import { authorize, HttpError, queryLimitsOf, queryParams, type ServerContext } from '../context.js';
import { parseTimeParam } from '../ingest/time-param.js';
import { diffToFlamebearer } from '../query/diff-flamebearer.js';
import { profileToDot } from '../query/dot-graph.js';
import {
  checkSeriesCount,
  checkTimeRange,
  clampMaxNodes,
  DEFAULT_QUERY_LIMITS,
  type QueryLimits,
} from '../query/query-limits.js';
import { resolveQuery, timelineStepNanos } from '../query/resolve-query.js';
import { parseSelector } from '../store/label-matchers.js';
import type { SelectQuery, TimeRange } from '../store/types.js';
import { PROFILE_TYPE_LABEL } from '../store/types.js';

/**
 * Pyroscope's HTTP query API, the one its UI and scripts call:
 *
 *   GET /pyroscope/render?query=&from=&until=&maxNodes=&groupBy=&aggregation=sum|avg
 *       -> flamebearer JSON ('single', see formats/flamebearer.ts) with a timeline:
 *          {startTime: unix s, samples: one sum per step, durationDelta: step in s};
 *          with groupBy, `groups` maps each label value to its own timeline.
 *          aggregation=avg (for gauges such as inuse_space): the flame graph is the sum divided
 *          by the number of profiles merged, each timeline point the sum of its step divided by
 *          the profiles in that step, as Pyroscope does (see profileCounts)
 *   GET /pyroscope/render-diff?leftQuery=&leftFrom=&leftUntil=&rightQuery=&rightFrom=&rightUntil=
 *       -> 'double' flamebearer (see query/diff-flamebearer.ts)
 *   GET /pyroscope/labels?query=&from=&until=              -> ["label", ...]
 *   GET /pyroscope/label-values?label=&query=&from=&until= -> ["value", ...]
 *       (label=__name__ lists profile type IDs, as Pyroscope does)
 *   GET /pyroscope/render?format=dot&query=&from=&until=&maxNodes= -> the call graph in Graphviz
 *       DOT (text/plain; see query/dot-graph.ts)
 *
 * `from`/`until` take the same forms as ingest (digits by length, now-1h); default last hour.
 */
export function registerPyroscopeQueryRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const render = async (q: Record<string, string | undefined>, tenant: string) => {
    const query = q.query ?? q.name;
    if (!query) throw new HttpError(400, "missing 'query'");
    const { profileType, matchers } = resolveQuery(query);
    const limits = queryLimitsOf(ctx);
    const range = readRange(q.from, q.until, limits);
    const maxNodes = q.maxNodes ?? q['max-nodes'];
    const average = readAggregation(q.aggregation);
    const started = performance.now();
    const select = { profileType, matchers, ...range };
    let profile = await ctx.store.mergeRange(tenant, select);
    const stepNanos = timelineStepNanos(range.startNanos, range.endNanos);
    const groupBy = q.groupBy ? q.groupBy.split(',').filter((s) => s !== '') : [];
    const groupKey = (labels: Record<string, string>) => groupBy.map((g) => labels[g] ?? '').join(',');
    const lines = await ctx.store.timeline(tenant, { ...select, stepNanos, groupBy });
    checkSeriesCount(lines.length, limits);
    const buckets = Math.max(1, Math.ceil((range.endNanos - range.startNanos) / stepNanos));
    const counts = average
      ? await profileCounts(ctx, tenant, select, stepNanos, buckets, groupKey)
      : undefined;
    const timelineOf = (values: number[], perStep?: number[]) => ({
      startTime: Math.floor(range.startNanos / 1e9),
      samples: values.map((v, i) => Math.round(perStep ? v / Math.max(1, perStep[i]) : v)),
      durationDelta: stepNanos / 1e9,
    });
    const sum = new Array<number>(buckets).fill(0);
    for (const line of lines) {
      for (let i = 0; i < buckets; i++) sum[i] += line.values[i] ?? 0;
    }
    if (counts && counts.total > 1) profile = scaleProfile(profile, 1 / counts.total);
    const fb = profileToFlamebearerProfile(profile, {
      sampleTypeIndex: 0,
      maxNodes: clampMaxNodes(Number(maxNodes ?? 0), 8192, limits),
      name: query,
    });
    const body: Record<string, unknown> = { ...fb, timeline: timelineOf(sum, counts?.perStep) };
    if (groupBy.length > 0) {
      body.groups = Object.fromEntries(
        lines.map((l) => {
          const key = groupKey(l.labels);
          return [key, timelineOf(l.values, counts?.perGroup.get(key))];
        }),
      );
    }
    ctx.metrics.observe('autoprof_query_duration_seconds', (performance.now() - started) / 1000, {
      route: 'render',
    });
    return body;
  };
  const renderDot = async (q: Record<string, string | undefined>, tenant: string) => {
    const query = q.query ?? q.name;
    if (!query) throw new HttpError(400, "missing 'query'");
    const profile = await ctx.store.mergeRange(tenant, {
      ...resolveQuery(query),
      ...readRange(q.from, q.until),
    });
    const maxNodes = Number(q.maxNodes ?? q['max-nodes'] ?? 0) || undefined;
    return profileToDot(profile, { maxNodes, title: query });
  };
  for (const path of ['/pyroscope/render', '/render']) {
    app.get(path, async (req, reply) => {
      const tenant = authorize(ctx, req, 'read');
      const q = queryParams(req);
      if (q.format === 'dot') return reply.type('text/plain; charset=utf-8').send(await renderDot(q, tenant));
      return render(q, tenant);
    });
  }
  for (const path of ['/pyroscope/render-diff', '/render-diff']) {
    app.get(path, async (req) => {
      const tenant = authorize(ctx, req, 'read');
      const q = queryParams(req);
      if (!q.leftQuery || !q.rightQuery) throw new HttpError(400, "missing 'leftQuery' or 'rightQuery'");
      const left = resolveQuery(q.leftQuery);
      const right = resolveQuery(q.rightQuery);
      const [l, r] = await Promise.all([
        ctx.store.mergeRange(tenant, { ...left, ...readRange(q.leftFrom ?? q.from, q.leftUntil ?? q.until) }),
        ctx.store.mergeRange(tenant, {
          ...right,
          ...readRange(q.rightFrom ?? q.from, q.rightUntil ?? q.until),
        }),
      ]);
      return diffToFlamebearer(l, r, q.rightQuery);
    });
  }
  for (const path of ['/pyroscope/labels', '/labels']) {
    app.get(path, async (req) => {
      const tenant = authorize(ctx, req, 'read');
      const q = queryParams(req);
      const matchers = q.query ? selectorMatchers(q.query) : [];
      return ctx.store.labelNames(tenant, matchers, readRange(q.from, q.until));
    });
  }
  for (const path of ['/pyroscope/label-values', '/label-values']) {
    app.get(path, async (req) => {
      const tenant = authorize(ctx, req, 'read');
      const q = queryParams(req);
      if (!q.label) throw new HttpError(400, "missing 'label'");
      const matchers = q.query ? selectorMatchers(q.query) : [];
      // As in Pyroscope, the values of `__name__` are the profile type IDs (what a query starts with).
      const label = q.label === '__name__' ? PROFILE_TYPE_LABEL : q.label;
      return ctx.store.labelValues(tenant, label, matchers, readRange(q.from, q.until));
    });
  }
}

/** readAggregation: true for `avg` (Pyroscope's UI) or `average` (its older API), false for sum. */
function readAggregation(value: string | undefined): boolean {
  if (value === undefined || value === '' || value === 'sum') return false;
  if (value === 'avg' || value === 'average') return true;
  throw new HttpError(400, `bad 'aggregation': ${value} (sum or avg)`);
}

/** ProfileCounts: profiles in the whole range, per timeline step, and per step of each group. */
export interface ProfileCounts {
  total: number;
  perStep: number[];
  perGroup: Map<string, number[]>;
}

/** MAX_COUNT_CELLS bounds series x cells of the counting timeline (one number each). */
const MAX_COUNT_CELLS = 2_000_000;

/**
 * profileCounts counts the profiles a render merges. The store reports sums per step, not
 * counts, so this asks for one timeline line per series (grouped by every label) at a cell
 * that divides the render's step, as fine as MAX_COUNT_CELLS allows (1 s for an hour of 500
 * series), and counts non-empty cells. It is exact while no series writes two
 * profiles within one cell; agents upload every 10 s or more, so a coarser cell (days of many
 * series) undercounts and the average comes out high.
 */
export async function profileCounts(
  ctx: ServerContext,
  tenant: string,
  select: SelectQuery,
  stepNanos: number,
  buckets: number,
  groupKey: (labels: Record<string, string>) => string,
): Promise<ProfileCounts> {
  const typeMatcher = { name: PROFILE_TYPE_LABEL, op: '=' as const, value: select.profileType };
  const series = await ctx.store.series(tenant, [...select.matchers, typeMatcher], select);
  const counts: ProfileCounts = {
    total: 0,
    perStep: new Array<number>(buckets).fill(0),
    perGroup: new Map(),
  };
  if (series.length === 0) return counts;
  const names = [...new Set(series.flatMap((s) => Object.keys(s)))].sort();
  const cellNanos = countCellNanos(stepNanos, select.endNanos - select.startNanos, series.length);
  const perStep = Math.round(stepNanos / cellNanos);
  const lines = await ctx.store.timeline(tenant, { ...select, stepNanos: cellNanos, groupBy: names });
  for (const line of lines) {
    const key = groupKey(line.labels);
    let group = counts.perGroup.get(key);
    if (!group) {
      group = new Array<number>(buckets).fill(0);
      counts.perGroup.set(key, group);
    }
    line.values.forEach((v, cell) => {
      const b = Math.floor(cell / perStep);
      if (v === 0 || b >= buckets) return;
      counts.total++;
      counts.perStep[b]++;
      group[b]++;
    });
  }
  return counts;
}

/** countCellNanos: the finest whole-second divisor of the step keeping cells under the cap. */
function countCellNanos(stepNanos: number, spanNanos: number, seriesCount: number): number {
  const stepSeconds = Math.round(stepNanos / 1e9);
  const minSeconds = Math.max(1, Math.ceil(((spanNanos / 1e9) * seriesCount) / MAX_COUNT_CELLS));
  for (let d = minSeconds; d < stepSeconds; d++) if (stepSeconds % d === 0) return d * 1e9;
  return stepNanos;
}

/** scaleProfile multiplies every sample value, rounding to integers as flamebearer values are. */
function scaleProfile(profile: Profile, factor: number): Profile {
  return {
    ...profile,
    samples: profile.samples.map((s) => ({ ...s, values: s.values.map((v) => Math.round(v * factor)) })),
  };
}

/** selectorMatchers reads a query for label listing: a full render query or bare matchers. */
function selectorMatchers(query: string) {
  const { head, matchers } = parseSelector(query);
  if (head === '') return matchers;
  const resolved = resolveQuery(query);
  return [...resolved.matchers, { name: '__profile_type__', op: '=' as const, value: resolved.profileType }];
}

/** readRange reads from/until; the default is the last hour; limits: query-limits.ts (400 beyond). */
export function readRange(
  from: string | undefined,
  until: string | undefined,
  limits: QueryLimits = DEFAULT_QUERY_LIMITS,
): TimeRange {
  const now = Date.now() * 1e6;
  const startNanos = from === undefined ? now - 3600e9 : parseTimeParam(from, now);
  const endNanos = until === undefined ? now : parseTimeParam(until, now);
  if (startNanos === undefined) throw new HttpError(400, `bad 'from': ${from}`);
  if (endNanos === undefined) throw new HttpError(400, `bad 'until': ${until}`);
  if (endNanos <= startNanos) throw new HttpError(400, "'until' must be after 'from'");
  return checkTimeRange({ startNanos, endNanos }, limits);
}
