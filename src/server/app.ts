import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { DeadlineExceededError } from '../model/work-deadline.js';
import { AccessError } from './access.js';
import type { AnomalyConfigInput } from './anomaly/config.js';
import { registerAnomalyRoutes } from './api/anomaly-api.js';
import { registerAutoprofApiRoutes } from './api/autoprof-api.js';
import { registerIngestRoutes } from './api/ingest.js';
import { registerPyroscopeQueryRoutes } from './api/pyroscope-query.js';
import { registerTriageRoutes } from './api/triage-api.js';
import { registerUiApiRoutes } from './api/ui-api.js';
import { registerUiRoutes } from './api/ui-routes.js';
import { limitConnectionsPerClient } from './client-connections.js';
import { registerConnectRoutes } from './connect/connect-routes.js';
import { attachGrpcListener } from './connect/grpc-listener.js';
import { HttpError, type ServerContext } from './context.js';
import { SourceIndex } from './diagnosis/source-index.js';
import { DiskFullState } from './disk-full.js';
import { DecodePool } from './ingest/decode-pool.js';
import { IngestAdmission } from './ingest/ingest-admission.js';
import { IngestDedup } from './ingest/ingest-dedup.js';
import { IngestError } from './ingest/ingest-request.js';
import { MetricsRegistry } from './metrics.js';
import { enforceMinTransferRate } from './min-transfer-rate.js';
import { applyQueryDeadlines, DEADLINE_RETRY_AFTER_SECONDS } from './query/query-deadline-routes.js';
import { DEFAULT_QUERY_LIMITS, QueryLimitError, type QueryLimits } from './query/query-limits.js';
import { QueryError } from './query/resolve-query.js';
import { RateLimiter } from './rate-limit.js';
import { crossOriginWrite, hostAllowed } from './request-origin.js';
import { SeriesCap } from './series-cap.js';
import { SelectorSyntaxError } from './store/label-matchers.js';
import { UserRegexError } from './store/safe-regex.js';
import { StoreBusyError } from './store/store-busy.js';
import type { ProfileStore } from './store/types.js';
import { TenantCap } from './tenant-cap.js';

