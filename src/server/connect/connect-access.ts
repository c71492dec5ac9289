import { createContextKey, type HandlerContext, type Interceptor } from '@connectrpc/connect';
import { runWithDeadline } from '../../model/work-deadline.js';
import { checkToken, tenantOf } from '../access.js';
import { queryLimitsOf, type ServerContext } from '../context.js';
import { toConnectError } from './connect-errors.js';
import { PusherService } from './gen/push/v1/push_pb.js';

/** tenantKey carries the authorized tenant from the access interceptor to the handlers. */
const tenantKey = createContextKey<string | undefined>(undefined, { description: 'autoprof tenant' });

/** tenantOfCall is the tenant the access interceptor authorized for this call. */
export function tenantOfCall(context: HandlerContext): string {
  const tenant = context.values.get(tenantKey);
  // Every route is registered behind accessInterceptor; a call without a tenant is a wiring bug.
  if (tenant === undefined) throw new Error('Connect call without the access interceptor');
  return tenant;
}

/**
 * accessInterceptor applies the server's access rules to every Connect, gRPC and gRPC-web call,
 * the same as the HTTP routes (access.ts): the ingest token for PusherService, the read token
 * for everything else, the tenant from `X-Scope-OrgID`. It also turns every error the handler
 * throws into a ConnectError with the right code, runs queries under the per-query deadline
 * (limits.queryTimeoutMs), and times them for /metrics.
 */
export function accessInterceptor(ctx: ServerContext): Interceptor {
  return (next) => async (req) => {
    const ingest = req.service.typeName === PusherService.typeName;
    const started = performance.now();
    try {
      checkToken(
        req.header.get('authorization') ?? undefined,
        ingest ? ctx.access.ingestTokens : ctx.access.readTokens,
      );
      req.contextValues.set(tenantKey, tenantOf(req.header.get('x-scope-orgid') ?? undefined, ctx.access));
      // Queries run under the per-query deadline (model/work-deadline.ts); pushes do not.
      return await (ingest ? next(req) : runWithDeadline(queryLimitsOf(ctx).timeoutMs, () => next(req)));
    } catch (err) {
      throw toConnectError(err);
    } finally {
      if (!ingest) {
        ctx.metrics.observe('autoprof_query_duration_seconds', (performance.now() - started) / 1000, {
          route: req.method.name,
        });
      }
    }
  };
}
