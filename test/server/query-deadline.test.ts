import assert from 'node:assert/strict';
import { loadavg } from 'node:os';
import { test } from 'node:test';
import { nowSeconds, startTestServer } from './harness.js';

/**
 * The per-query deadline (issue 23): a query whose merge, layout or diff runs past
 * `limits.queryTimeoutMs` is stopped by the engine's own loops and answered 503 with
 * Retry-After, on the HTTP routes and over Connect alike, while small queries and /healthz keep
 * answering. The heavy query here (100k distinct stacks) costs about a second; the budget is
 * 50 ms.
 */

const BUDGET_MS = 50;
const STACKS = 100_000;

test('a query past its deadline answers 503 promptly; small queries still answer', async () => {
  const server = await startTestServer({ queryLimits: { timeoutMs: BUDGET_MS } });
  try {
    const from = nowSeconds() - 10;
    for (let part = 0; part < 4; part++) {
      const lines = Array.from(
        { length: STACKS / 4 },
        (_, i) => `main;handler_${part}_${i % 97};work_${part}_${i};leaf_${i % 13} 1`,
      );
      const r = await fetch(`${server.url}/ingest?name=heavy.cpu&from=${from}`, {
        method: 'POST',
        body: lines.join('\n'),
      });
      assert.equal(r.status, 200, await r.text());
    }
    const small = await fetch(`${server.url}/ingest?name=small.cpu&from=${from}`, {
      method: 'POST',
      body: 'main;tiny 3\n',
    });
    assert.equal(small.status, 200, await small.text());

    const range = 'from=now-1h&until=now%2B1h';
    const heavy = [
      `/pyroscope/render?query=heavy.cpu{}&${range}&maxNodes=65536`,
      `/api/v1/flamegraph?query=heavy.cpu{}&${range}&maxNodes=65536`,
      `/api/v1/diff?baseQuery=heavy.cpu{}&headQuery=heavy.cpu{}&${range}`,
    ];
    for (const path of heavy) {
      const started = performance.now();
      const health = fetch(`${server.url}/healthz`).then(async (r) => ({
        status: r.status,
        ms: performance.now() - started,
        body: await r.text(),
      }));
      const r = await fetch(`${server.url}${path}`);
      const ms = performance.now() - started;
      const body = await r.text();
      assert.equal(r.status, 503, `${path}: ${body.slice(0, 200)}`);
      assert.match(body, /deadline of 50 ms/);
      assert.ok(Number(r.headers.get('retry-after')) > 0);
      process.stderr.write(
        `query deadline: ${path.split('?')[0]} answered 503 after ${Math.round(ms)} ms (budget ${BUDGET_MS} ms, load ${loadavg()[0].toFixed(1)}); /healthz ${Math.round((await health).ms)} ms\n`,
      );
      assert.equal((await health).status, 200);
      // The store's own query (DuckDB, off the event loop) is not interruptible; the JavaScript
      // work after it is: the answer comes well before the seconds the whole query would take.
      assert.ok(ms < 3000, `${path} took ${ms} ms`);
    }

    const connect = await fetch(`${server.url}/querier.v1.QuerierService/SelectMergeStacktraces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        profileTypeID: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds',
        labelSelector: '{service_name="heavy"}',
        start: Date.now() - 3600_000,
        end: Date.now() + 3600_000,
        maxNodes: 65536,
      }),
    });
    const connectBody = await connect.text();
    assert.equal(connect.status, 503, connectBody.slice(0, 200));
    assert.match(connectBody, /"code":"unavailable".*deadline/);

    const ok = await fetch(`${server.url}/pyroscope/render?query=small.cpu{}&${range}`);
    assert.equal(ok.status, 200, await ok.text());
  } finally {
    await server.close();
  }
});
