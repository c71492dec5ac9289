import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccessError, checkToken, tenantOf } from '../access.js';
import type { ServerContext } from '../context.js';
import { codeOfStatus } from './connect-errors.js';
import { PusherService } from './gen/push/v1/push_pb.js';

/** CODE_NAMES: the Connect wire names of the codes an access check can produce. */
const CODE_NAMES: Record<number, { name: string; grpc: number }> = {
  [codeOfStatus(400)]: { name: 'invalid_argument', grpc: 3 },
  [codeOfStatus(401)]: { name: 'unauthenticated', grpc: 16 },
};

/**
 * refuseBeforeBody checks token and tenant from the headers alone, before Connect reads a body
 * (which it may read up to the body limit), so a client without access cannot make the server
 * take in a large message. It answers in the caller's protocol: gRPC-web as a trailers-only
 * response (HTTP 200 with grpc-status), Connect as its JSON error body. The access interceptor
 * checks the same again for listeners without this hook (h2c).
 */
export function refuseBeforeBody(ctx: ServerContext) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const ingest = req.url.startsWith(`/${PusherService.typeName}/`);
    try {
      checkToken(req.headers.authorization, ingest ? ctx.access.ingestTokens : ctx.access.readTokens);
      tenantOf(req.headers['x-scope-orgid'], ctx.access);
    } catch (err) {
      if (!(err instanceof AccessError)) throw err;
      const code = CODE_NAMES[codeOfStatus(err.status)] ?? CODE_NAMES[codeOfStatus(400)];
      if (/^application\/grpc-web/.test(req.headers['content-type'] ?? '')) {
        await reply
          .code(200)
          .headers({
            'content-type': req.headers['content-type'],
            'grpc-status': String(code.grpc),
            'grpc-message': encodeURIComponent(err.message),
          })
          .send();
        return;
      }
      await reply
        .code(err.status)
        .header('content-type', 'application/json')
        .send(Buffer.from(JSON.stringify({ code: code.name, message: err.message })));
    }
  };
}
