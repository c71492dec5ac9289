import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { Code, ConnectError, createConnectRouter } from '@connectrpc/connect';
import type { UniversalHandlerFn } from '@connectrpc/connect/protocol';
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
import { refuseBeforeBody } from './early-access.js';
import { PusherService } from './gen/push/v1/push_pb.js';
import { QuerierService } from './gen/querier/v1/querier_pb.js';
import { SettingsService } from './gen/settings/v1/setting_pb.js';
import { pusherService } from './push-service.js';
import { querierService } from './querier-service.js';
import { settingsService } from './settings-service.js';

/** CONNECT_CONTENT_TYPES: bodies Connect, gRPC and gRPC-web send; connect reads them itself. */
const CONNECT_CONTENT_TYPES = /^application\/(connect\+)?(proto|json)|^application\/grpc/;

/** ConnectRoute is one RPC's path and its handler (with decode errors as invalid_argument). */
interface ConnectRoute {
  path: string;
  handle: UniversalHandlerFn;
}

/**
 * connectRoutes builds Pyroscope's RPC API — querier.v1.QuerierService, push.v1.PusherService
 * and settings.v1.SettingsService at `/<package>.<Service>/<Method>` — with @connectrpc/connect:
 * the Connect protocol in both codecs (application/proto and application/json, unary POST and
 * GET), gRPC-web, and gRPC where the listener speaks HTTP/2. gzip and brotli request bodies are
 * accepted and responses are compressed when the client asks. A message is capped at the
 * server's body limit (compressed and decompressed).
 */
function connectRoutes(ctx: ServerContext): ConnectRoute[] {
  const router = createConnectRouter({
    interceptors: [accessInterceptor(ctx)],
    readMaxBytes: ctx.maxBodyBytes,
    acceptCompression: [compressionGzip, compressionBrotli],
  });
  router.service(QuerierService, querierService(ctx));
  router.service(PusherService, pusherService(ctx));
  router.service(SettingsService, settingsService());
  return router.handlers.map((h) => ({ path: h.requestPath, handle: withDecodeErrorsAsInvalidArgument(h) }));
}

/** serveNode answers one Node request (HTTP/1.1 or HTTP/2) with a Connect handler. */
async function serveNode(
  handle: UniversalHandlerFn,
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
  log: (err: unknown) => void,
): Promise<void> {
  try {
    // The body stays unread (undefined): connect reads and limits the stream itself.
    const uRes = await handle(universalRequestFromNodeRequest(req, res, undefined, undefined));
    await universalResponseToNodeResponse(uRes, res);
  } catch (err) {
    // The response is already streaming or the client went away; nothing left to answer.
    if (ConnectError.from(err).code !== Code.Aborted) log(err);
  }
}

/**
 * registerConnectRoutes serves the RPC API on the fastify server (HTTP/1.1: Connect and
 * gRPC-web). This is @connectrpc/connect-fastify's plugin with one step added (see
 * decode-errors.ts): an undecodable request is answered `invalid_argument`, as connect-go does,
 * not `internal`.
 */
export async function registerConnectRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const routes = connectRoutes(ctx);
  await app.register(async (scope) => {
    // Connect reads the body stream itself; fastify must leave it untouched in this scope.
    scope.addContentTypeParser(CONNECT_CONTENT_TYPES, (_req, _payload, done) => done(null, undefined));
    scope.addHook('onRequest', refuseBeforeBody(ctx));
    for (const route of routes) {
      scope.all(route.path, async (req, reply) => {
        reply.hijack();
        await serveNode(route.handle, req.raw, reply.raw, (err) => req.log.error(err));
      });
    }
  });
}

/**
 * connectH2cHandler serves the same RPC API to a cleartext HTTP/2 listener (`--grpc-listen`),
 * which gRPC clients (profilecli --protocol=grpc, grpc-go) need: Node cannot offer HTTP/1.1 and
 * h2c on one port. Unknown paths get 404, which gRPC clients read as `unimplemented`.
 */
export function connectH2cHandler(
  ctx: ServerContext,
  log: (err: unknown) => void,
): (req: Http2ServerRequest, res: Http2ServerResponse) => void {
  const byPath = new Map(connectRoutes(ctx).map((r) => [r.path, r.handle]));
  return (req, res) => {
    const handle = byPath.get((req.url ?? '').split('?')[0]);
    if (!handle) {
      res.writeHead(404).end();
      return;
    }
    void serveNode(handle, req, res, log);
  };
}
