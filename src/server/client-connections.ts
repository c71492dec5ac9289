import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * limitConnectionsPerClient caps the open TCP connections one client address may hold, so a
 * single host cannot exhaust sockets and memory with stalled connections (slowloris). Beyond the
 * cap a new connection is closed at once, before any byte of it is read.
 */
export function limitConnectionsPerClient(server: Server, maxPerClient: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = (open.get(address) ?? 0) + 1;
    if (count > maxPerClient) {
      socket.destroy();
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
