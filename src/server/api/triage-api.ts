import type { FastifyInstance } from 'fastify';
import type { AnomalyRuntime } from '../anomaly/runtime.js';
import { authorize, HttpError, queryParams, type ServerContext } from '../context.js';
import { fleetTop, TOP_KINDS } from '../triage/fleet-top.js';
import { triageFleet } from '../triage/fleet-triage.js';
import { readRange } from './pyroscope-query.js';

/**
 * Fleet views under /api/v1 (JSON; shares in percent, times Unix seconds):
 *
 *   GET /api/v1/triage?from=&until=          -> {from, until, services: [ServiceTriage]} every
 *                                               service of the tenant, worst first (see
 *                                               triage/fleet-triage.ts); default the last hour
 *   GET /api/v1/top?type=cpu|alloc|mutex&from=&until=&limit=
 *                                            -> {type, from, until, functions: [FleetTopRow]}
 *                                               the hottest functions fleet-wide, with service
 */
export function registerTriageRoutes(app: FastifyInstance, ctx: ServerContext, rt: AnomalyRuntime): void {
  app.get('/api/v1/triage', async (req) => {
    const tenant = authorize(ctx, req, 'read');
    const q = queryParams(req);
    const range = readRange(q.from, q.until);
    const services = await triageFleet(ctx.store, tenant, range, {
      anomalies: (t, service, from) => rt.state.listAnomalies(t, { service, from }),
      deploys: (t, service) => rt.state.listDeploys(t, { service }),
      versionLabels: rt.config.versionLabels,
      sourceIndex: ctx.sourceIndex,
    });
    return { from: range.startNanos / 1e9, until: range.endNanos / 1e9, services };
  });

  app.get('/api/v1/top', async (req) => {
    const tenant = authorize(ctx, req, 'read');
    const q = queryParams(req);
    const type = q.type ?? 'cpu';
    const kind = TOP_KINDS[type];
    if (!kind) throw new HttpError(400, `bad 'type': ${type} (choose ${Object.keys(TOP_KINDS).join(', ')})`);
    const limit = q.limit === undefined ? 20 : Number(q.limit);
    if (!Number.isInteger(limit) || limit <= 0 || limit > 1000) throw new HttpError(400, "bad 'limit'");
    const range = readRange(q.from, q.until);
    const functions = await fleetTop(ctx.store, tenant, kind, range, limit);
    return { type, from: range.startNanos / 1e9, until: range.endNanos / 1e9, functions };
  });
}
