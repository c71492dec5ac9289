import type { ServiceImpl } from '@connectrpc/connect';
import { decodeOffLoop, ingestWrites, takeIngestRate } from '../api/ingest.js';
import { HttpError, type ServerContext } from '../context.js';
import { ingestKey } from '../ingest/ingest-dedup.js';
import { StoreBusyError } from '../store/store-busy.js';
import { tenantOfCall } from './connect-access.js';
import type { PusherService } from './gen/push/v1/push_pb.js';

/**
 * pusherService implements push.v1.PusherService/Push (Grafana Alloy, the Pyroscope SDKs,
 * autoprof's agents) through the same ingest path as the legacy routes: the tenant's rate limit,
 * the server's ingest budget (decompressed bytes charged while decoding), pprof decoding, label
 * rules, one durable write per identical push (a push names its own times, so a retried push is
 * a duplicate), and only then the empty PushResponse. Connect itself caps the message size
 * (readMaxBytes) and token and tenant were checked before the body was read.
 */
export function pusherService(ctx: ServerContext): ServiceImpl<typeof PusherService> {
  return {
    async push(req, context) {
      const tenant = tenantOfCall(context);
      const series = req.series.map((s) => ({
        labels: s.labels.map(({ name, value }) => ({ name, value })),
        samples: s.samples.map((x) => ({ rawProfile: x.rawProfile, id: x.ID })),
      }));
      const raw = series.flatMap((s) => s.samples.map((x) => x.rawProfile));
      const received = raw.reduce((n, bytes) => n + bytes.length, 0);
      takeIngestRate(ctx, tenant, received);
      const ticket = admitOrBusy(ctx, received);
      try {
        const key = ingestKey({
          tenant,
          route: 'push',
          query: JSON.stringify(series.map((s) => s.labels)),
          body: Buffer.concat(raw),
        });
        await ingestWrites(
          ctx,
          tenant,
          'push',
          received,
          () =>
            decodeOffLoop(
              ctx,
              { kind: 'push', series, maxDecompressedBytes: ctx.maxDecompressedBytes },
              ticket?.chargeDecoded,
            ),
          key,
        );
      } finally {
        ticket?.release();
      }
      return {};
    },
  };
}

/** admitOrBusy reserves the push's bytes in the ingest budget; a full budget is 503 + Retry-After. */
function admitOrBusy(ctx: ServerContext, bytes: number) {
  try {
    return ctx.admission?.admit(Math.min(bytes, ctx.maxBodyBytes));
  } catch (err) {
    if (err instanceof StoreBusyError) {
      throw new HttpError(503, `server busy: ${err.message}`, {
        'retry-after': String(err.retryAfterSeconds),
      });
    }
    throw err;
  }
}
