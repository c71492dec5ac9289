import { createServer, type IncomingMessage, type Server } from 'node:http';

/**
 * A real HTTP server on 127.0.0.1 that answers from a script, one step per request, and records
 * what it received. It speaks whatever the step says: the OpenAI chat-completions shape, the
 * analysis-endpoint contract, an error, or nothing for a while.
 */

/** Step is one scripted answer. */
export interface Step {
  status?: number;
  /** body: an object is sent as JSON; a function sees the request (to echo headers back). */
  body?: unknown | ((req: Received) => unknown);
  delayMs?: number;
  headers?: Record<string, string>;
}

/** Received is one request the server got. */
export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** ScriptedServer is the running server. */
export interface ScriptedServer {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/** startScriptedServer listens on an ephemeral port; the last step repeats when the script runs out. */
export async function startScriptedServer(steps: Step[]): Promise<ScriptedServer> {
  const received: Received[] = [];
  let next = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // recorded as text
      }
      const r: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      received.push(r);
      const step = steps[Math.min(next++, steps.length - 1)] ?? {};
      const send = () => {
        if (res.destroyed) return;
        const b = typeof step.body === 'function' ? (step.body as (x: Received) => unknown)(r) : step.body;
        const out = typeof b === 'string' ? b : JSON.stringify(b ?? {});
        res.writeHead(step.status ?? 200, { 'content-type': 'application/json', ...step.headers });
        res.end(out);
      };
      if (step.delayMs) setTimeout(send, step.delayMs).unref();
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** chatCompletion wraps content the way an OpenAI-compatible server answers. */
export function chatCompletion(content: string, model = 'scripted-model'): unknown {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 },
  };
}