/** ServerOptions configure buildServer; every limit has a default fit for one machine. */
export interface ServerOptions {
  store: ProfileStore;
  /** maxBodyBytes caps a request body (413 beyond); default 64 MiB. */
  maxBodyBytes?: number;
  /** maxDecompressedBytes caps each gunzip inside a request (413 beyond); default 8 MiB. */
  maxDecompressedBytes?: number;
  /** maxInflightBytes bounds ingest bodies + decode memory held at once (503 beyond); default 512 MiB. */
  maxInflightBytes?: number;
  /** maxConcurrentIngests bounds ingest requests being read, decoded or written (503 beyond); default 64. */
  maxConcurrentIngests?: number;
  /** requestTimeoutMs: a request (headers and body) must arrive within this; default 60 s. */
  requestTimeoutMs?: number;
  /** headersTimeoutMs: the headers must arrive within this; default 10 s. */
  headersTimeoutMs?: number;
  /** idleTimeoutMs closes a connection that sends nothing for this long; default 30 s. */
  idleTimeoutMs?: number;
  /** maxConnectionsPerClient caps open connections per client address; default 128. */
  maxConnectionsPerClient?: number;
  /** minBodyBytesPerSecond: a body slower than this on average after 5 s is cut; default 1 KiB/s, 0 = off. */
  minBodyBytesPerSecond?: number;
  /** allowedHosts: Host names accepted besides IP literals and localhost when no tokens are set. */
  allowedHosts?: string[];
  /** queryLimits bound what one query may ask for (query/query-limits.ts). */
  queryLimits?: Partial<QueryLimits>;
  ingestTokens?: string[];
  readTokens?: string[];
  /** tokenTenants binds tokens to the tenants they may use (access.ts); unbound tokens use any. */
  tokenTenants?: Record<string, string[]>;
  /** maxTenants bounds the distinct tenants ingest creates (429 beyond); default 1000. */
  maxTenants?: number;
  /**
   * decodeWorkers: threads that decode ingest bodies off the event loop (each heap bounded to
   * 1 GiB); default 0, decoding on the loop: on 2 cores it did not lower the worst /healthz.
   */
  decodeWorkers?: number;
  /** maxSeriesPerTenant bounds the distinct label sets of each tenant (429 beyond); default 5000. */
  maxSeriesPerTenant?: number;
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
  const maxDecompressedBytes = options.maxDecompressedBytes ?? 8 * 1024 * 1024;
  const admission = new IngestAdmission({
    // The budget always fits one maximal body, else a legal request could never pass.
    maxInflightBytes: Math.max(options.maxInflightBytes ?? 512 * 1024 * 1024, maxBodyBytes),
    maxConcurrent: options.maxConcurrentIngests ?? 64,
    decodeExpansion: DECODE_EXPANSION,
  });
  const metrics = new MetricsRegistry();
  // stats() fails while a remote engine is down; /metrics must still answer (NaN for those).
  const statsOrUndefined = () => options.store.stats().catch(() => undefined);
  metrics.counter('autoprof_ingest_requests_total', 'Ingest requests by route and status.');
  metrics.counter('autoprof_ingest_received_bytes_total', 'Request body bytes received by ingest routes.');
  metrics.counter('autoprof_ingest_profiles_total', 'Series profiles written by ingest.');
  metrics.counter(
    'autoprof_ingest_duplicates_total',
    'Retried ingest requests answered without a second write.',
  );
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
  metrics.gauge(
    'autoprof_ingest_inflight_requests',
    'Ingest requests admitted and not yet answered.',
    () => admission.inFlight().requests,
  );
  metrics.gauge(
    'autoprof_ingest_inflight_bytes',
    'Bytes of the ingest memory budget held by admitted requests.',
    () => admission.inFlight().bytes,
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
  const diskFull = new DiskFullState();
  const decodeWorkers = options.decodeWorkers ?? 0;
  const ctx: ServerContext = {
    store: options.store,
    metrics,
    access: {
      ingestTokens: options.ingestTokens,
      readTokens: options.readTokens,
      tokenTenants: options.tokenTenants,
    },
    tenantCap: new TenantCap(options.maxTenants ?? 1000),
    seriesCap: new SeriesCap(options.maxSeriesPerTenant ?? 5000),
    decodePool: decodeWorkers > 0 ? new DecodePool(decodeWorkers) : undefined,
    diskFull,
    maxBodyBytes,
    maxDecompressedBytes,
    admission,
    dedup: new IngestDedup(),
    queryLimits: { ...DEFAULT_QUERY_LIMITS, ...options.queryLimits },
    rateLimiter:
      options.ingestBytesPerSecond && options.ingestBytesPerSecond > 0
        ? new RateLimiter(
            options.ingestBytesPerSecond,
            options.ingestBurstBytes ?? options.ingestBytesPerSecond * 4,
          )
        : undefined,
    sourceIndex: options.sourceRoots?.length ? new SourceIndex(options.sourceRoots) : undefined,
  };

  const requestTimeout = options.requestTimeoutMs ?? 60_000;
  // Node refuses a header timeout longer than the request timeout (0 disables the latter).
  const headersTimeout =
    requestTimeout > 0
      ? Math.min(options.headersTimeoutMs ?? 10_000, requestTimeout)
      : (options.headersTimeoutMs ?? 10_000);
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: maxBodyBytes,
    requestTimeout,
    connectionTimeout: options.idleTimeoutMs ?? 30_000,
    // Node checks the header and request timeouts on this interval (30 s by default).
    http: {
      headersTimeout,
      requestTimeout,
      connectionsCheckingInterval: 1000,
    },
  });
  limitConnectionsPerClient(app.server, options.maxConnectionsPerClient ?? 128);
  enforceMinTransferRate(app, options.minBodyBytesPerSecond ?? 1024);
  const tokensConfigured = (options.ingestTokens?.length ?? 0) + (options.readTokens?.length ?? 0) > 0;
  if (!tokensConfigured) {
    const allowedHosts = options.allowedHosts ?? [];
    app.addHook('onRequest', async (req) => {
      if (!hostAllowed(req.headers.host, allowedHosts)) {
        throw new HttpError(403, `host '${req.headers.host ?? ''}' is not allowed (see allowedHosts)`);
      }
      const write = req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS';
      if (write && crossOriginWrite(req.headers as Record<string, string>)) {
        throw new HttpError(403, 'cross-origin writes are refused');
      }
    });
  }
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBodyBytes }, (_req, body, done) => {
    done(null, body);
  });

  app.setErrorHandler((err, req, reply) => {
    const { status, message, headers } = diskFull.noteError(err)
      ? { status: 503, message: 'storage is full', headers: { 'retry-after': '60' } }
      : classifyError(err);
    if (status >= 500) logServerError(req.id, req.method, req.url, status, err);
    // A request refused before its body was read must not keep the socket to drain it.
    if (!req.raw.complete) reply.header('connection', 'close');
    reply.code(status).headers(headers).type('application/json').send({ code: status, message });
  });

  app.get('/healthz', async () => 'ok\n');
  // /ready is Pyroscope's name for the same check (Grafana and profilecli probe it).
  const ready = async (_req: FastifyRequest, reply: FastifyReply) => {
    if (diskFull.full) return reply.code(503).send('not ready: storage is full\n');
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
  };
  app.get('/readyz', ready);
  app.get('/ready', ready);
  app.get('/metrics', async (_req, reply) =>
    reply.type('text/plain; version=0.0.4').send(await metrics.render()),
  );

  applyQueryDeadlines(app, ctx.queryLimits?.timeoutMs ?? 0);
  app.addHook('onClose', async () => ctx.decodePool?.close());
  registerIngestRoutes(app, ctx);
  registerPyroscopeQueryRoutes(app, ctx);
  await registerConnectRoutes(app, ctx);
  attachGrpcListener(app, ctx);
  registerAutoprofApiRoutes(app, ctx);
  registerUiApiRoutes(app, ctx);
  registerUiRoutes(app, ctx);
  const anomalyRuntime = await registerAnomalyRoutes(app, ctx, options.anomaly);
  registerTriageRoutes(app, ctx, anomalyRuntime);
  return app;
}

