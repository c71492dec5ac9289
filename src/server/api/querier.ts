import type { FastifyInstance, FastifyRequest } from 'fastify';
import { profileToFlamebearer } from '../../formats/flamebearer.js';
import { authorize, bodyBytes, HttpError, queryLimitsOf, type ServerContext } from '../context.js';
import { parseProfileTypeId } from '../profile-type.js';
import {
  checkSeriesCount,
  checkTimeRange,
  clampMaxNodes,
  limitStepNanos,
  type QueryLimits,
} from '../query/query-limits.js';
import { parseSelector } from '../store/label-matchers.js';
import type { LabelMatcher, TimeRange } from '../store/types.js';

/**
 * The Connect querier endpoints Grafana's Pyroscope data source calls, JSON codec
 * (`Content-Type: application/json`, POST). Times are Unix milliseconds; int64 fields are
 * written as JSON strings, as Connect's protobuf-JSON mapping does, and read as either.
 *
 *   ProfileTypes           {start, end}                        -> {profileTypes: [{ID, name, sampleType, sampleUnit, periodType, periodUnit}]}
 *   LabelNames             {matchers: [selector], start, end}  -> {names: [...]}
 *   LabelValues            {name, matchers, start, end}        -> {names: [...]}
 *   Series                 {matchers, labelNames, start, end}  -> {labelsSet: [{labels: [{name, value}]}]}
 *     (`matchers` are selectors such as `{service_name="a",env=~"p.*"}`; as in Pyroscope a series
 *     is taken when it matches ANY of them, the matchers inside one selector being ANDed)
 *   SelectMergeStacktraces {profileTypeID, labelSelector, start, end, maxNodes}
 *                          -> {flamegraph: {names, levels: [{values: [x, total, self, name]...}], total, maxSelf}}
 *   SelectSeries           {profileTypeID, labelSelector, start, end, step (s), groupBy}
 *                          -> {series: [{labels: [{name, value}], points: [{value, timestamp (ms)}]}]}
 * A binary-protobuf request is refused with 415 (the JSON codec is the one implemented).
 */
export function registerQuerierRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const limits = queryLimitsOf(ctx);
  const rangeOf = (body: Record<string, unknown>) => optionalRange(body, limits);
  const requiredRange = (body: Record<string, unknown>) => defaultedRange(body, limits);
  const route = (
    method: string,
    handler: (tenant: string, body: Record<string, unknown>) => Promise<unknown>,
  ) => {
    app.post(`/querier.v1.QuerierService/${method}`, async (req, reply) => {
      const tenant = authorize(ctx, req, 'read');
      const body = readJson(req);
      const started = performance.now();
      const result = await handler(tenant, body);
      ctx.metrics.observe('autoprof_query_duration_seconds', (performance.now() - started) / 1000, {
        route: method,
      });
      return reply.type('application/json').send(result);
    });
  };

  route('ProfileTypes', async (tenant, body) => {
    const ids = await ctx.store.profileTypes(tenant, rangeOf(body));
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
  });

  route('LabelNames', async (tenant, body) => {
    const range = rangeOf(body);
    const lists = await Promise.all(
      selectorsOf(body.matchers).map((m) => ctx.store.labelNames(tenant, m, range)),
    );
    return { names: sortedUnion(lists) };
  });

  route('LabelValues', async (tenant, body) => {
    const name = body.name;
    if (typeof name !== 'string') throw new HttpError(400, "'name' is required");
    const range = rangeOf(body);
    const lists = await Promise.all(
      selectorsOf(body.matchers).map((m) => ctx.store.labelValues(tenant, name, m, range)),
    );
    return { names: sortedUnion(lists) };
  });

  route('Series', async (tenant, body) => {
    const wanted = Array.isArray(body.labelNames) ? (body.labelNames as string[]) : [];
    const range = rangeOf(body);
    const series = (
      await Promise.all(selectorsOf(body.matchers).map((m) => ctx.store.series(tenant, m, range)))
    ).flat();
    checkSeriesCount(series.length, limits);
    const seen = new Set<string>();
    const labelsSet: Array<{ labels: Array<{ name: string; value: string }> }> = [];
    for (const s of series) {
      const names = (wanted.length > 0 ? wanted : Object.keys(s)).filter((n) => s[n] !== undefined).sort();
      const labels = names.map((name) => ({ name, value: s[name] }));
      const key = JSON.stringify(labels);
      if (seen.has(key)) continue;
      seen.add(key);
      labelsSet.push({ labels });
    }
    return { labelsSet };
  });

  route('SelectMergeStacktraces', async (tenant, body) => {
    const profileType = requireString(body, 'profileTypeID');
    const matchers = selectorOf(body.labelSelector);
    const profile = await ctx.store.mergeRange(tenant, { profileType, matchers, ...requiredRange(body) });
    const maxNodes = clampMaxNodes(Number(body.maxNodes ?? 0), limits.maxNodes, limits);
    const fb = profileToFlamebearer(profile, 0, maxNodes);
    return {
      flamegraph: {
        names: fb.names,
        levels: fb.levels.map((values) => ({ values: values.map(String) })),
        total: String(fb.numTicks),
        maxSelf: String(fb.maxSelf),
      },
    };
  });

  route('SelectSeries', async (tenant, body) => {
    const profileType = requireString(body, 'profileTypeID');
    const matchers = selectorOf(body.labelSelector);
    const range = requiredRange(body);
    const stepSeconds = Number(body.step ?? 15) || 15;
    // Like Pyroscope, a step too fine for the range is raised rather than refused.
    const stepNanos = limitStepNanos(range, Math.max(1e9, stepSeconds * 1e9), limits);
    const groupBy = Array.isArray(body.groupBy) ? (body.groupBy as string[]) : [];
    const lines = await ctx.store.timeline(tenant, { profileType, matchers, ...range, stepNanos, groupBy });
    checkSeriesCount(lines.length, limits);
    return {
      series: lines.map((l) => ({
        labels: Object.entries(l.labels).map(([name, value]) => ({ name, value })),
        points: l.values.map((value, i) => ({
          value,
          timestamp: String(Math.floor((range.startNanos + i * stepNanos) / 1e6)),
        })),
      })),
    };
  });
}

