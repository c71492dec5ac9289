/**
 * The web UI in headless Chromium against a real server and a real DuckDB store, fed with real
 * profiles: CPU profiles of a node program with a known hot function (node --cpu-prof), the
 * same program with that function made heavier (the diff must mark it), py-spy-style stacks that
 * the diagnosis flags, and a Go pprof from the shared corpora. Screenshots land in
 * .test-out/screenshots/ for a human to look at.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { importMergedProfile } from '../../src/formats/index.js';
import { exportToPprof, importPprof } from '../../src/formats/pprof.js';
import type { Profile } from '../../src/model/profile.js';
import { registerUiApiRoutes } from '../../src/server/api/ui-api.js';
import { registerUiRoutes } from '../../src/server/api/ui-routes.js';
import { buildServer } from '../../src/server/app.js';
import type { ServerContext } from '../../src/server/context.js';
import { MetricsRegistry } from '../../src/server/metrics.js';
import { openDuckDbStore } from '../../src/server/store/duckdb.js';
import type { ProfileStore } from '../../src/server/store/types.js';
import { corporaSkipReason, corpusPath, repoPath } from '../corpora.js';
import { launchChromium } from './browser.js';

const screenshots = repoPath('.test-out', 'screenshots');
const HOT = 'hotLoop';
const CORPUS_DIR = 'pprof/internal/proftest/testdata';
const NOW_MS = Date.now();
// Two ten-second windows half an hour apart, inside the UI's default "last hour".
const BASE_MS = Math.floor((NOW_MS - 40 * 60e3) / 1000) * 1000;
const HEAD_MS = Math.floor((NOW_MS - 10 * 60e3) / 1000) * 1000;

let browser: Browser | undefined;
let skipReason: string | undefined;
let server: { url: string; app: FastifyInstance; store: ProfileStore; dir: string } | undefined;
const work = mkdtempSync(join(tmpdir(), 'autoprof-ui-'));

/**
 * startUiServer is startTestServer (test/server/harness.ts) plus the UI routes when app.ts does
 * not register them yet: the harness listens before a test could add routes.
 */
async function startUiServer() {
  const dir = join(work, 'data');
  const store = await openDuckDbStore({ dir });
  const app = await buildServer({ store });
  const ctx: ServerContext = {
    store,
    metrics: new MetricsRegistry(),
    access: {},
    maxBodyBytes: 64 << 20,
    maxDecompressedBytes: 256 << 20,
  };
  if (!app.hasRoute({ method: 'GET', url: '/api/v1/flamegraph' })) registerUiApiRoutes(app, ctx);
  if (!app.hasRoute({ method: 'GET', url: '/' })) registerUiRoutes(app, ctx);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  return { url: `http://127.0.0.1:${address.port}`, app, store, dir };
}

/** cpuProfileOf runs node --cpu-prof on a program whose hotLoop/parseRecords weights are given. */
function cpuProfileOf(name: string, hotWeight: number, parseWeight: number): Uint8Array {
  const program = join(work, 'target.js');
  writeFileSync(
    program,
    `
function hotLoop(n) { let x = 0; for (let i = 0; i < n; i++) x = (x * 31 + i) % 1000003; return x; }
function parseRecords(n) { let s = 0; for (let i = 0; i < n; i++) s += JSON.parse('{"a":' + i + '}').a; return s; }
function handleRequest(h, p) { return hotLoop(h * 20000) + parseRecords(p * 400); }
function main() {
  const end = Date.now() + 1500;
  let sink = 0;
  while (Date.now() < end) sink += handleRequest(${hotWeight}, ${parseWeight});
  if (sink === 42) console.log(sink);
}
main();
`,
  );
  const out = join(work, `prof-${name}`);
  mkdirSync(out, { recursive: true });
  execFileSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${out}`, '--cpu-prof-interval=500', program]);
  const file = readdirSync(out).find((f) => f.endsWith('.cpuprofile'));
  assert.ok(file, 'node wrote a .cpuprofile');
  return withoutTime(importMergedProfile(join(out, file)));
}

/** withoutTime drops a profile's own timestamp so the ingest window places it. */
function withoutTime(profile: Profile): Uint8Array {
  profile.timeNanos = 0;
  return exportToPprof(profile);
}

async function ingest(query: string, fromMs: number, body: Uint8Array | string) {
  assert.ok(server);
  const from = Math.floor(fromMs / 1000);
  const r = await fetch(`${server.url}/ingest?${query}&from=${from}&until=${from + 10}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : Buffer.from(body),
  });
  assert.equal(r.status, 200, await r.text());
}

