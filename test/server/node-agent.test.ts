import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

/** runApp runs the busy app under `node -r <agent>` and resolves with its exit code and output. */
function runApp(
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', agent, APP], {
      env: {
        PATH: process.env.PATH ?? '',
        AUTOPROF_UPLOAD_INTERVAL_MS: '1000',
        AUTOPROF_AGENT_DEBUG: '1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => {
      stdout += d;
    });
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

async function render(url: string, query: string): Promise<Set<string>> {
  const now = nowSeconds();
  const r = await fetch(
    `${url}/pyroscope/render?query=${encodeURIComponent(query)}&from=${now - 120}&until=${now + 60}&maxNodes=100000`,
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

test('server down at first, then up: the queued profiles arrive after backoff', async () => {
  const port = await freePort();
  const appDone = runApp({
    AUTOPROF_SERVER_URL: `http://127.0.0.1:${port}`,
    AUTOPROF_APP_NAME: 'late-server',
    AUTOPROF_BACKOFF_MS: '200',
    AUTOPROF_BACKOFF_MAX_MS: '1000',
    BUSY_MS: '10000',
  });
  await new Promise((r) => setTimeout(r, 1500));
  const server = await startServer(port);
  try {
    const app = await appDone;
    assert.equal(app.code, 0, app.stderr);
    const c = JSON.parse(/autoprof agent: (\{.*\})/.exec(app.stderr)?.[1] ?? '{}') as {
      sent: number;
      failures: number;
      retries: number;
    };
    assert.ok(c.failures >= 1 && c.retries >= 1, `no retry happened: ${app.stderr}`);
    assert.ok(c.sent >= 6, `only ${c.sent} profiles sent: ${app.stderr}`);
    const cpu = await render(server.url, `${CPU}{service_name="late-server"}`);
    assert.ok(cpu.has('autoprofBusyLoop'));
  } finally {
    await server.stop();
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
});
