import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { readMetricEvidence } from '../../src/server/anomaly/metric-correlation.js';
import { checkoutFolded, ingestFolded, type Receiver, startReceiver } from './anomaly-fixtures.js';
import { startTestServer, type TestServer } from './harness.js';

/**
 * Metrics correlation and alerts with the real parts: Debian's Prometheus scraping autoprof's own
 * /metrics and a tiny exporter, Debian's Alertmanager whose only receiver is autoprof's webhook,
 * and a local HTTP server as the notification target. Both are started by the repo's scripts
 * (which install the packages when missing); the tests skip with the scripts' reason otherwise.
 */
const run = promisify(execFile);
const SCRIPTS = resolve(import.meta.dirname, '../../scripts');
const MIN = 60;

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((done) => s.listen(0, '127.0.0.1', done));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((done) => s.close(() => done()));
  return port;
}

/** startScript runs `script start`; resolves to the URL it prints, or a skip reason. */
async function startScript(
  script: string,
  env: Record<string, string>,
): Promise<{ url?: string; skip?: string }> {
  try {
    const { stdout } = await run('bash', [join(SCRIPTS, script), 'start'], {
      env: { ...process.env, ...env },
      timeout: 300_000,
    });
    const url = /=(http:\/\/\S+)/.exec(stdout)?.[1];
    return url ? { url } : { skip: `${script} printed no URL` };
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    return {
      skip: `${script} could not start (exit ${e.code}): ${e.stderr?.trim().split('\n').at(-1) ?? ''}`,
    };
  }
}

