import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * BUSY_ANSWER: what a connection over the cap gets. A bare reset reads as a network fault
 * (browsers show ERR_CONNECTION_RESET, agents log ECONNRESET and learn nothing); a 503 with
 * Retry-After tells a fleet behind one NAT address, or a page opening many requests, to back off.
 */
const BUSY_TEXT = 'too many open connections from this address (limits.maxConnectionsPerClient)\n';
const BUSY_ANSWER = [
  'HTTP/1.1 503 Service Unavailable',
  'Retry-After: 1',
  'Connection: close',
  'Content-Type: text/plain; charset=utf-8',
  `Content-Length: ${Buffer.byteLength(BUSY_TEXT)}`,
  '',
  BUSY_TEXT,
].join('\r\n');

/** LINGER_MS: how long an answered connection over the cap may stay half-open before it is cut. */
const LINGER_MS = 1000;

/**
 * limitConnectionsPerClient caps the open TCP connections one client address may hold, so a
 * single host cannot exhaust sockets and memory with stalled connections (slowloris). Beyond the
 * cap a new connection is answered 503 at once, before any byte of it is read, and closed; one
 * that does not close its side is cut after LINGER_MS, so the answer cannot become a slot.
 */
export function limitConnectionsPerClient(server: Server, maxPerClient: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = (open.get(address) ?? 0) + 1;
    if (count > maxPerClient) {
      socket.on('error', () => {});
      socket.end(BUSY_ANSWER);
      setTimeout(() => socket.destroy(), LINGER_MS).unref();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
