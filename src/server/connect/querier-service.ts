import { fromBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import { profileToFlamebearer } from '../../formats/flamebearer.js';
import { encodePprof } from '../../formats/pprof.js';
import type { Profile } from '../../model/profile.js';
import { profileCounts } from '../api/pyroscope-query.js';
import { queryLimitsOf, type ServerContext } from '../context.js';
import { parseProfileTypeId } from '../profile-type.js';
import { diffToFlamebearer } from '../query/diff-flamebearer.js';
import { checkSeriesCount, limitStepNanos, type QueryLimits } from '../query/query-limits.js';
import { resolveQuery } from '../query/resolve-query.js';
import type { LabelMatcher, SelectQuery } from '../store/types.js';
import { PROFILE_TYPE_LABEL } from '../store/types.js';
import { keepCallSite } from './call-site.js';
import { tenantOfCall } from './connect-access.js';
import { ProfileSchema } from './gen/google/v1/profile_pb.js';
import {
  type FlameGraphSchema,
  ProfileFormat,
  type QuerierService,
  type SelectSeriesRequest,
} from './gen/querier/v1/querier_pb.js';
import { type StackTraceSelector, TimeSeriesAggregationType } from './gen/types/v1/types_pb.js';
import { profileTimeBounds } from './profile-time-bounds.js';
import {
  invalidArgument,
  maxNodesOf,
  optionalRange,
  profileTypeOf,
  requiredRange,
  selectorList,
  selectorMatchers,
  selectQueryOf,
  sortedUnion,
} from './query-params.js';
import { flamebearerToTreeBytes } from './tree-bytes.js';

/** SPAN_ID_LABEL is the pprof sample label span-profiling integrations (otel-profiling-*) set. */
export const SPAN_ID_LABEL = 'span_id';

/** MAX_SPANS bounds the span ids of one SelectMergeSpanProfile. */
const MAX_SPANS = 1000;

/**
 * querierService implements querier.v1.QuerierService over the store, calling the same store
 * functions as the HTTP query routes, so every store-level limit applies here as well.
 * Differences from Pyroscope, all answered honestly: profiles are not kept by ID
 * (`profile_id_selector` is unimplemented), `stack_trace_selector` applies its call site to
 * merges but not to SelectSeries and not its Go PGO trimming (both unimplemented), and
 * SelectMergeProfile returns the whole merge (`max_nodes` does not trim the pprof).
 */
export function querierService(ctx: ServerContext): ServiceImpl<typeof QuerierService> {
  const store = ctx.store;
  const limits = queryLimitsOf(ctx);
  return {
    async profileTypes(req, context) {
      const ids = await store.profileTypes(tenantOfCall(context), optionalRange(req.start, req.end, limits));
      return {
        profileTypes: ids.flatMap((ID) => {
          const t = parseProfileTypeId(ID);
          if (!t) return [];
          return [
            {
              ID,
              name: t.name,
              sampleType: t.sampleType.type,
              sampleUnit: t.sampleType.unit,
              periodType: t.periodType.type,
              periodUnit: t.periodType.unit,
            },
          ];
        }),
      };
    },

    async labelNames(req, context) {
      const tenant = tenantOfCall(context);
      const range = optionalRange(req.start, req.end, limits);
      const lists = await Promise.all(
        selectorList(req.matchers).map((m) => store.labelNames(tenant, m, range)),
      );
      return { names: sortedUnion(lists) };
    },

    async labelValues(req, context) {
      if (req.name === '') throw invalidArgument('name is required');
      const tenant = tenantOfCall(context);
      const range = optionalRange(req.start, req.end, limits);
      const lists = await Promise.all(
        selectorList(req.matchers).map((m) => store.labelValues(tenant, req.name, m, range)),
      );
      return { names: sortedUnion(lists) };
    },

    async series(req, context) {
      const tenant = tenantOfCall(context);
      const range = optionalRange(req.start, req.end, limits);
      const found = (
        await Promise.all(selectorList(req.matchers).map((m) => store.series(tenant, m, range)))
      ).flat();
      checkSeriesCount(found.length, limits);
      const seen = new Set<string>();
      const labelsSet: Array<{ labels: Array<{ name: string; value: string }> }> = [];
      for (const s of found) {
        const names = (req.labelNames.length > 0 ? req.labelNames : Object.keys(s))
          .filter((n) => s[n] !== undefined)
          .sort();
        const labels = names.map((name) => ({ name, value: s[name] }));
        const key = JSON.stringify(labels);
        if (seen.has(key)) continue;
        seen.add(key);
        labelsSet.push({ labels });
      }
      return { labelsSet };
    },

    async selectMergeStacktraces(req, context) {
      refuseUnimplemented(req.stackTraceSelector, req.profileIdSelector);
      const merged = await store.mergeRange(tenantOfCall(context), selectQueryOf(req, limits));
      const profile = keepCallSite(merged, callSiteOf(req.stackTraceSelector));
      return stacktracesResponse(profile, maxNodesOf(req.maxNodes, limits), req.format);
    },

    async selectMergeSpanProfile(req, context) {
      const select = selectQueryOf(req, limits);
      if (req.spanSelector.length === 0) return {};
      if (req.spanSelector.length > MAX_SPANS) throw invalidArgument(`more than ${MAX_SPANS} span ids`);
      const spans: LabelMatcher = {
        name: SPAN_ID_LABEL,
        op: '=~',
        value: req.spanSelector.map(escapeRegex).join('|'),
      };
      const profile = await store.mergeRange(tenantOfCall(context), {
        ...select,
        matchers: [...select.matchers, spans],
      });
      return stacktracesResponse(profile, maxNodesOf(req.maxNodes, limits), req.format);
    },

    async selectMergeProfile(req, context) {
      refuseUnimplemented(req.stackTraceSelector, req.profileIdSelector);
      const merged = await store.mergeRange(tenantOfCall(context), selectQueryOf(req, limits));
      const profile = keepCallSite(merged, callSiteOf(req.stackTraceSelector));
      // The store's merge is a Profile; its pprof encoding is read back through the generated
      // descriptor so Connect writes it in whichever codec the client asked for.
      return fromBinary(ProfileSchema, encodePprof(profile));
    },

    async selectSeries(req, context) {
      // The store sums whole profiles per step; it cannot sum only the stacks under a call site.
      if (callSiteOf(req.stackTraceSelector).length > 0) {
        throw new ConnectError('stack_trace_selector is not supported by SelectSeries', Code.Unimplemented);
      }
      refuseUnimplemented(req.stackTraceSelector, []);
      return { series: await selectSeries(ctx, tenantOfCall(context), req, limits) };
    },

    async diff(req, context) {
      if (!req.left || !req.right) throw invalidArgument('left and right are required');
      const tenant = tenantOfCall(context);
      const [left, right] = await Promise.all([
        store.mergeRange(tenant, selectQueryOf(req.left, limits)),
        store.mergeRange(tenant, selectQueryOf(req.right, limits)),
      ]);
      const diff = diffToFlamebearer(left, right);
      const fb = diff.flamebearer;
      return {
        flamegraph: {
          names: fb.names,
          levels: fb.levels.map((row) => ({ values: row.map(BigInt) })),
          total: BigInt(fb.numTicks),
          maxSelf: BigInt(fb.maxSelf),
          leftTicks: BigInt(diff.leftTicks),
          rightTicks: BigInt(diff.rightTicks),
        },
      };
    },

    async getProfileStats(_req, context) {
      const bounds = await profileTimeBounds(store, tenantOfCall(context));
      return {
        dataIngested: bounds.dataIngested,
        oldestProfileTime: BigInt(bounds.oldestMs),
        newestProfileTime: BigInt(bounds.newestMs),
      };
    },

    async analyzeQuery(req, context) {
      return analyzeQuery(ctx, context, req.query, requiredRange(req.start, req.end, limits));
    },
  };
}

/** StacktracesInit is the shape SelectMergeStacktraces and SelectMergeSpanProfile answer alike. */
interface StacktracesInit {
  flamegraph?: MessageInitShape<typeof FlameGraphSchema>;
  tree?: Uint8Array;
}

/** stacktracesResponse lays out a merge as a flame graph or, for format TREE, tree bytes. */
function stacktracesResponse(profile: Profile, maxNodes: number, format: ProfileFormat): StacktracesInit {
  const fb = profileToFlamebearer(profile, 0, maxNodes);
  if (format === ProfileFormat.TREE) return { tree: flamebearerToTreeBytes(fb) };
  return {
    flamegraph: {
      names: fb.names,
      levels: fb.levels.map((row) => ({ values: row.map((v) => BigInt(Math.round(v))) })),
      total: BigInt(Math.round(fb.numTicks)),
      maxSelf: BigInt(Math.round(fb.maxSelf)),
    },
  };
}

/**
 * selectSeries: one line per distinct value of `group_by`, summed (or, with AVERAGE, divided by
 * the profiles of each step, as the render route does), each point the step's start in ms; steps
 * without profiles have no point, as in Pyroscope. `limit` keeps the top N lines by total.
 */
async function selectSeries(
  ctx: ServerContext,
  tenant: string,
  req: SelectSeriesRequest,
  limits: QueryLimits,
) {
  const select = selectQueryOf(req, limits);
  if (!(req.step > 0)) throw invalidArgument('step must be a positive number of seconds');
  // Like Pyroscope (and the HTTP routes), a step too fine for the range is raised, not refused.
  const stepNanos = limitStepNanos(select, Math.max(1e6, Math.round(req.step * 1e9)), limits);
  const buckets = Math.ceil((select.endNanos - select.startNanos) / stepNanos);
  const groupBy = req.groupBy;
  const lines = await ctx.store.timeline(tenant, { ...select, stepNanos, groupBy });
  checkSeriesCount(lines.length, limits);
  const groupKey = (labels: Record<string, string>) => groupBy.map((g) => labels[g] ?? '').join('\u0000');
  const counts =
    req.aggregation === TimeSeriesAggregationType.AVERAGE
      ? await profileCounts(ctx, tenant, select, stepNanos, buckets, groupKey)
      : undefined;
  const series = lines.map((line) => {
    const perStep = counts?.perGroup.get(groupKey(line.labels));
    const points = line.values.flatMap((value, i) => {
      if (value === 0) return [];
      const n = perStep ? Math.max(1, perStep[i]) : 1;
      return [{ value: value / n, timestamp: BigInt(Math.floor((select.startNanos + i * stepNanos) / 1e6)) }];
    });
    return {
      labels: groupBy
        .filter((g) => line.labels[g] !== undefined)
        .map((name) => ({ name, value: line.labels[name] })),
      points,
      total: points.reduce((sum, p) => sum + p.value, 0),
    };
  });
  const limit = req.limit !== undefined && req.limit > 0n ? Number(req.limit) : series.length;
  return series
    .sort((a, b) => b.total - a.total)
    .slice(0, limit)
    .map(({ labels, points }) => ({ labels, points }));
}

/**
 * analyzeQuery says what a query would read: the series it selects and, for a query with a
 * profile type, how many profiles those hold in the range. The engine does not report bytes
 * per query, so the byte fields stay 0 rather than being guessed.
 */
async function analyzeQuery(
  ctx: ServerContext,
  context: HandlerContext,
  query: string,
  range: { startNanos: number; endNanos: number },
) {
  const tenant = tenantOfCall(context);
  const select = queryToSelect(query, range);
  const matchers = select.profileType
    ? [...select.matchers, { name: PROFILE_TYPE_LABEL, op: '=' as const, value: select.profileType }]
    : select.matchers;
  const series = await ctx.store.series(tenant, matchers, range);
  const span = range.endNanos - range.startNanos;
  const profiles = select.profileType
    ? (await profileCounts(ctx, tenant, select as SelectQuery, span, 1, () => '')).total
    : 0;
  return {
    queryScopes: [
      {
        componentType: 'autoprof store',
        componentCount: 1n,
        seriesCount: BigInt(series.length),
        profileCount: BigInt(profiles),
      },
    ],
    queryImpact: { totalQueriedSeries: BigInt(series.length), deduplicationNeeded: false },
  };
}

/** queryToSelect reads `<profile type>{selector}` or a bare `{selector}` (no profile type). */
function queryToSelect(
  query: string,
  range: { startNanos: number; endNanos: number },
): Omit<SelectQuery, 'profileType'> & { profileType?: string } {
  const trimmed = query.trim();
  if (trimmed === '' || trimmed.startsWith('{')) {
    const matchers = selectorMatchers(trimmed);
    const type = matchers.find((m) => m.name === PROFILE_TYPE_LABEL && m.op === '=');
    return {
      profileType: type ? profileTypeOf(type.value) : undefined,
      matchers: matchers.filter((m) => m !== type),
      ...range,
    };
  }
  // The selector part is checked strictly (quoted values), as for every querier.v1 selector.
  const brace = trimmed.indexOf('{');
  if (brace >= 0) selectorMatchers(trimmed.slice(brace));
  const resolved = resolveQuery(trimmed);
  return { ...resolved, ...range };
}

function callSiteOf(selector: StackTraceSelector | undefined): string[] {
  return selector?.callSite.map((l) => l.name) ?? [];
}

/** refuseUnimplemented answers `unimplemented` for selectors the engine cannot apply. */
function refuseUnimplemented(
  stackTraceSelector: StackTraceSelector | undefined,
  profileIds: readonly string[],
) {
  if (stackTraceSelector?.goPgo) {
    throw new ConnectError('stack_trace_selector.go_pgo is not supported by autoprof', Code.Unimplemented);
  }
  if (profileIds.length > 0) {
    throw new ConnectError(
      'profile_id_selector is not supported: autoprof does not keep profile IDs',
      Code.Unimplemented,
    );
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