describe('metrics correlation and Alertmanager', () => {
  let server: TestServer;
  let receiver: Receiver;
  let exporter: Server;
  let cpuValue = 1;
  let promUrl: string | undefined;
  let amUrl: string | undefined;
  let skip: string | undefined;
  const promDir = mkdtempSync(join(tmpdir(), 'autoprof-prom-'));
  const amDir = mkdtempSync(join(tmpdir(), 'autoprof-am-'));
  const promPort = 0;

  before(async () => {
    receiver = await startReceiver();
    exporter = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(`# TYPE checkout_cpu_cores gauge\ncheckout_cpu_cores{service="checkout"} ${cpuValue}\n`);
    });
    await new Promise<void>((done) => exporter.listen(0, '127.0.0.1', done));
    const exporterPort = (exporter.address() as { port: number }).port;
    const port = promPort || (await freePort());
    server = await startTestServer({
      anomaly: {
        enabled: false,
        publicUrl: 'http://ui.example:4040',
        prometheus: {
          url: `http://127.0.0.1:${port}`,
          stepSeconds: 1,
          queries: [
            { name: 'cpu', query: 'checkout_cpu_cores{service="$service"}' },
            { name: 'autoprof_ingest', query: 'sum(autoprof_ingest_requests_total)' },
          ],
        },
        notifications: {
          targets: [
            { kind: 'webhook', url: `${receiver.url}/generic` },
            { kind: 'slack', url: `${receiver.url}/slack` },
          ],
        },
      },
    });
    const prom = await startScript('prometheus.sh', {
      AUTOPROF_PROM_DIR: promDir,
      AUTOPROF_PROM_PORT: String(port),
      AUTOPROF_PROM_TARGETS: `${new URL(server.url).host},127.0.0.1:${exporterPort}`,
    });
    promUrl = prom.url;
    const am = await startScript('alertmanager.sh', {
      AUTOPROF_AM_DIR: amDir,
      AUTOPROF_AM_WEBHOOK_URL: `${server.url}/api/v1/alertmanager`,
    });
    amUrl = am.url;
    skip = prom.skip ?? am.skip;
    if (skip) console.log(`# skipping: ${skip}`);

    // 80 minutes of checkout profiles up to now; parseOrder's RegExp path appears 8 minutes ago.
    const now = Math.floor(Date.now() / 1000);
    const writes: Promise<void>[] = [];
    for (let t = now - 80 * MIN; t < now; t += 20) {
      writes.push(ingestFolded(server.url, 'checkout.cpu', t, checkoutFolded(t >= now - 8 * MIN)));
      if (writes.length >= 50) await Promise.all(writes.splice(0));
    }
    await Promise.all(writes);
  });

  after(async () => {
    await run('bash', [join(SCRIPTS, 'alertmanager.sh'), 'stop'], {
      env: { ...process.env, AUTOPROF_AM_DIR: amDir },
    });
    await run('bash', [join(SCRIPTS, 'prometheus.sh'), 'stop'], {
      env: { ...process.env, AUTOPROF_PROM_DIR: promDir },
    });
    await server?.close();
    await receiver?.close();
    await new Promise<void>((done) => exporter.close(() => done()));
  });

  test('Prometheus series are read for a window, and a metric that moved is a co-occurring anomaly', async (t) => {
    if (skip || !promUrl) return t.skip(skip);
    const query = async (q: string) => {
      const r = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
      return ((await r.json()) as any).data.result as unknown[];
    };
    // Wait for a few scrapes of both targets at the old level, then move the metric.
    const started = Date.now() / 1000;
    for (let i = 0; i < 100; i++) {
      const [cpu, own] = await Promise.all([
        query('count_over_time(checkout_cpu_cores[1m])'),
        query('autoprof_ingest_requests_total'),
      ]);
      if (cpu.length > 0 && own.length > 0 && Number((cpu[0] as any).value[1]) >= 6) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const switchAt = Date.now() / 1000;
    cpuValue = 4;
    await new Promise((r) => setTimeout(r, 4500));
    const evidence = await readMetricEvidence(
      {
        url: promUrl,
        stepSeconds: 1,
        queries: [
          { name: 'cpu', query: 'checkout_cpu_cores{service="$service"}' },
          { name: 'autoprof_ingest', query: 'sum(autoprof_ingest_requests_total)' },
        ],
      },
      'checkout',
      { from: Math.ceil(switchAt) + 2, until: Math.floor(Date.now() / 1000) },
      { from: Math.floor(started) - 30, until: Math.floor(switchAt) },
    );
    const cpu = evidence.find((e) => e.name === 'cpu')!;
    assert.equal(cpu.query, 'checkout_cpu_cores{service="checkout"}');
    assert.ok(cpu.points >= 1, JSON.stringify(cpu));
    assert.equal(cpu.baseline_mean, 1);
    assert.equal(cpu.window_mean, 4);
    assert.equal(cpu.anomalous, true);
    const own = evidence.find((e) => e.name === 'autoprof_ingest')!;
    assert.ok(own.points >= 1 && own.series === 1, JSON.stringify(own));
    assert.equal(own.anomalous, false, 'no ingest happened meanwhile');
  });

  test('an alert fired into Alertmanager is answered with a profile root cause at the notification target', async (t) => {
    if (skip || !amUrl) return t.skip(skip);
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const r = await fetch(`${amUrl}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          labels: { alertname: 'CheckoutLatencyHigh', service: 'checkout', severity: 'page' },
          annotations: { summary: 'checkout p99 latency above 500 ms' },
          startsAt,
        },
      ]),
    });
    assert.equal(r.status, 200, await r.text());
    const generic = await receiver.waitFor((b) => b.path === '/generic' && b.body?.kind === 'alert', 60_000);
    const report = generic.body.payload;
    assert.equal(report.alert.name, 'CheckoutLatencyHigh');
    assert.equal(report.service, 'checkout');
    assert.match(
      report.root_cause.statement,
      /^parseOrder in checkout increased its CPU share from \d+(\.\d)?% to \d+%/,
    );
    assert.deepEqual(report.root_cause.path, ['main', 'handler', 'validate', 'parseOrder', 'RegExp:exec']);
    assert.match(generic.body.url, /^http:\/\/ui\.example:4040\/\?service=checkout&from=\d+&until=\d+$/);
    assert.equal(report.window.until - report.window.from >= 15 * MIN, true);
    const cpu = report.metrics.find((m: any) => m.name === 'cpu');
    assert.ok(cpu.points > 0, `Prometheus series read for the alert window: ${JSON.stringify(cpu)}`);
    const slack = await receiver.waitFor(
      (b) => b.path === '/slack' && /CheckoutLatencyHigh/.test(b.body?.text),
      5000,
    );
    assert.match(slack.body.text, /parseOrder in checkout/);
    assert.match(slack.body.text, /\|Open in autoprof>$/);

    // Alertmanager re-sends the group (repeat, or a second firing): the quiet period holds it back.
    const again = await fetch(`${server.url}/api/v1/alertmanager`, {
      method: 'POST',
      body: JSON.stringify({
        version: '4',
        status: 'firing',
        receiver: 'autoprof',
        groupKey: 'x',
        groupLabels: {},
        commonLabels: {},
        commonAnnotations: {},
        externalURL: amUrl,
        alerts: [
          {
            ...generic.body.payload.alert,
            startsAt,
            endsAt: '0001-01-01T00:00:00Z',
            generatorURL: '',
            fingerprint: report.alert.fingerprint,
            annotations: {},
          },
        ],
      }),
    });
    const body = (await again.json()) as any;
    assert.equal(body.reports[0].delivery.sent, false);
    assert.match(body.reports[0].delivery.reason, /quiet period/);
  });
});