function readJson(req: FastifyRequest): Record<string, unknown> {
  const type = req.headers['content-type'] ?? '';
  const bytes = bodyBytes(req);
  if (bytes.length === 0) return {};
  if (!/json/i.test(type))
    throw new HttpError(415, 'only the Connect JSON codec (application/json) is supported');
  try {
    const doc = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('not an object');
    return doc as Record<string, unknown>;
  } catch (err) {
    throw new HttpError(400, `invalid JSON body: ${(err as Error).message}`);
  }
}

function requireString(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  if (typeof v !== 'string' || v === '') throw new HttpError(400, `'${key}' is required`);
  return v;
}

/** optionalRange reads start/end (Unix ms, numbers or strings) within the limits; without them, none. */
function optionalRange(body: Record<string, unknown>, limits: QueryLimits): TimeRange | undefined {
  const start = Number(body.start ?? Number.NaN);
  const end = Number(body.end ?? Number.NaN);
  if (Number.isFinite(start) && Number.isFinite(end) && end > start) {
    return checkTimeRange({ startNanos: start * 1e6, endNanos: end * 1e6 }, limits);
  }
  return undefined;
}

/** defaultedRange is optionalRange defaulting to the last hour. */
function defaultedRange(body: Record<string, unknown>, limits: QueryLimits): TimeRange {
  const now = Date.now() * 1e6;
  return optionalRange(body, limits) ?? { startNanos: now - 3600e9, endNanos: now };
}

function selectorOf(value: unknown): LabelMatcher[] {
  if (value === undefined || value === '') return [];
  if (typeof value !== 'string') throw new HttpError(400, 'labelSelector must be a string');
  return parseSelector(value).matchers;
}

/** MAX_SELECTORS bounds the store queries one request fans out to. */
const MAX_SELECTORS = 100;

/** selectorsOf reads `matchers`: one matcher list per selector, ORed; none means every series. */
function selectorsOf(value: unknown): LabelMatcher[][] {
  if (value === undefined) return [[]];
  if (!Array.isArray(value)) throw new HttpError(400, 'matchers must be an array of selectors');
  if (value.length === 0) return [[]];
  if (value.length > MAX_SELECTORS) throw new HttpError(400, `more than ${MAX_SELECTORS} matchers`);
  return value.map((s) => selectorOf(s));
}

function sortedUnion(lists: readonly string[][]): string[] {
  if (lists.length === 1) return lists[0];
  return [...new Set(lists.flat())].sort();
}
