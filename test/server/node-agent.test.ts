import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { nodeAgentPath } from '../../src/agent/agent-path.js';
import { nowSeconds, renderNames } from './harness.js';

const ENTRY = fileURLToPath(new URL('./fixtures/server-entry.ts', import.meta.url));
const APP = fileURLToPath(new URL('./fixtures/agent-busy-app.cjs', import.meta.url));
const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const HEAP = 'memory:inuse_space:bytes:space:bytes';
const root = mkdtempSync(join(tmpdir(), 'autoprof-agent-'));
let agent = '';
let dirs = 0;
before(async () => {
  agent = await nodeAgentPath();
});
after(() => rmSync(root, { recursive: true, force: true }));

/** startServer spawns `autoprof server` as its own process and resolves once it listens. */
function startServer(port = 0): Promise<{ child: ChildProcess; url: string; stop(): Promise<void> }> {
  const data = join(root, `data${++dirs}`);
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', ENTRY, '--data', data, '--listen', `127.0.0.1:${port}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(stderr);
      if (m) {
        resolve({
          child,
          url: m[1],
          stop: async () => {
            child.kill('SIGTERM');
            if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
          },
        });
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
}

interface AppRun {
  /** done resolves with the app's exit code and output once it has exited. */
  done: Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>;
  /** stderr is the agent's debug output so far. */
  stderr(): string;
  /** endInput closes the app's stdin: with UNTIL_STDIN_ENDS=1 it then finishes its work and exits. */
  endInput(): void;
}

/** startApp runs the busy app under `node -r <agent>`. */
function startApp(env: Record<string, string>): AppRun {
  const started = Date.now();
  const child = spawn(process.execPath, ['-r', agent, APP], {
    env: {
      PATH: process.env.PATH ?? '',
      AUTOPROF_UPLOAD_INTERVAL_MS: '1000',
      // The busy app keeps ~1 MB live: at the default 512 KiB heap sampling interval a snapshot
      // holds ~2 live samples and is empty (so not pushed) about one time in seven, more often
      // early on a loaded machine; at 64 KiB it holds ~16.
      AUTOPROF_HEAP_INTERVAL_BYTES: '65536',
      AUTOPROF_AGENT_DEBUG: '1',
      ...env,
    },
    stdio: [env.UNTIL_STDIN_ENDS === '1' ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  return {
    done: new Promise((resolve) => {
      child.on('exit', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
    }),
    stderr: () => stderr,
    endInput: () => child.stdin?.end(),
  };
}

/** runApp runs the busy app under `node -r <agent>` and resolves with its exit code and output. */
function runApp(
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return startApp(env).done;
}

/**
 * waitFor polls `check` until it holds: the tests wait for events (the agent retried, the server
 * has the data), never for a duration guessed on an idle machine; `boundMs` only stops a hang.
 */
async function waitFor(
  what: string,
  boundMs: number,
  check: () => Promise<boolean> | boolean,
): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up after ${boundMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function render(
  url: string,
  query: string,
  range = { from: nowSeconds() - 120, until: nowSeconds() + 60 },
): Promise<Set<string>> {
  const r = await fetch(
    `${url}/pyroscope/render?query=${encodeURIComponent(query)}&from=${range.from}&until=${range.until}&maxNodes=100000`,
  );
  assert.equal(r.status, 200);
  return renderNames((await r.json()) as { flamebearer: { names: string[]; levels: number[][] } });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

test('node -r agent: CPU and heap profiles of a real app reach the server, with its tags', async () => {
  const server = await startServer();
  try {
    const app = await runApp({
      AUTOPROF_SERVER_URL: server.url,
      AUTOPROF_APP_NAME: 'agent-app',
      AUTOPROF_TAGS: 'pod=p1,region=eu',
      BUSY_MS: '3000',
    });
    assert.equal(app.code, 0, app.stderr);
    assert.match(app.stdout, /app done/);
    const cpu = await render(server.url, `${CPU}{service_name="agent-app"}`);
    assert.ok(cpu.has('autoprofBusyLoop'), `busy function missing from ${[...cpu].slice(0, 20)}`);
    assert.ok(!cpu.has('(idle)'), 'idle samples are not CPU');
    const heap = await render(server.url, `${HEAP}{service_name="agent-app",pod="p1"}`);
    assert.ok(heap.size > 1, 'no heap profile arrived');
    const r = await fetch(`${server.url}/pyroscope/label-values?label=region`);
    if (r.status === 200) assert.match(await r.text(), /eu/);
    const counters = /autoprof agent: (\{.*\})/.exec(app.stderr);
    assert.ok(counters, app.stderr);
    const c = JSON.parse(counters[1]) as { sent: number; dropped: number; errors: number };
    assert.ok(c.sent >= 4, `only ${c.sent} profiles sent`);
    assert.equal(c.errors, 0, app.stderr);
  } finally {
    await server.stop();
  }
});

test('server down at first, then up: the queued profiles arrive after backoff', {
  timeout: 240_000,
}, async () => {
  const port = await freePort();
  const appStartSec = nowSeconds();
  const app = startApp({
    AUTOPROF_SERVER_URL: `http://127.0.0.1:${port}`,
    AUTOPROF_APP_NAME: 'late-server',
    AUTOPROF_BACKOFF_MS: '200',
    AUTOPROF_BACKOFF_MAX_MS: '1000',
    // Room for every window however long the server takes to start on a loaded machine (the
    // bound itself is the unit test's); the app stops when the test has seen the data arrive.
    AUTOPROF_MAX_QUEUE: '100000',
    UNTIL_STDIN_ENDS: '1',
    BUSY_MS: '180000',
  });
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    // The agent has found the server away, is backing off and holds four profiles: two windows
    // at least have closed, so the first lies wholly before the server starts.
    await waitFor('the agent to retry with two windows held', 60_000, () =>
      [...app.stderr().matchAll(/push failed .*?(\d+) held/g)].some((m) => Number(m[1]) >= 4),
    );
    const downUntilSec = nowSeconds();
    server = await startServer(port);
    const { url } = server;
    // The profiles of the windows before the server existed arrive: the queue kept them and the
    // backoff retried until the server answered (on an idle machine within a second or two).
    const held = { from: appStartSec - 1, until: downUntilSec };
    await waitFor('the queued profiles at the server', 120_000, async () =>
      (await render(url, `${CPU}{service_name="late-server"}`, held)).has('autoprofBusyLoop'),
    );
    app.endInput();
    const done = await app.done;
    assert.equal(done.code, 0, done.stderr);
    const c = JSON.parse(/autoprof agent: (\{.*\})/.exec(done.stderr)?.[1] ?? '{}') as {
      queued: number;
      sent: number;
      dropped: number;
      rejected: number;
      failures: number;
      retries: number;
    };
    assert.ok(c.failures >= 2 && c.retries >= 1, `no retry happened: ${done.stderr}`);
    assert.equal(c.dropped, 0, done.stderr);
    assert.equal(c.rejected, 0, done.stderr);
    // Everything queued reached the server but what the best-effort exit flush (1 s) may miss on
    // a loaded machine: the last window's two profiles and one in flight.
    assert.ok(
      c.sent >= 2 && c.sent >= c.queued - 3,
      `only ${c.sent} of ${c.queued} profiles sent: ${done.stderr}`,
    );
    // Heap snapshots too (not asserted for the held window: on a loaded machine the app may not
    // have allocated a sampled object yet then, and an empty snapshot is not pushed).
    const heap = await render(url, `${HEAP}{service_name="late-server"}`, {
      from: appStartSec - 1,
      until: nowSeconds() + 1,
    });
    assert.ok(heap.size > 1, 'no heap profile arrived');
  } finally {
    app.endInput();
    await app.done;
    await server?.stop();
  }
});

test('a bad or unreachable server never crashes the app nor changes its exit code', async () => {
  for (const url of ['not a url', 'ftp://127.0.0.1/', 'http://127.0.0.1:1', 'http://10.255.255.1:4040']) {
    const app = await runApp({ AUTOPROF_SERVER_URL: url, BUSY_MS: '1500', EXIT_CODE: '7' });
    assert.equal(app.code, 7, `${url}: ${app.stderr}`);
    assert.match(app.stdout, /app done/, url);
    // Unref'd timers and sockets: the app ends with its work plus at most the 1-s exit flush.
    assert.ok(app.ms < 6000, `${url}: the app took ${app.ms} ms to exit`);
  }
  // No agent configuration at all: the agent stays off.
  const off = await runApp({ BUSY_MS: '200', EXIT_CODE: '0' });
  assert.equal(off.code, 0);
  assert.doesNotMatch(off.stderr, /autoprof agent/);
});

test('the push queue is bounded: the oldest profiles are dropped and counted; backoff grows with jitter', async () => {
  const { PushQueue } = await import('../../src/agent/push-queue.cjs');
  const { backoffDelayMs } = await import('../../src/agent/backoff.cjs');
  const queue = new PushQueue({
    maxItems: 3,
    maxBytes: 1 << 20,
    backoffMs: 10_000,
    backoffMaxMs: 60_000,
    send: async () => ({ outcome: 'retry' as const }),
  });
  for (let i = 0; i < 10; i++)
    queue.add({ kind: 'cpu', body: Buffer.from([i]), fromSec: i, untilSec: i + 1 });
  assert.equal(queue.length, 3);
  assert.equal(queue.counters.dropped, 7);
  const delays = [1, 2, 3, 4, 10].map((a) => backoffDelayMs(a, 1000, 8000, () => 0.5));
  assert.deepEqual(delays, [750, 1500, 3000, 6000, 6000]);
  assert.equal(
    backoffDelayMs(1, 1000, 8000, () => 0, 5000),
    5000,
  );
  // A Retry-After beyond the cap waits the cap, and no delay exceeds what setTimeout honours.
  assert.equal(
    backoffDelayMs(1, 1000, 8000, () => 0, 1e10),
    8000,
  );
  assert.equal(
    backoffDelayMs(40, 1000, 1e12, () => 1),
    2 ** 31 - 1,
  );
});

test('the push queue is bounded in bytes too; the profile in flight is neither dropped nor sent twice', async () => {
  const { PushQueue } = await import('../../src/agent/push-queue.cjs');
  let release: () => void = () => {};
  const sent: number[] = [];
  const queue = new PushQueue({
    maxItems: 100,
    maxBytes: 1000,
    backoffMs: 10,
    backoffMaxMs: 20,
    send: (item) =>
      new Promise((resolve) => {
        release = () => {
          sent.push(item.fromSec);
          resolve({ outcome: 'ok' });
        };
      }),
  });
  const add = (i: number, bytes: number) =>
    queue.add({ kind: 'cpu', body: Buffer.alloc(bytes), fromSec: i, untilSec: i + 1 });
  add(0, 400); // in flight from here on
  for (let i = 1; i <= 5; i++) add(i, 300);
  // 400 in flight + the two newest 300s fit in 1000; 1..3 went, the oldest not in flight first.
  assert.deepEqual([queue.length, queue.heldBytes, queue.counters.dropped], [3, 1000, 3]);
  add(6, 5000); // bigger than the whole bound: dropped at once, nothing else lost for it
  assert.deepEqual([queue.length, queue.counters.dropped], [3, 4]);
  const flushed = queue.drain(5000); // waits for the send in flight instead of repeating it
  for (let n = 0; n < 3; n++) {
    await new Promise((r) => setTimeout(r, 20));
    release();
  }
  await flushed;
  assert.deepEqual(sent, [0, 4, 5]);
  const c = queue.counters;
  assert.equal(c.queued, c.sent + c.dropped + c.rejected + queue.length, JSON.stringify(c));
  assert.equal(queue.heldBytes, 0);
});

test('the agent pushes to a server that comes up late: every profile held arrives, in order', async () => {
  const { PushQueue } = await import('../../src/agent/push-queue.cjs');
  const { pushOverHttp } = await import('../../src/agent/http-push.cjs');
  const { readAgentConfig } = await import('../../src/agent/agent-config.cjs');
  const port = await freePort();
  const config = readAgentConfig({
    AUTOPROF_SERVER_URL: `http://127.0.0.1:${port}`,
    AUTOPROF_APP_NAME: 'late',
  });
  assert.ok(config);
  const retries: string[] = [];
  const queue = new PushQueue({
    maxItems: 60,
    maxBytes: 1 << 20,
    backoffMs: 20,
    backoffMaxMs: 200,
    send: (item) => pushOverHttp(config, item),
    onRetry: (m) => retries.push(m),
  });
  for (let i = 0; i < 5; i++)
    queue.add({ kind: 'cpu', body: Buffer.from(`p${i}`), fromSec: i, untilSec: i + 1 });
  await waitFor('three refused pushes', 30_000, () => retries.length >= 3);
  assert.match(retries[0], /push failed \(ECONNREFUSED\), 5 held, retry 1 in \d+ ms/);
  const received: string[] = [];
  const server = createHttpServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      // The server's first answer is "busy": the agent backs off again and loses nothing.
      if (received.length === 0 && !retries.some((m) => m.includes('HTTP 503'))) {
        res.writeHead(503, { 'retry-after': '0' }).end();
        return;
      }
      received.push(Buffer.concat(chunks).toString());
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  try {
    for (let i = 5; i < 8; i++)
      queue.add({ kind: 'cpu', body: Buffer.from(`p${i}`), fromSec: i, untilSec: i + 1 });
    await waitFor('every held profile at the server', 30_000, () => received.length >= 8);
    assert.deepEqual(received, ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7']);
    assert.ok(
      retries.some((m) => m.includes('HTTP 503')),
      retries.join('\n'),
    );
    assert.deepEqual([queue.counters.sent, queue.counters.dropped, queue.length], [8, 0, 0]);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
