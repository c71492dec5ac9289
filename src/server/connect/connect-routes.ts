import { Code, ConnectError, createConnectRouter } from '@connectrpc/connect';
import {
  compressionBrotli,
  compressionGzip,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from '@connectrpc/connect-node';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { accessInterceptor } from './connect-access.js';
import { withDecodeErrorsAsInvalidArgument } from './decode-errors.js';
import { PusherService } from './gen/push/v1/push_pb.js';
import { QuerierService } from './gen/querier/v1/querier_pb.js';
import { SettingsService } from './gen/settings/v1/setting_pb.js';
import { pusherService } from './push-service.js';
import { querierService } from './querier-service.js';
import { settingsService } from './settings-service.js';

/** CONNECT_CONTENT_TYPES: bodies Connect, gRPC and gRPC-web send; connect reads them itself. */
const CONNECT_CONTENT_TYPES = /^application\/(connect\+)?(proto|json)|^application\/grpc/;

/**
 * registerConnectRoutes serves Pyroscope's RPC API — querier.v1.QuerierService,
 * push.v1.PusherService and settings.v1.SettingsService at `/<package>.<Service>/<Method>` —
 * with @connectrpc/connect: the Connect protocol in both codecs (application/proto and
 * application/json, unary POST and GET), gRPC-web, and gRPC where the listener speaks HTTP/2.
 * gzip and brotli request bodies are accepted and responses are compressed when the client asks.
 * A message is capped at the server's body limit (compressed and decompressed).
 *
 * This is @connectrpc/connect-fastify's plugin with one step added (see decode-errors.ts): an
 * undecodable request is answered `invalid_argument`, as connect-go does, not `internal`.
 */
export async function registerConnectRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const router = createConnectRouter({
    interceptors: [accessInterceptor(ctx)],
    readMaxBytes: ctx.maxBodyBytes,
    acceptCompression: [compressionGzip, compressionBrotli],
  });
  router.service(QuerierService, querierService(ctx));
  router.service(PusherService, pusherService(ctx));
  router.service(SettingsService, settingsService());
  await app.register(async (scope) => {
    // Connect reads the body stream itself; fastify must leave it untouched in this scope.
    scope.addContentTypeParser(CONNECT_CONTENT_TYPES, (_req, _payload, done) => done(null, undefined));
    for (const handler of router.handlers) {
      const handle = withDecodeErrorsAsInvalidArgument(handler);
      scope.all(handler.requestPath, async (req, reply) => {
        reply.hijack();
        try {
          // The body stays unread (undefined): connect reads and limits the stream itself.
          const res = await handle(universalRequestFromNodeRequest(req.raw, reply.raw, undefined, undefined));
          await universalResponseToNodeResponse(res, reply.raw);
        } catch (err) {
          // The response is already streaming or the client went away; nothing left to answer.
          if (ConnectError.from(err).code !== Code.Aborted) req.log.error(err);
        }
      });
    }
  });
}
