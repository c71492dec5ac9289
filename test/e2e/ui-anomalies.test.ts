/**
 * Anomalies in the web UI, in headless Chromium against a real server and DuckDB store: 70
 * minutes of checkout profiles whose hot path changes after a deploy event (the anomaly tests'
 * fixture), one detection pass, then the timeline's markers, the anomaly panel and its report,
 * and the report's two ways into the data. Screenshots land in .test-out/screenshots/.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { buildServer } from '../../src/server/app.js';
import { openDuckDbStore } from '../../src/server/store/duckdb.js';
import type { ProfileStore } from '../../src/server/store/types.js';
import type { UiAnomaly } from '../../src/ui/anomalies-panel.js';
import { repoPath } from '../corpora.js';
import { checkoutFolded, ingestFolded } from '../server/anomaly-fixtures.js';
import { launchChromium } from './browser.js';

const screenshots = repoPath('.test-out', 'screenshots');
const MIN = 60;
// Minute-aligned, 80 minutes ago: the deploy lands 20 minutes ago, inside "last 2h".
const T0 = Math.floor(Date.now() / 1000 / MIN) * MIN - 80 * MIN;
const DEPLOY = T0 + 60 * MIN;
const SHA = '3f2a1c9d8e7b6a5f4e3d2c1b0a99887766554433';

let browser: Browser | undefined;
let skipReason: string | undefined;
let server: { url: string; app: FastifyInstance; store: ProfileStore } | undefined;
let anomaly: UiAnomaly & { function: NonNullable<UiAnomaly['function']> };
const work = mkdtempSync(join(tmpdir(), 'autoprof-ui-anomalies-'));

before(async () => {
  mkdirSync(screenshots, { recursive: true });
  const launched = await launchChromium();
  if ('skip' in launched) {
    skipReason = launched.skip;
    process.stderr.write(`\n*** SKIPPED ui anomaly tests: ${skipReason} ***\n`);
    return;
  }
  browser = launched.browser;
  const store = await openDuckDbStore({ dir: join(work, 'data') });
  const app = await buildServer({ store, anomaly: { enabled: false, backfillHours: 4 } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  server = { url: `http://127.0.0.1:${address.port}`, app, store };
  const { url } = server;
  const deploy = await fetch(`${url}/api/v1/events`, {
    method: 'POST',
    body: JSON.stringify({ service: 'checkout', git_sha: SHA, time: DEPLOY, labels: { env: 'prod' } }),
  });
  assert.equal(deploy.status, 201, await deploy.text());
  const writes: Promise<void>[] = [];
  for (let m = 0; m < 70; m++) {
    for (const s of [0, 20, 40]) {
      writes.push(ingestFolded(url, 'checkout.cpu', T0 + m * MIN + s, checkoutFolded(m >= 60)));
    }
    // A few requests in flight, not 60: every one leaves fetch a keep-alive socket that stays open
    // until the server's 30-s idle timeout, and with Chromium's own on top the test's single client
    // address passed the server's 128 connections per client under load (new connections then
    // reset: ERR_CONNECTION_RESET on every page.goto that followed).
    if (writes.length >= 6) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
  const r = await fetch(`${url}/api/v1/anomalies/detect?now=${T0 + 72 * MIN}`, { method: 'POST' });
  assert.equal(r.status, 200, await r.text());
  const { anomalies } = (await (await fetch(`${url}/api/v1/anomalies?service=checkout`)).json()) as {
    anomalies: Array<typeof anomaly>;
  };
  assert.equal(anomalies.length, 1, 'the fixture produces one anomaly');
  anomaly = anomalies[0];
  assert.equal(anomaly.function.name, 'parseOrder');
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

const attr = (page: Page, sel: string, name: string) => page.getAttribute(sel, name);

test('the timeline marks the deploy and the anomaly; the panel opens its report from either', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const page = await openUi('/?service=checkout&from=now-2h');
  const marker = page.locator(`#timeline g.event-anomaly[data-event="${anomaly.id}"]`);
  await marker.waitFor();
  const deploy = page.locator('#timeline g.event-deploy');
  await deploy.waitFor();
  // Distinguishable: their own shapes and colours, and labels that say which is which.
  assert.match((await deploy.getAttribute('aria-label')) ?? '', /^Deploy 3f2a1c9d/);
  assert.equal(await deploy.locator('text').textContent(), '3f2a1c9');
  assert.match((await marker.getAttribute('aria-label')) ?? '', /^Anomaly: parseOrder/);
  const [deployFill, anomalyFill] = await page.evaluate(() =>
    ['.event-deploy .event-shape', '.event-anomaly .event-shape'].map(
      (sel) => getComputedStyle(document.querySelector(sel)!).fill,
    ),
  );
  assert.notEqual(deployFill, anomalyFill);
  assert.equal(await deploy.locator('rect').count(), 1, 'a deploy is a square');
  assert.equal(await marker.locator('path').count(), 1, 'an anomaly is a triangle');

  // The panel lists it; nothing is open yet.
  const item = page.locator(`#anomalies button[data-anomaly="${anomaly.id}"]`);
  await item.waitFor();
  assert.match((await item.textContent()) ?? '', /parseOrder/);
  assert.equal(await page.locator('#anomaly-report').count(), 0);
  await page.screenshot({ path: join(screenshots, 'ui-anomalies-timeline.png'), fullPage: true });

  // Keyboard: Tab reaches the marker, Enter opens the report, and the URL keeps the id.
  await marker.focus();
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-kind')), 'anomaly');
  await page.keyboard.press('Enter');
  const report = page.locator('#anomaly-report');
  await report.waitFor();
  assert.match(page.url(), new RegExp(`[?&]anomaly=${anomaly.id}`));
  assert.equal(await item.getAttribute('aria-pressed'), 'true');
  const text = (await report.textContent()) ?? '';
  assert.ok(text.includes(anomaly.root_cause?.statement ?? '-'), 'the root-cause statement');
  assert.deepEqual(await page.$$eval('#anomaly-path li', (lis) => lis.map((li) => li.textContent)), [
    'main',
    'handler',
    'validate',
    'parseOrder',
    'RegExp:exec',
  ]);
  const firstChange = page.locator('#anomaly-changes tbody tr').first();
  assert.equal(await firstChange.getAttribute('data-function'), 'RegExp:exec');
  assert.equal(await firstChange.getAttribute('data-kind'), 'new_hotspot');
  assert.match((await page.textContent('#anomaly-deploy')) ?? '', /3f2a1c9d8e7b.*deploy event.*env=prod/);
  assert.ok((await page.locator('#anomaly-findings li').count()) > 0, 'the window has findings');
  await page.screenshot({ path: join(screenshots, 'ui-anomalies-report.png'), fullPage: true });

  // A fresh page on the copied link reopens the report.
  const again = await openUi(new URL(page.url()).search ? `/${new URL(page.url()).search}` : '/');
  await again.locator('#anomaly-report').waitFor();
  assert.equal(await attr(again, '#anomaly-report', 'data-anomaly'), anomaly.id);
  // ... even when the range no longer holds it (fetched by id).
  const outside = await openUi(`/?service=checkout&from=now-5m&anomaly=${anomaly.id}`);
  await outside.locator('#anomaly-report').waitFor();
  assert.match((await outside.textContent('#anomalies')) ?? '', /No anomalies in this range/);
  await page.close();
  await again.close();
  await outside.close();
});

test('"Show in flame graph" selects the window and searches the function', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const page = await openUi(`/?service=checkout&from=now-2h&anomaly=${anomaly.id}`);
  await page.locator('#anomaly-show-flame').click();
  await page.waitForSelector('#flamegraph canvas');
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('from'), String(anomaly.window.from * 1000));
  assert.equal(url.searchParams.get('until'), String(anomaly.window.until * 1000));
  assert.equal(url.searchParams.get('q'), 'parseOrder');
  assert.equal(url.searchParams.get('anomaly'), anomaly.id);
  assert.equal(await page.inputValue('#flamegraph input[type=search]'), 'parseOrder');
  // After the deploy parseOrder (with the RegExp under it) is most of the profile.
  const share = Number(await attr(page, '#flamegraph', 'data-matched-share'));
  assert.ok(share > 0.3, `matched share of parseOrder in the window: ${share}`);
  assert.equal(await attr(page, '#flamegraph', 'data-zoomed'), 'parseOrder');
  // The anomaly stays marked on the narrowed timeline.
  await page.locator(`#timeline g.event-anomaly.selected`).waitFor();
  await page.screenshot({ path: join(screenshots, 'ui-anomalies-flame.png'), fullPage: true });
  await page.close();
});

test('"Compare with baseline" opens the diff of baseline against window', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const page = await openUi(`/?service=checkout&from=now-2h&anomaly=${anomaly.id}`);
  await page.locator('#anomaly-compare').click();
  const row = page.locator('#diff-changes tr[data-function="RegExp:exec"]');
  await row.waitFor();
  assert.equal(await row.getAttribute('data-kind'), 'new_hotspot');
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('view'), 'diff');
  assert.equal(url.searchParams.get('baseFrom'), String(anomaly.baseline.from * 1000));
  assert.equal(url.searchParams.get('baseUntil'), String(anomaly.baseline.until * 1000));
  assert.equal(url.searchParams.get('headFrom'), String(anomaly.window.from * 1000));
  assert.equal(url.searchParams.get('headUntil'), String(anomaly.window.until * 1000));
  assert.equal(await page.inputValue('#base-from'), String(anomaly.baseline.from * 1000));
  await page.waitForSelector('#diff-flamegraph canvas');
  // The timeline shows the base and head ranges under the markers.
  await page.locator('#timeline rect.mark-base').waitFor();
  await page.locator('#timeline rect.mark-head').waitFor();
  await page.screenshot({ path: join(screenshots, 'ui-anomalies-diff.png'), fullPage: true });
  await page.close();
});
