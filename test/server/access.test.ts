import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { nowSeconds, startTestServer, type TestServer } from './harness.js';

describe('tenants and tokens', () => {
  let server: TestServer;
  const now = nowSeconds();
  const window = `from=${now - 600}&until=${now + 60}`;
  before(async () => {
    server = await startTestServer({ ingestTokens: ['in-secret'], readTokens: ['read-secret'] });
  });
  after(async () => {
    await server.close();
  });
  const ingest = (tenant: string | undefined, token: string | undefined, body: string) =>
    fetch(`${server.url}/ingest?name=svc.cpu&from=${now - 10}&until=${now}`, {
      method: 'POST',
      body,
      headers: {
        ...(tenant ? { 'X-Scope-OrgID': tenant } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    });
  const render = (tenant: string | undefined, token: string | undefined) =>
    fetch(`${server.url}/pyroscope/render?query=svc.cpu&${window}`, {
      headers: {
        ...(tenant ? { 'X-Scope-OrgID': tenant } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    });

  test('ingest and read need their own tokens', async () => {
    assert.equal((await ingest('acme', undefined, 'a 1')).status, 401);
    assert.equal((await ingest('acme', 'wrong', 'a 1')).status, 401);
    assert.equal((await ingest('acme', 'read-secret', 'a 1')).status, 401, 'a read token cannot ingest');
    assert.equal((await ingest('acme', 'in-secret', 'main;acme_only 1')).status, 200);
    assert.equal((await render('acme', undefined)).status, 401);
    assert.equal((await render('acme', 'in-secret')).status, 401, 'an ingest token cannot read');
    assert.equal((await render('acme', 'read-secret')).status, 200);
    // Basic auth with the token as password is what SDKs configured with basicAuth send.
    const basic = Buffer.from('user:in-secret').toString('base64');
    const r = await fetch(`${server.url}/ingest?name=svc.cpu`, {
      method: 'POST',
      body: 'b 1',
      headers: { authorization: `Basic ${basic}`, 'X-Scope-OrgID': 'acme' },
    });
    assert.equal(r.status, 200);
  });

  test('a tenant never reads another tenant', async () => {
    assert.equal((await ingest('tenant-a', 'in-secret', 'main;secret_of_a 5')).status, 200);
    assert.equal((await ingest('tenant-b', 'in-secret', 'main;visible_to_b 7')).status, 200);
    const b = (await (await render('tenant-b', 'read-secret')).json()) as {
      flamebearer: { names: string[]; numTicks: number };
    };
    assert.ok(b.flamebearer.names.includes('visible_to_b'));
    assert.ok(!b.flamebearer.names.includes('secret_of_a'));
    const none = (await (await render('tenant-c', 'read-secret')).json()) as {
      flamebearer: { numTicks: number };
    };
    assert.equal(none.flamebearer.numTicks, 0);
    const values = await fetch(`${server.url}/pyroscope/label-values?label=service_name`, {
      headers: { authorization: 'Bearer read-secret', 'X-Scope-OrgID': 'tenant-c' },
    });
    assert.deepEqual(await values.json(), []);
    assert.equal((await ingest('bad tenant/..', 'in-secret', 'a 1')).status, 400);
  });
});

describe('rate limit', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ ingestBytesPerSecond: 1000, ingestBurstBytes: 2000 });
  });
  after(async () => {
    await server.close();
  });

  test('a tenant over its ingest rate gets 429 with Retry-After; others are unaffected', async () => {
    // ~900 bytes per request against 1000 B/s with a 2000-byte burst: two pass, then 429.
    const body = `main;f 1\n${'\n'.repeat(890)}`;
    const send = (tenant: string) =>
      fetch(`${server.url}/ingest?name=rl.cpu`, {
        method: 'POST',
        body,
        headers: { 'X-Scope-OrgID': tenant },
      });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const r = await send('noisy');
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.headers.get('retry-after');
    }
    assert.deepEqual(statuses.slice(0, 2), [200, 200]);
    assert.ok(statuses.includes(429), statuses.join(','));
    assert.ok(Number(retryAfter) >= 1);
    assert.equal((await send('quiet')).status, 200);
  });
});