/**
 * DECODE_EXPANSION: heap bytes a decoded profile costs per decompressed byte; measured 20x (4 MB)
 * to 30x (16 MB) RSS growth for a deep-stack pprof (see ingest-admission.ts). The ingest budget
 * charges it before decoding; with the 8 MiB default cap one request is charged at most 256 MiB.
 */
const DECODE_EXPANSION = 32;

/** logServerError writes every 5xx to stderr with its request id, whether or not logging is on. */
function logServerError(reqId: string, method: string, url: string, status: number, err: unknown): void {
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(
    `${JSON.stringify({ level: 'error', reqId, method, url: url.slice(0, 200), status, error: detail })}\n`,
  );
}

function classifyError(err: unknown): { status: number; message: string; headers: Record<string, string> } {
  const message = (err as Error)?.message ?? String(err);
  if (err instanceof HttpError) return { status: err.status, message, headers: err.headers };
  if (err instanceof DeadlineExceededError) {
    return { status: 503, message, headers: { 'retry-after': String(DEADLINE_RETRY_AFTER_SECONDS) } };
  }
  if (err instanceof StoreBusyError) {
    return {
      status: 503,
      message: `server busy: ${message}`,
      headers: { 'retry-after': String(err.retryAfterSeconds) },
    };
  }
  if (err instanceof QueryLimitError || err instanceof UserRegexError)
    return { status: 400, message, headers: {} };
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
