import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { functionShares } from '../../analysis/function-shares.js';
import { diffProfiles } from '../../analysis/profile-diff.js';
import {
  diffFlameNodes,
  type FlameLevels,
  flameNodeFromCallTree,
  toLevels,
} from '../../flamegraph/levels.js';
import { profileLevels } from '../../flamegraph/profile-levels.js';
import { exportToSpeedscope } from '../../formats/speedscope/export-file.js';
import type { Profile } from '../../model/profile.js';
import { buildCallTree } from '../../model/tree.js';
import { encodeFlameWire } from '../../ui/flame-wire.js';
import { authorize, HttpError, queryParams, type ServerContext } from '../context.js';
import { resolveQuery, timelineStepNanos } from '../query/resolve-query.js';
import type { SelectQuery, TimeRange } from '../store/types.js';
import { readRange } from './pyroscope-query.js';

/**
 * The JSON the web UI (src/ui) reads, shaped for drawing rather than for Pyroscope compatibility:
 *
 *   GET /api/v1/flamegraph?query=&from=&until=&maxNodes=
 *       -> {query, profileType, unit, total, flame: FlameWire (see ui/flame-wire.ts: FlameLevels as
 *          gap-encoded integers in a common unit; root named 'total'), nodes: nodes before the
 *          budget, truncated,
 *          top: [{name, file, self, total}] every function (recursion counted once in total),
 *          timeline: {startMs, stepMs, values: one sum per step}}
 *   GET /api/v1/diff?baseQuery=&baseFrom=&baseUntil=&headQuery=&headFrom=&headUntil=&maxNodes=
 *       -> {unit, base: {total}, head: {total}, datasets: {relative, absolute} (diff FlameLevels),
 *          changes: autoprof.diff's ProfileDiff (regressions, improvements, new/removed hotspots)}
 *       each side falls back to `query`, `from`, `until`.
 *   GET /api/v1/export/speedscope?query=&from=&until=
 *       -> the merged range as a speedscope file (what /speedscope/#profileURL= loads)
 *
 * Times take every form `from`/`until` take elsewhere. A range longer than MAX_RANGE_DAYS is
 * a 413 "query too large": merging it would hold one request for minutes. Answers are gzipped
 * when the client accepts it (a 100k-node flame graph is ~1.4 MB of JSON, ~0.45 MB gzipped).
 */