before(async () => {
  mkdirSync(screenshots, { recursive: true });
  const launched = await launchChromium();
  if ('skip' in launched) {
    skipReason = launched.skip;
    process.stderr.write(`\n*** SKIPPED ui tests: ${skipReason} ***\n`);
    return;
  }
  browser = launched.browser;
  server = await startUiServer();
  // checkout: hotLoop and parseRecords even in the base window, hotLoop three times heavier in the head window.
  await ingest('name=checkout&format=pprof', BASE_MS, cpuProfileOf('base', 2, 2));
  await ingest('name=checkout&format=pprof', HEAD_MS, cpuProfileOf('head', 6, 1));
  // signup: a Python service compiling its regex per call (py-spy's frame names).
  const folded = [
    '<module> (main.py:40);handle_request (app.py:12);validate_email (app.py:30);compile (/usr/lib/python3.11/re/__init__.py:227);_compile (/usr/lib/python3.11/re/__init__.py:294) 60',
    '<module> (main.py:40);handle_request (app.py:12);render (app.py:50) 30',
    '<module> (main.py:40);handle_request (app.py:12);validate_email (app.py:31) 10',
  ].join('\n');
  for (let i = 0; i < 3; i++) {
    await ingest('name=signup.cpu&sampleRate=100&spyName=pyspy', NOW_MS - (30 - i) * 60e3, folded);
  }
  // A large Go CPU profile from pprof's own test data.
  if (!corporaSkipReason(CORPUS_DIR)) {
    await ingest(
      'name=gobench&format=pprof',
      NOW_MS - 20 * 60e3,
      withoutTime(importPprof(readFileSync(corpusPath(CORPUS_DIR, 'large.cpu')), 'large.cpu')),
    );
  }
});

after(async () => {
  await browser?.close();
  await server?.app.close();
  await server?.store.close();
  rmSync(work, { recursive: true, force: true });
});

async function openUi(path: string, options: { width?: number; dark?: boolean } = {}): Promise<Page> {
  assert.ok(browser && server);
  const page = await browser.newPage({
    viewport: { width: options.width ?? 1400, height: 1000 },
    colorScheme: options.dark ? 'dark' : 'light',
  });
  const external: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(server!.url)) external.push(r.url());
  });
  page.on('pageerror', (err) => assert.fail(`page error: ${err.message}`));
  await page.goto(`${server.url}${path}`);
  assert.deepEqual(external, [], 'the UI loads nothing from outside the server');
  return page;
}

const attr = async (page: Page, sel: string, name: string) => page.getAttribute(sel, name);

test('flame graph: the hot function is drawn, searchable, zoomable; the URL reopens the view', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const page = await openUi('/?service=checkout');
  await page.waitForSelector('#flamegraph canvas');
  await page.waitForSelector(`#top-table tr[data-name="${HOT}"]`);
  // The canvas is drawn: plenty of non-background pixels.
  const painted = await page.evaluate(() => {
    const c = document.querySelector('#flamegraph canvas') as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  });
  assert.ok(painted > 5000, `flame graph painted ${painted} pixels`);
  // The hot function tops the table by self time.
  const first = await page.getAttribute('#top-table tbody tr:first-child', 'data-name');
  assert.equal(first, HOT, 'hotLoop has the most self time');

  await page.fill('#flamegraph input[type=search]', HOT);
  const share = Number(await attr(page, '#flamegraph', 'data-matched-share'));
  assert.ok(share > 0.3, `matched share of ${HOT}: ${share}`);
  assert.match((await page.textContent('#flamegraph .fg-status')) ?? '', /matched \d+\.\d+%/);
  await page.screenshot({ path: join(screenshots, 'ui-flame-search.png'), fullPage: true });

  // Clicking the table row zooms the flame graph to the function.
  await page.click(`#top-table tr[data-name="${HOT}"]`);
  assert.equal(await attr(page, '#flamegraph', 'data-zoomed'), HOT);
  const zoomEnd = Number(await attr(page, '#flamegraph', 'data-zoom-end'));
  const zoomStart = Number(await attr(page, '#flamegraph', 'data-zoom-start'));
  assert.ok(zoomEnd > zoomStart);
  await page.screenshot({ path: join(screenshots, 'ui-flame-zoomed.png'), fullPage: true });

  // Hover shows self and total.
  const box = (await page.locator('#flamegraph canvas').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + 9);
  const tip = (await page.locator('#flamegraph .fg-tooltip').textContent()) ?? '';
  assert.match(tip, /total .*%.*\nself .*%/);

  // The URL holds search and zoom: a fresh page on the copied link shows the same view.
  const link = page.url();
  assert.match(link, /[?&]q=hotLoop/);
  assert.match(link, /[?&]zoom=/);
  const again = await openUi(new URL(link).pathname + new URL(link).search);
  await again.waitForSelector('#flamegraph canvas');
  assert.equal(await again.inputValue('#flamegraph input[type=search]'), HOT);
  assert.equal(await attr(again, '#flamegraph', 'data-zoomed'), HOT);
  assert.equal(Number(await attr(again, '#flamegraph', 'data-zoom-start')), zoomStart);
  assert.equal(await attr(again, '#flamegraph', 'data-matched-share'), String(share));

  // Escape on the canvas resets the zoom, and the URL forgets it.
  await again.focus('#flamegraph canvas');
  await again.keyboard.press('Escape');
  assert.equal(await attr(again, '#flamegraph', 'data-zoomed'), null);
  assert.doesNotMatch(again.url(), /[?&]zoom=/);
  // Keyboard: arrows walk frames, Enter zooms.
  await again.keyboard.press('ArrowDown');
  await again.keyboard.press('ArrowDown');
  await again.keyboard.press('Enter');
  assert.ok(await attr(again, '#flamegraph', 'data-zoomed'), 'Enter zooms into the keyboard frame');
  await page.close();
  await again.close();
});

