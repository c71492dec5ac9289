import type { FastifyRequest } from 'fastify';
import { type AccessOptions, checkToken, tenantForToken } from './access.js';
import type { SourceIndex } from './diagnosis/source-index.js';
import type { DiskFullState } from './disk-full.js';
import type { DecodePool } from './ingest/decode-pool.js';
import type { IngestAdmission } from './ingest/ingest-admission.js';
import type { IngestDedup } from './ingest/ingest-dedup.js';
import type { MetricsRegistry } from './metrics.js';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from './query/query-limits.js';
import type { RateLimiter } from './rate-limit.js';
import type { SeriesCap } from './series-cap.js';
import type { ProfileStore } from './store/types.js';
import type { TenantCap } from './tenant-cap.js';

/** ServerContext is what every route module gets: the store and the server-wide policies. */
export interface ServerContext {
  store: ProfileStore;
  metrics: MetricsRegistry;
  access: AccessOptions;
  maxBodyBytes: number;
  maxDecompressedBytes: number;
  /** admission bounds ingest work in requests and bytes (503 + Retry-After beyond); none: unbounded. */
  admission?: IngestAdmission;
  /** diskFull: the store ran out of space (ingest 503, /readyz not ready) until a write succeeds. */
  diskFull?: DiskFullState;
  /** tenantCap bounds the distinct tenants ingest may create. */
  tenantCap?: TenantCap;
  /** seriesCap bounds the distinct series (label sets) of each tenant. */
  seriesCap?: SeriesCap;
  /** decodePool decodes ingest bodies off the event loop; none: on it. */
  decodePool?: DecodePool;
  /** dedup answers a retried ingest without storing it twice (ingest-dedup.ts). */
  dedup?: IngestDedup;
  /** queryLimits bound ranges, points, series and nodes; none: DEFAULT_QUERY_LIMITS. */
  queryLimits?: QueryLimits;
  rateLimiter?: RateLimiter;
  /** sourceIndex finds the services' source by function name (diagnosis of stored ranges). */
  sourceIndex?: SourceIndex;
}

/** HttpError is any error with the status it should be answered with. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** authorize checks the token for the kind of request and returns the tenant. */
export function authorize(ctx: ServerContext, req: FastifyRequest, kind: 'ingest' | 'read'): string {
  const token = checkToken(
    req.headers.authorization,
    kind === 'ingest' ? ctx.access.ingestTokens : ctx.access.readTokens,
  );
  const tenant = tenantForToken(token, req.headers['x-scope-orgid'], ctx.access);
  if (kind === 'ingest') ctx.tenantCap?.admit(tenant);
  return tenant;
}

/** bodyBytes returns the raw request body (the server parses every content type as a buffer). */
export function bodyBytes(req: FastifyRequest): Uint8Array {
  const b = req.body;
  if (b instanceof Uint8Array) return b;
  return new Uint8Array(0);
}

/** queryParams flattens the query string to single strings (the last value of repeats wins). */
export function queryParams(req: FastifyRequest): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries((req.query ?? {}) as Record<string, unknown>)) {
    out[k] = Array.isArray(v) ? String(v[v.length - 1]) : v === undefined ? undefined : String(v);
  }
  return out;
}

/** queryLimitsOf: the server's query limits, or the defaults for a context built without them. */
export function queryLimitsOf(ctx: ServerContext): QueryLimits {
  return ctx.queryLimits ?? DEFAULT_QUERY_LIMITS;
}
