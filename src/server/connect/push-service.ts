import type { ServiceImpl } from '@connectrpc/connect';
import { ingestWrites } from '../api/ingest.js';
import type { ServerContext } from '../context.js';
import { decodePushSeries } from '../ingest/ingest-request.js';
import { tenantOfCall } from './connect-access.js';
import type { PusherService } from './gen/push/v1/push_pb.js';

/**
 * pusherService implements push.v1.PusherService/Push (Grafana Alloy, the Pyroscope SDKs,
 * autoprof's agents) through the same ingest path as the legacy routes: rate limit, pprof
 * decoding, label rules and a durable write before the empty PushResponse.
 */
export function pusherService(ctx: ServerContext): ServiceImpl<typeof PusherService> {
  return {
    async push(req, context) {
      const series = req.series.map((s) => ({
        labels: s.labels.map(({ name, value }) => ({ name, value })),
        samples: s.samples.map((x) => ({ rawProfile: x.rawProfile, id: x.ID })),
      }));
      const received = series.reduce((n, s) => n + s.samples.reduce((m, x) => m + x.rawProfile.length, 0), 0);
      await ingestWrites(ctx, tenantOfCall(context), 'push', received, () =>
        decodePushSeries(series, { maxDecompressedBytes: ctx.maxDecompressedBytes }),
      );
      return {};
    },
  };
}
