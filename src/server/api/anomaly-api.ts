import type { FastifyInstance } from 'fastify';
import { AlertPayloadError, answerAlerts, parseAlertmanagerPayload } from '../anomaly/alertmanager.js';
import type { AnomalyConfigInput } from '../anomaly/config.js';
import { DeployEventError, parseDeployEvent, parseEventTime } from '../anomaly/deploys.js';
import { observeWrites } from '../anomaly/observe-writes.js';
import { type AnomalyRuntime, createAnomalyRuntime } from '../anomaly/runtime.js';
import { authorize, bodyBytes, HttpError, queryParams, type ServerContext } from '../context.js';

/**
 * Continuous analysis under /api/v1 (JSON; times are Unix seconds unless said otherwise):
 *
 *   POST /api/v1/events             {service, version | git_sha, time?, labels?} -> 201 the DeployEvent
 *   GET  /api/v1/events?service=&from=&until=    -> {events: [...]}
 *   GET  /api/v1/anomalies?service=&from=&until=&limit=  -> {anomalies: [...]} newest first
 *   GET  /api/v1/anomalies/:id      -> the Anomaly (see anomaly/anomaly.ts), 404 when unknown
 *   POST /api/v1/anomalies/detect?now=           -> {results: [JobResult]}: run a detection pass now
 *                                      (default the clock); it also covers history written since
 *                                      the last pass however old (a backfill), up to baselineDays of it
 *   POST /api/v1/alertmanager       Alertmanager webhook (payload version 4) -> {reports: [AlertReport]};
 *                                      each firing alert answered with a root-cause report and forwarded
 *
 * Writes (events, detect, the webhook) take an ingest token; reads a read token. Without an
 * `anomaly` section the periodic job stays off (the routes still work): a library user or a test
 * building a server should not get a timer it did not ask for.
 */
export async function registerAnomalyRoutes(
  app: FastifyInstance,
  ctx: ServerContext,
  input: AnomalyConfigInput | undefined,
): Promise<AnomalyRuntime> {
  const rt = await createAnomalyRuntime(ctx.store, input ?? { enabled: false }, (err) => app.log.error(err));
  app.addHook('onClose', async () => {
    await rt.close();
  });
  // Ingest writes through ctx.store: every batch tells the job which times it covers, so
  // history pushed after the fact is analysed by the next pass (the timer's or a POST detect).
  ctx.store = observeWrites(ctx.store, (tenant, profiles) => rt.job.noteWrites(tenant, profiles));

  app.post('/api/v1/events', async (req, reply) => {
    const tenant = authorize(ctx, req, 'ingest');
    let event: ReturnType<typeof parseDeployEvent>;
    try {
      event = parseDeployEvent(jsonBody(req), Date.now() / 1000);
    } catch (err) {
      if (err instanceof DeployEventError) throw new HttpError(400, err.message);
      throw err;
    }
    await rt.state.addDeploy(tenant, event);
    return reply.code(201).send(event);
  });

  app.get('/api/v1/events', async (req) => {
    const tenant = authorize(ctx, req, 'read');
    const q = queryParams(req);
    return { events: await rt.state.listDeploys(tenant, { service: q.service, ...timeFilter(q) }) };
  });

  app.get('/api/v1/anomalies', async (req) => {
    const tenant = authorize(ctx, req, 'read');
    const q = queryParams(req);
    const limit = q.limit ? Number(q.limit) : undefined;
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
      throw new HttpError(400, "bad 'limit'");
    return {
      anomalies: await rt.state.listAnomalies(tenant, { service: q.service, ...timeFilter(q), limit }),
    };
  });

  app.get('/api/v1/anomalies/:id', async (req) => {
    const tenant = authorize(ctx, req, 'read');
    const anomaly = await rt.state.getAnomaly(tenant, (req.params as { id: string }).id);
    if (!anomaly) throw new HttpError(404, 'no such anomaly');
    return anomaly;
  });

  app.post('/api/v1/anomalies/detect', async (req) => {
    const tenant = authorize(ctx, req, 'ingest');
    const q = queryParams(req);
    const now = q.now ? timeParam(q.now, 'now') : Date.now() / 1000;
    return { results: await rt.job.runOnce(now * 1e9, [tenant]) };
  });

  app.post('/api/v1/alertmanager', async (req) => {
    const tenant = authorize(ctx, req, 'ingest');
    try {
      return { reports: await answerAlerts(rt, tenant, parseAlertmanagerPayload(jsonBody(req))) };
    } catch (err) {
      if (err instanceof AlertPayloadError) throw new HttpError(400, err.message);
      throw err;
    }
  });
  return rt;
}

function jsonBody(req: Parameters<typeof bodyBytes>[0]): unknown {
  try {
    return JSON.parse(Buffer.from(bodyBytes(req)).toString('utf8'));
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
}

function timeParam(value: string, name: string): number {
  try {
    return parseEventTime(value, Date.now() / 1000);
  } catch {
    throw new HttpError(400, `bad '${name}': ${value}`);
  }
}

function timeFilter(q: Record<string, string | undefined>): { from?: number; until?: number } {
  return {
    from: q.from ? timeParam(q.from, 'from') : undefined,
    until: q.until ? timeParam(q.until, 'until') : undefined,
  };
}
