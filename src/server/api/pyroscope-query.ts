import type { FastifyInstance } from 'fastify';
import { profileToFlamebearerProfile } from '../../formats/flamebearer.js';
import { authorize, HttpError, queryParams, type ServerContext } from '../context.js';
import { parseTimeParam } from '../ingest/time-param.js';
import { diffToFlamebearer } from '../query/diff-flamebearer.js';
import { resolveQuery, timelineStepNanos } from '../query/resolve-query.js';
import { parseSelector } from '../store/label-matchers.js';
import type { TimeRange } from '../store/types.js';

/**
 * Pyroscope's HTTP query API, the one its UI and scripts call:
 *
 *   GET /pyroscope/render?query=&from=&until=&maxNodes=&groupBy=
 *       -> flamebearer JSON ('single', see formats/flamebearer.ts) with a timeline:
 *          {startTime: unix s, samples: one sum per step, durationDelta: step in s};
 *          with groupBy, `groups` maps each label value to its own timeline
 *   GET /pyroscope/render-diff?leftQuery=&leftFrom=&leftUntil=&rightQuery=&rightFrom=&rightUntil=
 *       -> 'double' flamebearer (see query/diff-flamebearer.ts)
 *   GET /pyroscope/labels?query=&from=&until=              -> ["label", ...]
 *   GET /pyroscope/label-values?label=&query=&from=&until= -> ["value", ...]
 *
 * `from`/`until` take the same forms as ingest (digits by length, now-1h); default last hour.
 */
export function registerPyroscopeQueryRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const render = async (q: Record<string, string | undefined>, tenant: string) => {
    const query = q.query ?? q.name;
    if (!query) throw new HttpError(400, "missing 'query'");
    const { profileType, matchers } = resolveQuery(query);
    const range = readRange(q.from, q.until);
    const maxNodes = q.maxNodes ?? q['max-nodes'];
    const started = performance.now();
    const profile = await ctx.store.mergeRange(tenant, { profileType, matchers, ...range });
    const stepNanos = timelineStepNanos(range.startNanos, range.endNanos);
    const groupBy = q.groupBy ? q.groupBy.split(',').filter((s) => s !== '') : [];
    const lines = await ctx.store.timeline(tenant, { profileType, matchers, ...range, stepNanos, groupBy });
    const timelineOf = (values: number[]) => ({
      startTime: Math.floor(range.startNanos / 1e9),
      samples: values.map((v) => Math.round(v)),
      durationDelta: stepNanos / 1e9,
    });
    const buckets = Math.max(1, Math.ceil((range.endNanos - range.startNanos) / stepNanos));
    const sum = new Array<number>(buckets).fill(0);
    for (const line of lines) {
      for (let i = 0; i < buckets; i++) sum[i] += line.values[i] ?? 0;
    }
    const fb = profileToFlamebearerProfile(profile, {
      sampleTypeIndex: 0,
      maxNodes: maxNodes ? Math.max(1, Number(maxNodes) || 0) : 8192,
      name: query,
    });
    const body: Record<string, unknown> = { ...fb, timeline: timelineOf(sum) };
    if (groupBy.length > 0) {
      body.groups = Object.fromEntries(
        lines.map((l) => [groupBy.map((g) => l.labels[g] ?? '').join(','), timelineOf(l.values)]),
      );
    }
    ctx.metrics.observe('autoprof_query_duration_seconds', (performance.now() - started) / 1000, {
      route: 'render',
    });
    return body;
  };
  for (const path of ['/pyroscope/render', '/render']) {
    app.get(path, async (req) => render(queryParams(req), authorize(ctx, req, 'read')));
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
      return ctx.store.labelValues(tenant, q.label, matchers, readRange(q.from, q.until));
    });
  }
}

/** selectorMatchers reads a query for label listing: a full render query or bare matchers. */
function selectorMatchers(query: string) {
  const { head, matchers } = parseSelector(query);
  if (head === '') return matchers;
  const resolved = resolveQuery(query);
  return [...resolved.matchers, { name: '__profile_type__', op: '=' as const, value: resolved.profileType }];
}

/** readRange reads from/until; the default is the last hour. */
export function readRange(from: string | undefined, until: string | undefined): TimeRange {
  const now = Date.now() * 1e6;
  const startNanos = from === undefined ? now - 3600e9 : parseTimeParam(from, now);
  const endNanos = until === undefined ? now : parseTimeParam(until, now);
  if (startNanos === undefined) throw new HttpError(400, `bad 'from': ${from}`);
  if (endNanos === undefined) throw new HttpError(400, `bad 'until': ${until}`);
  if (endNanos <= startNanos) throw new HttpError(400, "'until' must be after 'from'");
  return { startNanos, endNanos };
}
