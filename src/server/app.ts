import Fastify, { type FastifyInstance } from 'fastify';
import { AccessError } from './access.js';
import type { AnomalyConfigInput } from './anomaly/config.js';
import { registerAnomalyRoutes } from './api/anomaly-api.js';
import { registerAutoprofApiRoutes } from './api/autoprof-api.js';
import { registerIngestRoutes } from './api/ingest.js';
import { registerPyroscopeQueryRoutes } from './api/pyroscope-query.js';
import { registerQuerierRoutes } from './api/querier.js';
import { registerTriageRoutes } from './api/triage-api.js';
import { registerUiApiRoutes } from './api/ui-api.js';
import { registerUiRoutes } from './api/ui-routes.js';
import { HttpError, type ServerContext } from './context.js';
import { SourceIndex } from './diagnosis/source-index.js';
import { IngestError } from './ingest/ingest-request.js';
import { MetricsRegistry } from './metrics.js';
import { QueryError } from './query/resolve-query.js';
import { RateLimiter } from './rate-limit.js';
import { SelectorSyntaxError } from './store/label-matchers.js';
import type { ProfileStore } from './store/types.js';

/** ServerOptions configure buildServer; every limit has a default fit for one machine. */
export interface ServerOptions {
  store: ProfileStore;
  /** maxBodyBytes caps a request body (413 beyond); default 64 MiB. */
  maxBodyBytes?: number;
  /** maxDecompressedBytes caps each gunzip inside a request (413 beyond); default 256 MiB. */
  maxDecompressedBytes?: number;
  ingestTokens?: string[];
  readTokens?: string[];
  /** ingestBytesPerSecond enables the per-tenant rate limit (burst: `ingestBurstBytes`, default 4 s). */
  ingestBytesPerSecond?: number;
  ingestBurstBytes?: number;
  logger?: boolean;
  /** anomaly configures the continuous analysis (baselines, detection job, alerts); see anomaly/config.ts. */
  anomaly?: AnomalyConfigInput;
  /** sourceRoots: directories holding the services' source, read by the diagnosis of stored ranges. */
  sourceRoots?: string[];
}