test('top table sorts and filters; sandwich shows callers above and callees below', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const page = await openUi('/?service=checkout&view=table');
  await page.waitForSelector(`#top-table tr[data-name="${HOT}"]`);
  await page.fill('.top-filter', 'parse');
  const names = await page.$$eval('#top-table tbody tr', (rows) =>
    rows.map((r) => (r as HTMLElement).dataset.name),
  );
  assert.ok(names.length > 0 && names.every((n) => /parse/i.test(n ?? '')), `filtered: ${names}`);
  await page.fill('.top-filter', '');
  await page.click('button[data-sort=name]');
  assert.equal(await attr(page, 'th:has(button[data-sort=name])', 'aria-sort'), 'ascending');
  await page.click(`#top-table tr[data-name="${HOT}"] button[data-sandwich]`);
  await page.waitForSelector('#sandwich-callers canvas');
  await page.waitForSelector('#sandwich-callees canvas');
  assert.match(page.url(), /view=sandwich/);
  assert.match(page.url(), /fn=hotLoop/);
  await page.screenshot({ path: join(screenshots, 'ui-sandwich.png'), fullPage: true });
  await page.close();
});

test('diff view marks the function that grew', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const q = new URLSearchParams({
    service: 'checkout',
    view: 'diff',
    from: String(BASE_MS - 60e3),
    until: String(HEAD_MS + 60e3),
    baseFrom: String(BASE_MS - 1000),
    baseUntil: String(BASE_MS + 11_000),
    headFrom: String(HEAD_MS - 1000),
    headUntil: String(HEAD_MS + 11_000),
  });
  const page = await openUi(`/?${q}`);
  const row = page.locator(`#diff-changes tr[data-function="${HOT}"]`);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-kind'), 'regression');
  assert.match((await row.textContent()) ?? '', /grew.*\+\d+\.\d+ pts/);
  assert.equal(await attr(page, '#diff-flamegraph', 'data-mode'), 'relative');
  await page.screenshot({ path: join(screenshots, 'ui-diff.png'), fullPage: true });
  // The hot function's frame is red: search it, then read its bar's colour after a focus.
  await row.click();
  assert.equal(await attr(page, '#diff-flamegraph', 'data-zoomed'), HOT);
  const [r, g] = await page.evaluate(() => {
    const c = document.querySelector('#diff-flamegraph canvas') as HTMLCanvasElement;
    const ratio = c.width / c.clientWidth;
    const el = document.getElementById('diff-flamegraph')!;
    // After the zoom the focused frame spans the width; find its row by scanning the middle column.
    const ctx = c.getContext('2d')!;
    for (let y = 0; y < c.clientHeight; y += 18) {
      const p = ctx.getImageData(
        Math.floor((c.clientWidth / 2) * ratio),
        Math.floor((y + 9) * ratio),
        1,
        1,
      ).data;
      if (p[0] > 200 && p[1] < 170 && p[3] === 255 && el) return [p[0], p[1]];
    }
    return [0, 255];
  });
  assert.ok(r > 200 && g < 170, `a red frame in the diff (${r}, ${g})`);
  await page.click('#diff-flamegraph button[data-mode=absolute]');
  assert.equal(await attr(page, '#diff-flamegraph', 'data-mode'), 'absolute');
  assert.match(page.url(), /diffMode=absolute/);
  await page.close();
});

