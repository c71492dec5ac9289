import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authorize, bodyBytes, HttpError, queryParams, type ServerContext } from '../context.js';
import { decodeIngest } from '../ingest/ingest-request.js';
import { StoreBusyError } from '../store/store-busy.js';
import type { ProfileWrite } from '../store/types.js';

/**
 * Ingest routes, Pyroscope-compatible:
 * - `POST /ingest` and `POST /pyroscope/ingest`: the legacy API (see ingest-request.ts);
 * (`push.v1.PusherService/Push` is served by the Connect layer, server/connect/, through ingestWrites.)
 * A 200 means the profiles are durable in the store.
 */
export function registerIngestRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const legacy = async (req: FastifyRequest) => {
    return ingest(ctx, req, 'ingest', (body) =>
      decodeIngest({
        query: queryParams(req),
        contentType: req.headers['content-type'],
        body,
        maxDecompressedBytes: ctx.maxDecompressedBytes,
      }),
    );
  };
  app.post('/ingest', async (req, reply) => {
    await legacy(req);
    return reply.code(200).send('');
  });
  app.post('/pyroscope/ingest', async (req, reply) => {
    await legacy(req);
    return reply.code(200).send('');
  });
}

async function ingest(
  ctx: ServerContext,
  req: FastifyRequest,
  route: string,
  decode: (body: Uint8Array) => ProfileWrite[],
): Promise<void> {
  const tenant = authorize(ctx, req, 'ingest');
  const body = bodyBytes(req);
  await ingestWrites(ctx, tenant, route, body.length, () => decode(body));
}

/**
 * ingestWrites is the one ingest path of every route: rate limit, decode, durable write and
 * metrics. `receivedBytes` is what the request carried (for the rate limit and the byte counter).
 */
export async function ingestWrites(
  ctx: ServerContext,
  tenant: string,
  route: string,
  receivedBytes: number,
  decode: () => ProfileWrite[],
): Promise<void> {
  const started = performance.now();
  ctx.metrics.inc('autoprof_ingest_received_bytes_total', { route }, receivedBytes);
  try {
    const wait = ctx.rateLimiter?.take(tenant, receivedBytes) ?? 0;
    if (wait > 0) {
      throw new HttpError(429, `tenant '${tenant}' is over its ingest rate limit`, {
        'retry-after': String(wait),
      });
    }
    const writes = decode();
    if (writes.length > 0) await writeOrBusy(ctx, tenant, writes);
    ctx.metrics.inc('autoprof_ingest_profiles_total', { route }, writes.length);
    ctx.metrics.inc('autoprof_ingest_requests_total', { route, status: '200' });
  } catch (err) {
    const status = (err as { status?: number }).status ?? 500;
    ctx.metrics.inc('autoprof_ingest_requests_total', { route, status: String(status) });
    throw err;
  } finally {
    ctx.metrics.observe('autoprof_ingest_duration_seconds', (performance.now() - started) / 1000, { route });
  }
}

/** writeOrBusy answers a full write queue with 503 + Retry-After, which agents back off on. */
async function writeOrBusy(ctx: ServerContext, tenant: string, writes: ProfileWrite[]): Promise<void> {
  try {
    await ctx.store.write(tenant, writes);
  } catch (err) {
    if (err instanceof StoreBusyError) {
      throw new HttpError(503, `server busy: ${err.message}`, {
        'retry-after': String(err.retryAfterSeconds),
      });
    }
    throw err;
  }
}
