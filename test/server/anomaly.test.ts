import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  catalogFolded,
  checkoutFolded,
  ingestFolded,
  type Receiver,
  startReceiver,
} from './anomaly-fixtures.js';
import { startTestServer, type TestServer } from './harness.js';

/**
 * The continuous analysis end to end on a real server and DuckDB store: 70 minutes of profiles
 * (three 20-s profiles a minute) for a service whose hot path changes after a deploy event, one
 * whose version label changes, and a steady one; one detection pass over them.
 */
const MIN = 60;
const T0 = Math.floor(Date.now() / 1000 / MIN) * MIN - 3 * 3600; // 3 h ago, minute-aligned
const SHA = '3f2a1c9d8e7b6a5f4e3d2c1b0a99887766554433';

describe('anomaly detection', () => {
  let server: TestServer;
  let receiver: Receiver;
  const getJson = async (path: string) => {
    const r = await fetch(`${server.url}${path}`);
    assert.equal(r.status, 200, path);
    return r.json() as Promise<any>;
  };

  before(async () => {
    receiver = await startReceiver();
    server = await startTestServer({
      anomaly: {
        enabled: false,
        backfillHours: 4,
        publicUrl: 'http://autoprof.example',
        notifications: {
          targets: [
            { kind: 'webhook', url: `${receiver.url}/generic` },
            { kind: 'slack', url: `${receiver.url}/slack` },
          ],
        },
      },
    });
    const deploy = await fetch(`${server.url}/api/v1/events`, {
      method: 'POST',
      body: JSON.stringify({
        service: 'checkout',
        git_sha: SHA,
        time: T0 + 60 * MIN,
        labels: { env: 'prod' },
      }),
    });
    assert.equal(deploy.status, 201, await deploy.text());
    const writes: Promise<void>[] = [];
    for (let m = 0; m < 70; m++) {
      for (const s of [0, 20, 40]) {
        const t = T0 + m * MIN + s;
        writes.push(ingestFolded(server.url, 'checkout.cpu', t, checkoutFolded(m >= 60)));
        writes.push(ingestFolded(server.url, 'catalog.cpu', t, catalogFolded()));
        const version = m >= 60 ? 'v2' : 'v1';
        writes.push(ingestFolded(server.url, `orders.cpu{version=${version}}`, t, checkoutFolded(m >= 60)));
      }
      if (writes.length >= 60) await Promise.all(writes.splice(0));
    }
    await Promise.all(writes);
  });
  after(async () => {
    await server?.close();
    await receiver?.close();
  });

  test('a deploy that changes the hot path produces an anomaly naming the function and the deploy', async () => {
    const r = await fetch(`${server.url}/api/v1/anomalies/detect?now=${T0 + 72 * MIN}`, { method: 'POST' });
    const text = await r.text();
    assert.equal(r.status, 200, text);
    const { results } = JSON.parse(text);
    assert.ok(results[0].minutes >= 3 * 70, `minutes analysed: ${results[0].minutes}`);

    const { anomalies } = await getJson(`/api/v1/anomalies?service=checkout`);
    assert.equal(anomalies.length, 1, JSON.stringify(anomalies.map((a: any) => a.window)));
    const a = anomalies[0];
    assert.equal(a.kind, 'function-share');
    assert.equal(a.function.name, 'parseOrder');
    assert.ok(a.function.current_pct > a.function.baseline_pct * 1.2, JSON.stringify(a.function));
    assert.equal(a.deploy.version, SHA);
    assert.equal(a.deploy.source, 'api');
    assert.deepEqual(a.deploy.labels, { env: 'prod' });
    assert.equal(a.baseline.source, 'before-deploy');
    assert.equal(a.window.from, T0 + 60 * MIN);
    assert.ok(a.window.minutes >= 5, `the open anomaly extends: ${a.window.minutes}`);
    const rc = a.root_cause;
    assert.match(
      rc.statement,
      /^parseOrder in checkout increased its CPU share from \d+(\.\d)?% to \d+% after deploy 3f2a1c9/,
    );
    assert.match(rc.statement, /the new path is main -> handler -> validate -> parseOrder -> RegExp:exec\.$/);
    assert.deepEqual(rc.path, ['main', 'handler', 'validate', 'parseOrder', 'RegExp:exec']);
    assert.equal(rc.changes[0].function, 'RegExp:exec');
    assert.equal(rc.changes[0].kind, 'new_hotspot');
    assert.ok(rc.findings.length > 0, 'the diagnosis of the new window has findings');
    assert.ok(a.confidence >= 0.5);
    assert.match(a.links.ui, /^http:\/\/autoprof\.example\/\?service=checkout&from=\d+&until=\d+$/);

    const one = await getJson(`/api/v1/anomalies/${a.id}`);
    assert.equal(one.id, a.id);
    assert.equal((await fetch(`${server.url}/api/v1/anomalies/an_nope`)).status, 404);

    // Notified once to each target (de-duplicated while it stays open), Slack as mrkdwn text.
    const generic = receiver.bodies.filter(
      (b) => b.path === '/generic' && b.body.payload.service === 'checkout',
    );
    assert.equal(generic.length, 1);
    assert.equal(generic[0].body.kind, 'anomaly');
    assert.equal(generic[0].body.payload.id, a.id);
    const slack = receiver.bodies.filter((b) => b.path === '/slack' && /checkout/.test(b.body.text));
    assert.equal(slack.length, 1);
    assert.match(slack[0].body.text, /parseOrder in checkout/);
    assert.match(
      slack[0].body.text,
      /<http:\/\/autoprof\.example\/\?service=checkout[^|]*\|Open in autoprof>/,
    );
  });

  test('a steady service over the same period produces none', async () => {
    const { anomalies } = await getJson(`/api/v1/anomalies?service=catalog`);
    assert.deepEqual(anomalies, []);
  });

  test('a new value of the version label counts as a deploy', async () => {
    const { anomalies } = await getJson(`/api/v1/anomalies?service=orders`);
    assert.equal(anomalies.length, 1);
    assert.equal(anomalies[0].function.name, 'parseOrder');
    assert.equal(anomalies[0].version, 'v2');
    assert.equal(anomalies[0].deploy.source, 'label');
    assert.equal(anomalies[0].deploy.version, 'v2');
    assert.match(anomalies[0].root_cause.statement, /after deploy v2/);
    const { events } = await getJson(`/api/v1/events?service=orders`);
    assert.deepEqual(
      events.map((e: any) => [e.version, e.time, e.source]),
      [['v2', T0 + 60 * MIN, 'label']],
    );
  });

  test('a second pass over the same minutes adds nothing; bad input is a 400', async () => {
    const r = await fetch(`${server.url}/api/v1/anomalies/detect?now=${T0 + 72 * MIN}`, { method: 'POST' });
    const { results } = (await r.json()) as any;
    assert.equal(results[0].minutes, 0);
    const { anomalies } = await getJson('/api/v1/anomalies');
    assert.equal(anomalies.length, 2);
    for (const body of [
      '{"version":"x"}',
      '{"service":"a"}',
      'nope',
      '{"service":"a","version":"b","time":"soon"}',
    ]) {
      const bad = await fetch(`${server.url}/api/v1/events`, { method: 'POST', body });
      assert.equal(bad.status, 400, body);
    }
    const badAlert = await fetch(`${server.url}/api/v1/alertmanager`, {
      method: 'POST',
      body: '{"version":"3"}',
    });
    assert.equal(badAlert.status, 400);
  });
});
