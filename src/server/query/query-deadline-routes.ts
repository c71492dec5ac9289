import type { FastifyInstance, RouteHandlerMethod } from 'fastify';
import { runWithDeadline } from '../../model/work-deadline.js';

/** DEADLINE_RETRY_AFTER_SECONDS: a query stopped at its deadline may succeed on a quieter server. */
export const DEADLINE_RETRY_AFTER_SECONDS = 5;

/**
 * QUERY_ROUTE matches the HTTP read routes that merge, lay out or diff stored profiles: the
 * Pyroscope-compatible ones and the UI's JSON. Connect and gRPC queries get their deadline in the
 * access interceptor (connect/connect-access.ts), which also covers the gRPC listener.
 */
const QUERY_ROUTE =
  /^\/(?:pyroscope\/(?:render|label|series)|render|label|api\/v1\/(?:flamegraph|diff|export|top|profile-types|services))/;

/**
 * applyQueryDeadlines wraps the handler of every query route registered after it in the
 * per-query deadline (model/work-deadline.ts). It must be called before the routes are added.
 */
export function applyQueryDeadlines(app: FastifyInstance, budgetMs: number): void {
  if (!(budgetMs > 0)) return;
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.includes('GET') || !QUERY_ROUTE.test(route.url)) return;
    const handler = route.handler as RouteHandlerMethod;
    route.handler = function deadlineHandler(this: FastifyInstance, req, reply) {
      return runWithDeadline(budgetMs, () => handler.call(this, req, reply));
    };
  });
}
