import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildServer } from '../../src/server/app.js';
import { openDuckDbStore } from '../../src/server/store/duckdb.js';
import { nowSeconds } from './harness.js';

/**
 * Series per tenant (issue 23): a client inventing label values cannot grow a tenant's index
 * past `limits.maxSeriesPerTenant`; the request that would is refused 429 naming the limit,
 * existing series keep ingesting, other tenants are untouched, and the cap holds after a restart.
 */

const CAP = 20;

async function withServer<T>(dir: string, work: (url: string) => Promise<T>): Promise<T> {
  const store = await openDuckDbStore({ dir });
  const app = await buildServer({ store, maxSeriesPerTenant: CAP });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    return await work(`http://127.0.0.1:${port}`);
  } finally {
    await app.close();
    await store.close();
  }
}

async function ingest(url: string, pod: string, tenant?: string): Promise<{ status: number; text: string }> {
  const r = await fetch(
    `${url}/ingest?name=${encodeURIComponent(`cap.cpu{pod=${pod}}`)}&from=${nowSeconds()}`,
    {
      method: 'POST',
      body: 'main;work 1\n',
      headers: tenant ? { 'x-scope-orgid': tenant } : {},
    },
  );
  return { status: r.status, text: await r.text() };
}

test('a tenant cannot hold more series than its cap, across a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'autoprof-series-cap-'));
  try {
    await withServer(dir, async (url) => {
      for (let i = 0; i < CAP; i++) assert.equal((await ingest(url, `p${i}`)).status, 200);
      const over = await ingest(url, 'invented-1');
      assert.equal(over.status, 429, over.text);
      assert.match(over.text, /series limit reached .*limit 20 \(limits\.maxSeriesPerTenant\)/);
      // Concurrent inventions all fail too: none slips into the last slot.
      const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => ingest(url, `burst-${i}`)));
      assert.ok(
        burst.every((r) => r.status === 429),
        burst.map((r) => r.status).join(),
      );
      assert.equal((await ingest(url, 'p3')).status, 200, 'an existing series still ingests');
      assert.equal((await ingest(url, 'other-tenant-pod', 'team-b')).status, 200);
      const values = await fetch(`${url}/pyroscope/label-values?label=pod`);
      const pods = (await values.json()) as string[];
      assert.equal(pods.length, CAP);
    });
    await withServer(dir, async (url) => {
      assert.equal((await ingest(url, 'after-restart')).status, 429);
      assert.equal((await ingest(url, 'p0')).status, 200);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
