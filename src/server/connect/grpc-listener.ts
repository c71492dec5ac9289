import { createServer, type Http2Server, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { connectH2cHandler } from './connect-routes.js';

/** GrpcListener is the cleartext HTTP/2 server of one app and its open sessions. */
interface GrpcListener {
  server: Http2Server;
  sessions: Set<ServerHttp2Session>;
}

const listeners = new WeakMap<FastifyInstance, GrpcListener>();

/**
 * attachGrpcListener prepares an h2c server answering the app's RPC API (gRPC, and Connect over
 * HTTP/2) with the app's access rules and limits; it listens only when listenGrpc is called, and
 * closes with the app. gRPC clients keep their sessions open, so closing ends them.
 */
export function attachGrpcListener(app: FastifyInstance, ctx: ServerContext): void {
  const server = createServer(connectH2cHandler(ctx, (err) => app.log.error(err)));
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  listeners.set(app, { server, sessions });
  app.addHook('onClose', async () => {
    if (!server.listening) return;
    for (const session of sessions) session.close();
    await new Promise<void>((done) => server.close(() => done()));
  });
}

/** listenGrpc binds the app's h2c listener (`--grpc-listen`) and returns its address. */
export async function listenGrpc(app: FastifyInstance, host: string, port: number): Promise<AddressInfo> {
  const listener = listeners.get(app);
  if (!listener) throw new Error('this app has no gRPC listener (built without buildServer?)');
  const { server } = listener;
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      done();
    });
  });
  return server.address() as AddressInfo;
}
