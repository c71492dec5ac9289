import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { startTestServer } from './harness.js';

/**
 * A client address over limits.maxConnectionsPerClient gets a 503 with Retry-After, not a reset
 * (a page or a fleet behind one NAT then backs off instead of seeing a network fault), and the
 * server keeps serving the connections under the cap.
 */

function answerOf(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (d) => {
      text += d.toString();
    });
    socket.on('error', () => resolve(text));
    socket.on('close', () => resolve(text));
  });
}

test('a connection over the per-client cap is answered 503 with Retry-After and closed', async () => {
  const server = await startTestServer({ maxConnectionsPerClient: 2 });
  const { port } = new URL(server.url);
  const held = [connect(Number(port), '127.0.0.1'), connect(Number(port), '127.0.0.1')];
  try {
    await Promise.all(held.map((s) => new Promise((r) => s.once('connect', r))));
    const over = connect(Number(port), '127.0.0.1');
    const started = performance.now();
    const answer = await answerOf(over);
    assert.match(answer, /^HTTP\/1\.1 503 /);
    assert.match(answer, /\r\nRetry-After: 1\r\n/);
    assert.match(answer, /maxConnectionsPerClient/);
    assert.ok(performance.now() - started < 5000, 'the connection over the cap is closed promptly');

    // The held connections still get answers.
    held[0].write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    assert.match(await answerOf(held[0]), /^HTTP\/1\.1 200 /);
  } finally {
    for (const s of held) s.destroy();
    await server.close();
  }
});
