/**
 * The fleet triage as the UI's landing view, in headless Chromium against a real server and
 * DuckDB store holding three services: `orders` and `sessions`, CPU profiles of real node
 * programs (node --cpu-prof of the bundled example, which spends its time in a JSON round trip,
 * and of a GC-heavy session cache), and `checkout`, folded profiles whose hot path changes after
 * a deploy event, with one detection pass so its row carries an anomaly. The landing page must
 * show one row per service as GET /api/v1/triage says, and a row must open its flame graph.
 * Screenshots land in .test-out/screenshots/.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { importMergedProfile } from '../../src/formats/index.js';
import { exportToPprof } from '../../src/formats/pprof.js';
import { buildServer } from '../../src/server/app.js';
import { openDuckDbStore } from '../../src/server/store/duckdb.js';
import type { ProfileStore } from '../../src/server/store/types.js';
import type { TriageResponse } from '../../src/ui/triage-view.js';
import { repoPath } from '../corpora.js';
import { checkoutFolded, ingestFolded } from '../server/anomaly-fixtures.js';
import { launchChromium } from './browser.js';

const screenshots = repoPath('.test-out', 'screenshots');
const MIN = 60;
// Minute-aligned, 20 minutes ago: six minutes of the old checkout, then four after the deploy.
const T0 = Math.floor(Date.now() / 1000 / MIN) * MIN - 20 * MIN;
const DEPLOY = T0 + 6 * MIN;

let browser: Browser | undefined;
let skipReason: string | undefined;
let server: { url: string; app: FastifyInstance; store: ProfileStore } | undefined;
let triage: TriageResponse;
const work = mkdtempSync(join(tmpdir(), 'autoprof-ui-triage-'));

/** cpuProfileOf runs a node program under --cpu-prof and returns its profile as pprof. */
function cpuProfileOf(name: string, args: string[]): Uint8Array {
  const out = join(work, name);
  mkdirSync(out, { recursive: true });
  execFileSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${out}`, ...args]);
  const file = readdirSync(out).find((f) => f.endsWith('.cpuprofile'));
  assert.ok(file, `node wrote a .cpuprofile for ${name}`);
  const profile = importMergedProfile(join(out, file));
  // Placed by the ingest window instead of the run's own clock.
  profile.timeNanos = 0;
  return exportToPprof(profile);
}

async function ingestPprof(service: string, fromSeconds: number, body: Uint8Array): Promise<void> {
  assert.ok(server);
  const r = await fetch(
    `${server.url}/ingest?name=${service}&format=pprof&from=${fromSeconds}&until=${fromSeconds + 2}`,
    { method: 'POST', body: Buffer.from(body) },
  );
  assert.equal(r.status, 200, await r.text());
}

before(async () => {
  mkdirSync(screenshots, { recursive: true });
  const launched = await launchChromium();
  if ('skip' in launched) {
    skipReason = launched.skip;
    process.stderr.write(`\n*** SKIPPED ui triage tests: ${skipReason} ***\n`);
    return;
  }
  browser = launched.browser;
  const store = await openDuckDbStore({ dir: join(work, 'data') });
  // Short detection windows, so ten minutes of checkout are enough for a verdict.
  const app = await buildServer({
    store,
    anomaly: { enabled: false, thresholds: { minBaselineMinutes: 3, windowMinutes: 2 } },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  server = { url: `http://127.0.0.1:${address.port}`, app, store };
  const { url } = server;
  // One program at a time: two profiled at once on two cores would measure each other.
  const orders = cpuProfileOf('orders', [repoPath('examples', 'order-service.mjs'), '1500']);
  const sessions = cpuProfileOf('sessions', [
    repoPath('test', 'server', 'fixtures', 'session-churn.mjs'),
    '1.5',
  ]);
  // Three pushes each, as an agent pushes three periods.
  for (const at of [T0 + 12 * MIN, T0 + 14 * MIN, T0 + 16 * MIN]) {
    await ingestPprof('orders', at, orders);
    await ingestPprof('sessions', at, sessions);
  }
  const deploy = await fetch(`${url}/api/v1/events`, {
    method: 'POST',
    body: JSON.stringify({ service: 'checkout', version: 'v2.4.0', time: DEPLOY }),
  });
  assert.equal(deploy.status, 201, await deploy.text());
  const writes: Promise<void>[] = [];
  for (let m = 0; m < 10; m++) {
    for (const s of [0, 20, 40])
      writes.push(ingestFolded(url, 'checkout.cpu', T0 + m * MIN + s, checkoutFolded(m >= 6)));
  }
  await Promise.all(writes);
  const detect = await fetch(`${url}/api/v1/anomalies/detect?now=${T0 + 11 * MIN}`, { method: 'POST' });
  assert.equal(detect.status, 200, await detect.text());
  const r = await fetch(`${url}/api/v1/triage?from=now-1h`);
  assert.equal(r.status, 200, await r.clone().text());
  triage = (await r.json()) as TriageResponse;
});

