import type { FastifyInstance } from 'fastify';
import { exportToPprof } from '../../formats/pprof.js';
import { explainServerFindings } from '../../llm/explain-server.js';
import { authorize, HttpError, queryParams, type ServerContext } from '../context.js';
import { diagnoseStoredService } from '../diagnosis/stored-diagnosis.js';
import { resolveQuery } from '../query/resolve-query.js';
import { SERVICE_NAME_LABEL } from '../store/types.js';
import { readRange } from './pyroscope-query.js';

/**
 * autoprof's own read API under /api/v1 (JSON unless said otherwise):
 *
 *   GET /api/v1/services?from=&until=        -> {services: [{name, profileTypes: [...]}]}
 *   GET /api/v1/profile-types?from=&until=   -> {profileTypes: [...]}
 *   GET /api/v1/export?query=&from=&until=   -> the merged profile as gzipped pprof
 *                                               (application/octet-stream; `go tool pprof` opens it)
 *   GET /api/v1/findings?query=&from=&until= -> {query, from, until, profileType, classification,
 *                                               findings, profileTypes, runtimes, unchecked}:
 *                                               the run analysis (patterns and detectors) over
 *                                               every sample kind of the selected series, the
 *                                               classification from the profiles' own durations,
 *                                               and `unchecked` patterns needing run-only evidence;
 *                                               with &explain=true (or none|openai|endpoint) also
 *                                               `explanation` (autoprof.explanation/v1), provider
 *                                               from the server's environment
 */
export function registerAutoprofApiRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/api/v1/services', async (req) => {
    const tenant = authorize(ctx, req, 'read');
    const q = queryParams(req);
    const range = q.from || q.until ? readRange(q.from, q.until) : undefined;
    const series = await ctx.store.series(tenant, [], range);
    const byService = new Map<string, Set<string>>();
    for (const s of series) {
      const name = s[SERVICE_NAME_LABEL] ?? '';
      let types = byService.get(name);
      if (!types) {
        types = new Set();
        byService.set(name, types);
      }
      types.add(s.__profile_type__);
    }
    return {
      services: [...byService]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, types]) => ({ name, profileTypes: [...types].sort() })),
    };
  });

  app.get('/api/v1/profile-types', async (req) => {
    const tenant = authorize(ctx, req, 'read');
    const q = queryParams(req);
    const range = q.from || q.until ? readRange(q.from, q.until) : undefined;
    return { profileTypes: await ctx.store.profileTypes(tenant, range) };
  });

  app.get('/api/v1/export', async (req, reply) => {
    const tenant = authorize(ctx, req, 'read');
    const q = queryParams(req);
    if (!q.query) throw new HttpError(400, "missing 'query'");
    const { profileType, matchers } = resolveQuery(q.query);
    const profile = await ctx.store.mergeRange(tenant, {
      profileType,
      matchers,
      ...readRange(q.from, q.until),
    });
    return reply
      .type('application/octet-stream')
      .header('content-disposition', 'attachment; filename="profile.pb.gz"')
      .send(Buffer.from(exportToPprof(profile)));
  });

  app.get('/api/v1/findings', async (req) => {
    const tenant = authorize(ctx, req, 'read');
    const q = queryParams(req);
    if (!q.query) throw new HttpError(400, "missing 'query'");
    const { profileType, matchers } = resolveQuery(q.query);
    const range = readRange(q.from, q.until);
    // Every sample kind the selected series have (CPU, wall, alloc, heap, lock) is diagnosed
    // together, as `autoprof run` does with its artifacts; the query's type names the series.
    const diagnosis = await diagnoseStoredService(ctx.store, tenant, matchers, range, ctx.sourceIndex);
    const { views: _views, ...doc } = diagnosis;
    const explanation = q.explain
      ? await explainServerFindings(
          diagnosis,
          await ctx.store.mergeRange(tenant, { profileType, matchers, ...range }),
          q.explain,
        )
      : undefined;
    return { query: q.query, ...range, profileType, ...doc, ...(explanation ? { explanation } : {}) };
  });
}
