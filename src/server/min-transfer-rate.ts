import type { FastifyInstance } from 'fastify';

/** GRACE_MS: a body may start slowly (TCP slow start, a client building it) for this long. */
const GRACE_MS = 5000;
const CHECK_MS = 1000;

/**
 * enforceMinTransferRate closes a connection whose request body arrives slower than
 * `minBytesPerSecond` on average once GRACE_MS have passed (as nginx's and Apache's minimum
 * rates do), so slow-drip bodies cannot hold sockets and ingest budget until the request
 * timeout. Bytes are read off the socket's counter, so the body's own parsing is untouched. A
 * check that runs late (the event loop was busy, so the socket could not be read) only moves
 * the baseline: the server's own stall never counts against the client.
 */
export function enforceMinTransferRate(app: FastifyInstance, minBytesPerSecond: number): void {
  if (!(minBytesPerSecond > 0)) return;
  app.addHook('onRequest', (req, _reply, done) => {
    const raw = req.raw;
    const declared = Number(raw.headers['content-length'] ?? 0);
    if (raw.complete || (!(declared > 0) && raw.headers['transfer-encoding'] === undefined)) return done();
    const socket = raw.socket;
    const started = performance.now();
    let baseBytes = socket.bytesRead;
    let baseAt = started;
    let lastTick = started;
    const timer = setInterval(() => {
      const now = performance.now();
      const late = now - lastTick > 2 * CHECK_MS;
      lastTick = now;
      if (raw.complete || socket.destroyed) return clearInterval(timer);
      if (late) {
        baseBytes = socket.bytesRead;
        baseAt = now;
        return;
      }
      if (now - started < GRACE_MS || now - baseAt < CHECK_MS) return;
      const rate = (socket.bytesRead - baseBytes) / ((now - baseAt) / 1000);
      if (rate < minBytesPerSecond) {
        clearInterval(timer);
        socket.destroy();
      }
    }, CHECK_MS);
    timer.unref();
    raw.once('close', () => clearInterval(timer));
    done();
  });
}
