import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authorize, bodyBytes, HttpError, queryParams, type ServerContext } from '../context.js';
import { type DecodeJob, runDecodeJob } from '../ingest/decode-job.js';
import type { AdmissionTicket } from '../ingest/ingest-admission.js';
import { ingestKey } from '../ingest/ingest-dedup.js';
import { StoreBusyError } from '../store/store-busy.js';
import type { ProfileWrite } from '../store/types.js';

/**
 * Ingest routes, Pyroscope-compatible:
 * - `POST /ingest` and `POST /pyroscope/ingest`: the legacy API (see ingest-request.ts);
 * (`push.v1.PusherService/Push` is served by the Connect layer, server/connect/, through ingestWrites.)
 * A 200 means the profiles are durable in the store.
 *
 * Everything that can refuse a request on its headers runs in `onRequest`, before the body is
 * read: the token, the tenant, the tenant's rate limit (on Content-Length) and admission to the
 * server's ingest budget (ingest-admission.ts). A refused body is never buffered.
 */
export function registerIngestRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const onRequest = async (req: FastifyRequest, reply: FastifyReply) => admitIngest(ctx, req, reply);
  const legacy = async (req: FastifyRequest) => {
    return ingest(ctx, req, 'ingest', (body, chargeDecoded) =>
      decodeOffLoop(
        ctx,
        {
          kind: 'ingest',
          input: {
            query: queryParams(req),
            contentType: req.headers['content-type'],
            body,
            maxDecompressedBytes: ctx.maxDecompressedBytes,
          },
        },
        chargeDecoded,
      ),
    );
  };
  app.post('/ingest', { onRequest }, async (req, reply) => {
    await legacy(req);
    return reply.code(200).send('');
  });
  app.post('/pyroscope/ingest', { onRequest }, async (req, reply) => {
    await legacy(req);
    return reply.code(200).send('');
  });
}

/** Admitted is what onRequest leaves for the handler: the tenant and the budget ticket. */
interface Admitted {
  tenant: string;
  ticket: AdmissionTicket;
}

/** dedupKey: the request's idempotency key, or undefined when it names no time of its own. */
function dedupKey(req: FastifyRequest, tenant: string, route: string, body: Uint8Array): string | undefined {
  const explicit = req.headers['idempotency-key'];
  const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
  if (typeof explicit === 'string' && explicit !== '') {
    return ingestKey({ tenant, route, query: `key=${explicit}`, body: new Uint8Array(0) });
  }
  const timed = route === 'push' || queryParams(req).from !== undefined;
  return timed ? ingestKey({ tenant, route, query, body }) : undefined;
}

const UNBOUNDED_TICKET: AdmissionTicket = { chargeDecoded: () => {}, release: () => {} };

const admittedRequests = new WeakMap<FastifyRequest, Admitted>();

/**
 * admitIngest authorises on headers and reserves the request's share of the ingest budget; it
 * throws (401/403/429/503) before a byte of the body is read. The share is returned when the
 * response closes, whatever way it ends.
 */
export async function admitIngest(
  ctx: ServerContext,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const tenant = authorize(ctx, req, 'ingest');
  const length = Number(req.headers['content-length']);
  const declared = Number.isFinite(length) && length >= 0 ? length : ctx.maxBodyBytes;
  takeIngestRate(ctx, tenant, declared);
  const ticket = ctx.admission?.admit(Math.min(declared, ctx.maxBodyBytes)) ?? UNBOUNDED_TICKET;
  reply.raw.once('close', ticket.release);
  admittedRequests.set(req, { tenant, ticket });
}

/** takeIngestRate charges the tenant's ingest rate limit; over it, 429 with Retry-After. */
export function takeIngestRate(ctx: ServerContext, tenant: string, bytes: number): void {
  const wait = ctx.rateLimiter?.take(tenant, bytes) ?? 0;
  if (wait > 0) {
    throw new HttpError(429, `tenant '${tenant}' is over its ingest rate limit`, {
      'retry-after': String(wait),
    });
  }
}

async function ingest(
  ctx: ServerContext,
  req: FastifyRequest,
  route: string,
  decode: (body: Uint8Array, chargeDecoded: (bytes: number) => void) => Promise<ProfileWrite[]>,
): Promise<void> {
  const admitted = admittedRequests.get(req);
  if (!admitted) throw new Error('ingest route without admission');
  const { tenant, ticket } = admitted;
  const body = bodyBytes(req);
  await ingestWrites(
    ctx,
    tenant,
    route,
    body.length,
    () => decode(body, ticket.chargeDecoded),
    dedupKey(req, tenant, route, body),
  );
}

/**
 * ingestWrites is the one ingest path of every route once a request is admitted: decode, a
 * durable write (once per idempotency key), and metrics. `receivedBytes` is what the request
 * carried, for the byte counter.
 */
export async function ingestWrites(
  ctx: ServerContext,
  tenant: string,
  route: string,
  receivedBytes: number,
  decode: () => Promise<ProfileWrite[]>,
  key?: string,
): Promise<void> {
  const started = performance.now();
  ctx.metrics.inc('autoprof_ingest_received_bytes_total', { route }, receivedBytes);
  try {
    let written = 0;
    const store = async () => {
      const writes = await decode();
      if (writes.length > 0) await writeOrBusy(ctx, tenant, writes);
      if (writes.length > 0) ctx.diskFull?.noteWrite();
      written = writes.length;
    };
    if (key && ctx.dedup) {
      const outcome = await ctx.dedup.once(key, store);
      if (outcome === 'duplicate') ctx.metrics.inc('autoprof_ingest_duplicates_total', { route });
    } else await store();
    ctx.metrics.inc('autoprof_ingest_profiles_total', { route }, written);
    ctx.metrics.inc('autoprof_ingest_requests_total', { route, status: '200' });
  } catch (err) {
    const status = (err as { status?: number }).status ?? 500;
    ctx.metrics.inc('autoprof_ingest_requests_total', { route, status: String(status) });
    throw err;
  } finally {
    ctx.metrics.observe('autoprof_ingest_duration_seconds', (performance.now() - started) / 1000, { route });
  }
}

/**
 * decodeOffLoop decodes on the server's worker pool when it has one, so a large body never holds
 * the event loop; without one (decodeWorkers: 0) on this thread.
 */
export function decodeOffLoop(
  ctx: ServerContext,
  job: DecodeJob,
  chargeDecoded?: (bytes: number) => void,
): Promise<ProfileWrite[]> {
  if (ctx.decodePool) return ctx.decodePool.decode(job, chargeDecoded);
  return Promise.resolve().then(() => runDecodeJob(job, chargeDecoded));
}

/**
 * writeOrBusy answers a full write queue with 503 + Retry-After, which agents back off on (as an
 * HttpError, so the Connect layer maps it too).
 */
async function writeOrBusy(ctx: ServerContext, tenant: string, writes: ProfileWrite[]): Promise<void> {
  await ctx.seriesCap?.admit(ctx.store, tenant, writes);
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