export function registerUiApiRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/api/v1/flamegraph', async (req, reply) => {
    const tenant = authorize(ctx, req, 'read');
    const q = queryParams(req);
    const select = readSelect(q.query, q.from, q.until);
    const maxNodes = readMaxNodes(q.maxNodes);
    const started = performance.now();
    const stepNanos = timelineStepNanos(select.startNanos, select.endNanos);
    const [profile, lines] = await Promise.all([
      ctx.store.mergeRange(tenant, select),
      ctx.store.timeline(tenant, { ...select, stepNanos }),
    ]);
    const buckets = Math.max(1, Math.ceil((select.endNanos - select.startNanos) / stepNanos));
    const values = new Array<number>(buckets).fill(0);
    for (const line of lines) for (let i = 0; i < buckets; i++) values[i] += line.values[i] ?? 0;
    const { levels, nodes } = profileLevels(profile, { maxNodes, rootName: 'total' });
    const shares = functionShares(profile, 0);
    const top = [...shares.functions.values()]
      .sort((a, b) => b.self - a.self || b.total - a.total)
      .map((f) => ({ name: f.name, file: f.file, self: f.self, total: f.total }));
    ctx.metrics.observe('autoprof_query_duration_seconds', (performance.now() - started) / 1000, {
      route: 'ui-flamegraph',
    });
    return sendJson(req, reply, {
      query: q.query,
      profileType: select.profileType,
      unit: profile.sampleTypes[0]?.unit ?? unitOf(select.profileType),
      total: shares.total,
      flame: encodeFlameWire(levels),
      nodes,
      truncated: nodes > countNodes(levels),
      top,
      timeline: { startMs: select.startNanos / 1e6, stepMs: stepNanos / 1e6, values },
    });
  });

  app.get('/api/v1/diff', async (req, reply) => {
    const tenant = authorize(ctx, req, 'read');
    const q = queryParams(req);
    const base = readSelect(q.baseQuery ?? q.query, q.baseFrom ?? q.from, q.baseUntil ?? q.until);
    const head = readSelect(q.headQuery ?? q.query, q.headFrom ?? q.from, q.headUntil ?? q.until);
    const [b, h] = await Promise.all([
      ctx.store.mergeRange(tenant, base),
      ctx.store.mergeRange(tenant, head),
    ]);
    const maxNodes = readMaxNodes(q.maxNodes);
    const node = (p: Profile) => {
      const root = flameNodeFromCallTree(buildCallTree(p).root, 0);
      root.name = 'total';
      return root;
    };
    const baseRoot = node(b);
    const headRoot = node(h);
    const datasets: Record<string, FlameLevels> = {};
    for (const mode of ['relative', 'absolute'] as const) {
      datasets[mode] = toLevels(diffFlameNodes(baseRoot, headRoot, mode), { maxNodes });
    }
    const empty = b.samples.length === 0 || h.samples.length === 0;
    return sendJson(req, reply, {
      unit: h.sampleTypes[0]?.unit ?? b.sampleTypes[0]?.unit ?? unitOf(head.profileType),
      base: { total: baseRoot.total, query: q.baseQuery ?? q.query },
      head: { total: headRoot.total, query: q.headQuery ?? q.query },
      datasets,
      // diffProfiles needs samples on both sides; an empty side is the UI's "no data" state.
      changes: empty ? null : diffProfiles([b], [h]),
    });
  });

  app.get('/api/v1/export/speedscope', async (req, reply) => {
    const tenant = authorize(ctx, req, 'read');
    const q = queryParams(req);
    const profile = await ctx.store.mergeRange(tenant, readSelect(q.query, q.from, q.until));
    profile.name ??= q.query;
    reply.header('content-disposition', 'attachment; filename="profile.speedscope.json"');
    return sendJson(req, reply, exportToSpeedscope(profile));
  });
}

/** MAX_RANGE_DAYS bounds one query; longer ranges are answered 413 so the UI says "too large". */
export const MAX_RANGE_DAYS = 31;
const MAX_NODES_LIMIT = 1_000_000;

function readSelect(
  query: string | undefined,
  from: string | undefined,
  until: string | undefined,
): SelectQuery {
  if (!query) throw new HttpError(400, "missing 'query'");
  const { profileType, matchers } = resolveQuery(query);
  const range: TimeRange = readRange(from, until);
  if (range.endNanos - range.startNanos > MAX_RANGE_DAYS * 86400e9) {
    throw new HttpError(413, `query too large: ranges are limited to ${MAX_RANGE_DAYS} days`);
  }
  return { profileType, matchers, ...range };
}

function readMaxNodes(text: string | undefined): number {
  if (text === undefined || text === '') return 100_000;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new HttpError(400, `bad 'maxNodes': ${text}`);
  if (n > MAX_NODES_LIMIT)
    throw new HttpError(413, `query too large: maxNodes is limited to ${MAX_NODES_LIMIT}`);
  return n;
}

const gzipAsync = promisify(gzip);

/**
 * sendJson answers JSON, gzipped when the client accepts it and the body is worth it. Level 4:
 * on flame graph JSON it is within 5% of level 6's size in a fifth of the time (20 ms a MB).
 */
async function sendJson(req: FastifyRequest, reply: FastifyReply, body: unknown): Promise<FastifyReply> {
  const text = JSON.stringify(body);
  reply.type('application/json; charset=utf-8').header('vary', 'accept-encoding');
  const accepts = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  if (!accepts || text.length < 1024) return reply.send(text);
  const zipped = await gzipAsync(Buffer.from(text), { level: 4 });
  return reply.header('content-encoding', 'gzip').send(zipped);
}

function countNodes(levels: FlameLevels): number {
  const stride = levels.diff ? 6 : 4;
  return levels.levels.reduce((sum, row) => sum + row.length / stride, 0);
}

/** unitOf reads the sample unit from a profile type ID, for an empty range with no sample types. */
function unitOf(profileType: string): string {
  return profileType.split(':')[2] ?? '';
}