/**
 * buildServer wires the routes to a store. Every body is read as raw bytes (ingest formats are
 * binary, and the Connect JSON routes parse their own), capped at `maxBodyBytes`. Errors become
 * `{code, message}` JSON with the status their kind deserves; a bad request never stops serving.
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
  const metrics = new MetricsRegistry();
  // stats() fails while a remote engine is down; /metrics must still answer (NaN for those).
  const statsOrUndefined = () => options.store.stats().catch(() => undefined);
  metrics.counter('autoprof_ingest_requests_total', 'Ingest requests by route and status.');
  metrics.counter('autoprof_ingest_received_bytes_total', 'Request body bytes received by ingest routes.');
  metrics.counter('autoprof_ingest_profiles_total', 'Series profiles written by ingest.');
  metrics.histogram('autoprof_ingest_duration_seconds', 'Ingest request latency, decode and durable write.');
  metrics.histogram('autoprof_query_duration_seconds', 'Query latency by route.');
  metrics.gauge(
    'autoprof_store_bytes',
    'Bytes the store occupies on disk.',
    async () => (await statsOrUndefined())?.bytesOnDisk ?? Number.NaN,
  );
  metrics.gauge(
    'autoprof_store_profiles',
    'Profiles held by the store.',
    async () => (await statsOrUndefined())?.profiles ?? Number.NaN,
  );
  metrics.gauge(
    'autoprof_store_series',
    'Series held by the store.',
    async () => (await statsOrUndefined())?.series ?? Number.NaN,
  );
  const health = () => options.store.health?.();
  if (options.store.health) {
    metrics.gauge(
      'autoprof_store_up',
      'Whether the storage engine accepts writes now (1) or ingest is buffered (0).',
      () => (health()?.state === 'ok' ? 1 : 0),
    );
    metrics.gauge(
      'autoprof_store_buffered_bytes',
      'Ingest held in memory while the engine is unavailable.',
      () => health()?.bufferedBytes ?? 0,
    );
    metrics.gauge(
      'autoprof_store_buffered_profiles',
      'Profiles held in memory while the engine is unavailable.',
      () => health()?.bufferedProfiles ?? 0,
    );
    metrics.gauge(
      'autoprof_store_buffer_limit_bytes',
      'Size of the ingest buffer; ingest answers 503 when it is full.',
      () => health()?.maxBufferBytes ?? 0,
    );
    metrics.gauge(
      'autoprof_store_flush_failures_total',
      'Failed flushes to the storage engine.',
      () => health()?.flushFailures ?? 0,
    );
    metrics.gauge(
      'autoprof_store_rejected_profiles_total',
      'Profiles refused because the buffer was full.',
      () => health()?.rejectedProfiles ?? 0,
    );
  }
  const ctx: ServerContext = {
    store: options.store,
    metrics,
    access: { ingestTokens: options.ingestTokens, readTokens: options.readTokens },
    maxBodyBytes,
    maxDecompressedBytes: options.maxDecompressedBytes ?? 256 * 1024 * 1024,
    rateLimiter:
      options.ingestBytesPerSecond && options.ingestBytesPerSecond > 0
        ? new RateLimiter(
            options.ingestBytesPerSecond,
            options.ingestBurstBytes ?? options.ingestBytesPerSecond * 4,
          )
        : undefined,
    sourceIndex: options.sourceRoots?.length ? new SourceIndex(options.sourceRoots) : undefined,
  };

  const app = Fastify({ logger: options.logger ?? false, bodyLimit: maxBodyBytes });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBodyBytes }, (_req, body, done) => {
    done(null, body);
  });

  app.setErrorHandler((err, req, reply) => {
    const { status, message, headers } = classifyError(err);
    if (status >= 500) req.log.error(err);
    reply.code(status).headers(headers).type('application/json').send({ code: status, message });
  });

  app.get('/healthz', async () => 'ok\n');
  app.get('/readyz', async (_req, reply) => {
    // A remote store answers from its own health first: stats() fails while the engine is down,
    // yet ingest is still accepted into the buffer until it fills.
    const health = options.store.health?.();
    if (health)
      return health.ready
        ? `ready: ${health.message}\n`
        : reply.code(503).send(`not ready: ${health.message}\n`);
    try {
      await options.store.stats();
      return 'ready\n';
    } catch (err) {
      return reply.code(503).send(`not ready: ${(err as Error).message}\n`);
    }
  });
  app.get('/metrics', async (_req, reply) =>
    reply.type('text/plain; version=0.0.4').send(await metrics.render()),
  );

  registerIngestRoutes(app, ctx);
  registerPyroscopeQueryRoutes(app, ctx);
  registerQuerierRoutes(app, ctx);
  registerAutoprofApiRoutes(app, ctx);
  registerUiApiRoutes(app, ctx);
  registerUiRoutes(app, ctx);
  const anomalyRuntime = await registerAnomalyRoutes(app, ctx, options.anomaly);
  registerTriageRoutes(app, ctx, anomalyRuntime);
  return app;
}

function classifyError(err: unknown): { status: number; message: string; headers: Record<string, string> } {
  const message = (err as Error)?.message ?? String(err);
  if (err instanceof HttpError) return { status: err.status, message, headers: err.headers };
  if (err instanceof IngestError || err instanceof AccessError)
    return { status: err.status, message, headers: {} };
  if (err instanceof QueryError || err instanceof SelectorSyntaxError)
    return { status: 400, message, headers: {} };
  const statusCode = (err as { statusCode?: number })?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return { status: statusCode, message, headers: {} };
  }
  return { status: 500, message: 'internal error', headers: {} };
}