after(async () => {
  await browser?.close();
  await server?.app.close();
  await server?.store.close();
  rmSync(work, { recursive: true, force: true });
});

async function openUi(path: string): Promise<Page> {
  assert.ok(browser && server);
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('pageerror', (err) => assert.fail(`page error: ${err.message}`));
  await page.goto(`${server.url}${path}`);
  return page;
}

test('the landing view: one row per service, as the triage API says', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const byService = new Map(triage.services.map((s) => [s.service, s]));
  assert.deepEqual([...byService.keys()].sort(), ['checkout', 'orders', 'sessions']);
  // The fixture's facts, so the rows below are checked against something true.
  assert.equal(byService.get('orders')?.top_own?.function, 'serializeRoundTrip');
  assert.equal(byService.get('orders')?.classification.kind, 'cpu-bound');
  const checkout = byService.get('checkout');
  assert.ok(
    checkout?.anomalies.some((a) => a.function === 'parseOrder'),
    JSON.stringify(checkout?.anomalies),
  );

  const page = await openUi('/');
  await page.waitForSelector('#triage tbody tr');
  assert.equal(await page.getAttribute('nav.tabs button[data-view=triage]', 'aria-selected'), 'true');
  // The bare URL is the landing view and stays bare.
  assert.equal(new URL(page.url()).search, '');
  const rows = await page.$$eval('#triage tbody tr', (trs) =>
    trs.map((tr) => ({
      service: tr.getAttribute('data-service'),
      kind: tr.getAttribute('data-kind'),
      fn: tr.querySelector('.triage-fn')?.getAttribute('data-function'),
      text: tr.textContent ?? '',
      anomalies: Number(tr.querySelector('.triage-anomalies')?.getAttribute('data-count')),
    })),
  );
  // Worst first, in the server's order: the service with an open anomaly leads.
  assert.deepEqual(
    rows.map((r) => r.service),
    triage.services.map((s) => s.service),
  );
  assert.equal(rows[0].service, 'checkout');
  for (const row of rows) {
    const api = byService.get(row.service ?? '');
    assert.ok(api);
    assert.equal(row.kind, api.classification.kind);
    // The classification's number is on the row, as the server wrote it.
    assert.ok(row.text.includes(api.classification.summary), `${row.service}: ${row.text}`);
    assert.equal(row.fn, api.top_own?.function ?? api.top_self?.function);
    assert.equal(row.anomalies, api.anomalies.length);
    if (api.top_finding) assert.ok(row.text.includes(api.top_finding.title), row.text);
  }
  const orders = rows.find((r) => r.service === 'orders');
  assert.match(orders?.text ?? '', /serializeRoundTrip.*self \d+\.\d%.*total \d+\.\d%/s);
  // Where the time lands when it is not the own function itself (JSON, the runtime).
  const lands = byService.get('orders')?.top_self;
  if (lands && lands.function !== 'serializeRoundTrip') {
    assert.ok(orders?.text.includes(`time lands in ${lands.function}`), orders?.text);
  }
  const checkoutRow = rows.find((r) => r.service === 'checkout');
  assert.match(checkoutRow?.text ?? '', /parseOrder/);
  assert.match(checkoutRow?.text ?? '', /version .*v2\.4\.0/);
  await page.screenshot({ path: join(screenshots, 'ui-triage.png'), fullPage: true });

  // A click on a row opens that service's flame graph; Back returns to the table.
  await page.click('#triage tbody tr[data-service="orders"] td.triage-class');
  await page.waitForSelector('#flamegraph canvas');
  assert.match(page.url(), /[?&]service=orders/);
  assert.doesNotMatch(page.url(), /view=triage/);
  await page.waitForSelector('#top-table tr[data-name="serializeRoundTrip"]');
  assert.equal(await page.inputValue('#service'), 'orders');
  await page.screenshot({ path: join(screenshots, 'ui-triage-open.png'), fullPage: true });
  await page.goBack();
  await page.waitForSelector('#triage tbody tr[data-service="sessions"]');
  // The keyboard opens a row too: focus it, Enter.
  await page.focus('#triage tbody tr[data-service="sessions"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#flamegraph canvas');
  assert.match(page.url(), /[?&]service=sessions/);
  // The Services tab leads back to the table.
  await page.click('nav.tabs button[data-view=triage]');
  await page.waitForSelector('#triage tbody tr');
  await page.close();
});

test('a service link still opens straight into its flame graph', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const page = await openUi('/?service=checkout');
  await page.waitForSelector('#flamegraph canvas');
  assert.equal(await page.locator('#triage').count(), 0);
  await page.close();
});
