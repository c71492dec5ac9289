import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createRng } from '../../src/analysis/seeded-random.js';

/**
 * Shared by the anomaly tests: folded CPU profiles of a checkout service before and after a
 * deploy that puts parseOrder (and the RegExp under it) on the hot path, a steady service, and a
 * local HTTP receiver standing in for notification webhooks.
 */

const rng = createRng(7);
const jitter = (n: number) => Math.max(1, Math.round(n * (0.9 + 0.2 * rng())));

/** checkoutFolded: ~20% parseOrder-free validate, render and db; `hot` adds the new path. */
export function checkoutFolded(hot: boolean): string {
  const lines = [
    `main;handler;validate;checkFields ${jitter(40)}`,
    `main;handler;validate;parseOrder ${jitter(8)}`,
    `main;handler;render;template ${jitter(70)}`,
    `main;handler;db;query ${jitter(60)}`,
    `main;gc ${jitter(20)}`,
  ];
  if (hot) lines.push(`main;handler;validate;parseOrder;RegExp:exec ${jitter(140)}`);
  return `${lines.join('\n')}\n`;
}

/** catalogFolded is a service that never changes. */
export function catalogFolded(): string {
  return `main;serve;search;score ${jitter(80)}\nmain;serve;search;rank ${jitter(50)}\nmain;serve;encode ${jitter(40)}\n`;
}

/** ingestFolded pushes one folded profile of 20 s at `fromSeconds`. */
export async function ingestFolded(
  url: string,
  name: string,
  fromSeconds: number,
  body: string,
): Promise<void> {
  const r = await fetch(
    `${url}/ingest?name=${encodeURIComponent(name)}&from=${fromSeconds}&until=${fromSeconds + 20}&sampleRate=100`,
    { method: 'POST', body },
  );
  assert.equal(r.status, 200, await r.text());
}

/** Receiver is a local webhook endpoint that records every JSON body posted to it. */
export interface Receiver {
  url: string;
  bodies: Array<{ path: string; body: any }>;
  waitFor(
    pred: (b: { path: string; body: any }) => boolean,
    timeoutMs: number,
  ): Promise<{ path: string; body: any }>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const bodies: Receiver['bodies'] = [];
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    try {
      bodies.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
    } catch {
      bodies.push({ path: req.url ?? '', body: null });
    }
    res.writeHead(200).end('ok');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    bodies,
    async waitFor(pred, timeoutMs) {
      const end = Date.now() + timeoutMs;
      while (Date.now() < end) {
        const hit = bodies.find(pred);
        if (hit) return hit;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`no matching webhook body within ${timeoutMs} ms (got ${bodies.length})`);
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