test('findings panel lists the diagnosis and links each finding to its frame', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const page = await openUi('/?service=signup');
  const article = page.locator('#findings article[data-category=regex]').first();
  await article.waitFor();
  assert.equal(await article.getAttribute('data-function'), 'validate_email');
  await page.waitForSelector('#flamegraph canvas');
  await article.locator('button[data-show-frame]').click();
  // py-spy frames carry their file and line: the widest 'validate_email (app.py:30)' is shown.
  assert.match((await attr(page, '#flamegraph', 'data-zoomed')) ?? '', /^validate_email \(app\.py:30\)$/);
  assert.match(page.url(), /fn=validate_email/);
  await page.screenshot({ path: join(screenshots, 'ui-findings.png'), fullPage: true });
  await page.close();
});

test('a corpus pprof renders; exports and the bundled speedscope are served', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const corpusSkip = corporaSkipReason(CORPUS_DIR);
  if (corpusSkip) return t.skip(corpusSkip);
  assert.ok(server);
  const page = await openUi('/?service=gobench&theme=dark', { dark: true });
  await page.waitForSelector('#flamegraph canvas');
  await page.waitForSelector('#top-table tbody tr');
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  await page.screenshot({ path: join(screenshots, 'ui-dark-corpus.png'), fullPage: true });

  const pprofHref = (await page.getAttribute('#export-pprof', 'href'))!;
  const pprof = await fetch(new URL(pprofHref, server.url));
  assert.equal(pprof.status, 200);
  assert.ok((await pprof.arrayBuffer()).byteLength > 100);
  const ssHref = (await page.getAttribute('#export-speedscope', 'href'))!;
  const ss = (await (await fetch(new URL(ssHref, server.url))).json()) as {
    $schema: string;
    profiles: unknown[];
  };
  assert.match(ss.$schema, /speedscope/);
  assert.ok(ss.profiles.length > 0);

  // "open in speedscope": the viewer comes from this server and loads the export by URL (the
  // small checkout profile: speedscope on software WebGL takes long over 400k nodes).
  const small = await openUi('/?service=checkout');
  const open = (await small.getAttribute('#open-speedscope', 'href'))!;
  await small.close();
  assert.match(open, /^\/speedscope\/#profileURL=/);
  const viewer = await openUi(open);
  await viewer.waitForFunction(() => /checkout/.test(document.title), undefined, { timeout: 20_000 });
  await viewer.waitForTimeout(500);
  await viewer.screenshot({ path: join(screenshots, 'ui-speedscope.png') });
  assert.match(await viewer.title(), /speedscope/i);
  const traversal = await fetch(`${server.url}/speedscope/..%2f..%2fpackage.json`);
  assert.equal(traversal.status, 404);
  await page.close();
  await viewer.close();
});

test('empty and error states are readable', async (t) => {
  if (skipReason) return t.skip(skipReason);
  assert.ok(browser && server);
  // A tenant with no data: "No data yet".
  const context = await browser.newContext({ extraHTTPHeaders: { 'X-Scope-OrgID': 'nobody' } });
  const empty = await context.newPage();
  await empty.goto(`${server.url}/`);
  await empty.waitForSelector('[data-state=empty]');
  assert.match((await empty.textContent('#view')) ?? '', /No data yet/);
  await empty.screenshot({ path: join(screenshots, 'ui-empty.png') });
  await context.close();

  // A range beyond the server's limit: "Query too large".
  const large = await openUi('/?service=checkout&from=now-90d');
  await large.waitForSelector('#view [data-kind=too-large]');
  assert.match((await large.textContent('#view')) ?? '', /Query too large/);
  await large.close();

  // The server goes away: "Server unreachable".
  const gone = await openUi('/?service=checkout');
  await gone.waitForSelector('#flamegraph canvas');
  await gone.route('**/api/v1/**', (route) => route.abort('connectionrefused'));
  await gone.click('button[data-preset="15m"]');
  await gone.waitForSelector('#view [data-kind=unreachable]');
  assert.match((await gone.textContent('#view')) ?? '', /Server unreachable/);
  await gone.screenshot({ path: join(screenshots, 'ui-unreachable.png') });
  await gone.close();
});
