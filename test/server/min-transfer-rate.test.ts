import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { startTestServer } from './harness.js';

/**
 * A minimum transfer rate for bodies (issue 23): with the default request timeout (60 s), a body
 * dripped at 20 bytes/s is cut after the 5 s grace, while a body sent at a normal pace is
 * answered. Loopback only, bounded to ~10 s.
 */

function waitClosed(socket: Socket, capMs: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(capMs), capMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(performance.now() - started);
    });
    socket.on('error', () => {});
  });
}

test('a body slower than minBodyBytesPerSecond is cut after the grace; a normal one is not', async () => {
  const server = await startTestServer({ minBodyBytesPerSecond: 1024 });
  try {
    const { port } = new URL(server.url);
    const slow = connect(Number(port), '127.0.0.1');
    slow.write('POST /ingest?name=slow.cpu HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n');
    const drip = setInterval(() => {
      if (!slow.destroyed) slow.write('aaaaaaaaaaaaaaaaaaaa');
    }, 1000);
    try {
      const closedMs = await waitClosed(slow, 15_000);
      process.stderr.write(`min transfer rate: a 20 B/s body was cut after ${Math.round(closedMs)} ms\n`);
      assert.ok(closedMs > 4000, `cut before the grace: ${closedMs} ms`);
      assert.ok(closedMs < 10_000, `held ${closedMs} ms`);
    } finally {
      clearInterval(drip);
      slow.destroy();
    }
    const body = Array.from({ length: 20_000 }, (_, i) => `main;f${i} 1`).join('\n');
    const ok = await fetch(`${server.url}/ingest?name=fast.cpu`, { method: 'POST', body });
    assert.equal(ok.status, 200, await ok.text());
  } finally {
    await server.close();
  }
});
