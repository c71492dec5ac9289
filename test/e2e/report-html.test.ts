/**
 * report.html in a real browser: a real `autoprof run` of a Node.js fixture is rendered with
 * renderRunReportHtml and opened from file:// in headless Chromium (Debian's, through
 * playwright-core). The flame graph must draw, search, zoom, show self and total on hover and
 * outline the finding's frame; the findings and metric charts must be there; nothing may be
 * fetched from the network. The diff report (diff-html.ts) gets the same treatment. Screenshots
 * land in .test-out/screenshots/ for a human to look at.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { Finding, FindingsDocument } from '../../src/analysis/findings.js';
import { evaluateGate } from '../../src/analysis/gate.js';
import { DEFAULT_GATE_POLICY } from '../../src/analysis/gate-policy.js';
import { diffProfiles } from '../../src/analysis/profile-diff.js';
import type { FlameLevels } from '../../src/flamegraph/levels.js';
import { importMergedProfile } from '../../src/formats/index.js';
import type { Profile } from '../../src/model/profile.js';
import { renderDiffHtml } from '../../src/report/diff-html.js';
import { buildDiffReport } from '../../src/report/diff-report.js';
import { flameGroupsOf, renderRunReportHtml } from '../../src/report/html-report.js';
import { readRunMetricSeries } from '../../src/report/run-metrics.js';
import { profileFromFolded } from '../profile-helpers.js';
import { launchChromium } from './browser.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const screenshots = join(repo, '.test-out/screenshots');
const work = mkdtempSync(join(tmpdir(), 'autoprof-report-html-'));
const FIXTURE = 'test/fixtures/diagnosis/regex/title-check.mjs';
const OWN_FUNCTION = 'isPublishableTitle';
const ROW = 18; // the flame graph's row height in client.ts

let browser: Browser | undefined;
let skipReason: string | undefined;

before(async () => {
  const launched = await launchChromium();
  if ('skip' in launched) skipReason = launched.skip;
  else browser = launched.browser;
  if (skipReason) process.stderr.write(`report-html: skipping browser checks: ${skipReason}\n`);
  mkdirSync(screenshots, { recursive: true });
});

after(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});

/** runFixture profiles the fixture with the real CLI and returns the run folder. */
function runFixture(): string {
  const out = join(work, 'run');
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(repo, 'test/cli-entry.ts'), 'run', '--out', out, '--', 'node', FIXTURE, '1.2'],
    { cwd: repo, encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(r.status, 0, `autoprof run failed: ${r.stderr}`);
  return out;
}

/**
 * findingsFor reads findings.json; where the analysis left no finding on the program's own
 * function, it adds one built from the profile's numbers so the page still has one to show.
 */
function findingsFor(dir: string, profile: Profile): FindingsDocument {
  const path = join(dir, 'findings.json');
  const doc: FindingsDocument = existsSync(path)
    ? (JSON.parse(readFileSync(path, 'utf8')) as FindingsDocument)
    : {
        schema: 'autoprof.findings/v1',
        target: { argv: ['node', FIXTURE, '1.2'], cwd: repo },
        run: { dir: 'run', runs: 1, wall_s: null, exit_status: 0, collectors: ['system', 'node'] },
        classification: { kind: 'cpu-bound', summary: 'built by the test', evidence: {} },
        findings: [],
        notes: [],
      };
  if (doc.findings.some((f) => f.location.function === OWN_FUNCTION)) return doc;
  const levels = flameGroupsOf(profile, 0)[0].datasets;
  const first = Object.values(levels)[0];
  const bar = widestBar(first, OWN_FUNCTION);
  assert.ok(bar, `${OWN_FUNCTION} is in the profile`);
  const share = bar.total / first.total;
  const finding: Finding = {
    id: `test-regex@${OWN_FUNCTION}`,
    pattern_id: 'test-regex',
    category: 'regex',
    title: `Backtracking regular expression in ${OWN_FUNCTION}`,
    severity: 'high',
    confidence: 0.9,
    location: { function: OWN_FUNCTION, file: FIXTURE, line: 0 },
    stack: [OWN_FUNCTION],
    evidence: { total_cpu_share: { value: Math.round(share * 10000) / 100, unit: '%', source: 'profile' } },
    description: 'Built by the test from the profile.',
    suggestions: ['Make the repeated group unambiguous.'],
    verify: 'Run it again.',
    references: [],
    impact: share,
  };
  return { ...doc, findings: [finding, ...doc.findings] };
}

interface Bar {
  depth: number;
  start: number;
  total: number;
}

/** widestBar finds a function's widest bar in the levels the page draws. */
function widestBar(levels: FlameLevels, name: string): Bar | undefined {
  const stride = levels.diff ? 6 : 4;
  let best: Bar | undefined;
  levels.levels.forEach((row, depth) => {
    for (let i = 0; i < row.length; i += stride) {
      if (levels.names[row[i + 3]] !== name) continue;
      if (!best || row[i + 1] > best.total) best = { depth, start: row[i], total: row[i + 1] };
    }
  });
  return best;
}

/**
 * withNameShim: under tsx (these tests), esbuild's keepNames wraps functions in `__name(...)`,
 * and the flame graph client is embedded with Function.prototype.toString, so the page would
 * call a helper it does not have. The built package (tsc) has no such calls; the shim stands in
 * for the helper only when the page does not define it itself.
 */
function withNameShim(html: string): string {
  if (!html.includes('__name(') || html.includes('__name =')) return html;
  return html.replace('<head>', '<head>\n<script>var __name = function (f) { return f; };</script>');
}

async function openPage(html: string, name: string): Promise<{ page: Page; external: string[] }> {
  assert.ok(browser);
  const file = join(work, `${name}.html`);
  writeFileSync(file, withNameShim(html));
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const external: string[] = [];
  page.on('request', (r) => {
    if (!/^(file|data|about):/.test(r.url())) external.push(r.url());
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('.flamegraph canvas');
  assert.deepEqual(errors, [], 'no script errors on the page');
  return { page, external };
}

/** paintedPixels counts non-transparent pixels of the first flame graph canvas. */
function paintedPixels(page: Page, selector: string): Promise<number> {
  return page.evaluate((sel) => {
    const canvas = document.querySelector(`${sel} canvas`) as HTMLCanvasElement;
    const ctx = canvas.getContext('2d');
    if (!ctx || canvas.width === 0 || canvas.height === 0) return 0;
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
    return n;
  }, selector);
}

/** pixelAt reads one canvas pixel in CSS coordinates as [r, g, b, a]. */
function pixelAt(page: Page, selector: string, x: number, y: number): Promise<number[]> {
  return page.evaluate(
    ({ sel, x, y }) => {
      const canvas = document.querySelector(`${sel} canvas`) as HTMLCanvasElement;
      const ratio = canvas.width / canvas.clientWidth;
      const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
      return [...ctx.getImageData(Math.round(x * ratio), Math.round(y * ratio), 1, 1).data];
    },
    { sel: selector, x, y },
  );
}

test('run report.html: flame graph, findings and metrics work in headless Chromium', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const dir = runFixture();
  const profile = importMergedProfile(join(dir, 'profile.pb.gz'));
  const findings = findingsFor(dir, profile);
  const metrics = readRunMetricSeries(dir);
  assert.ok(
    metrics.some((m) => m.name === 'CPU utilisation' && m.points.length > 0),
    'CPU series from the system collector',
  );
  assert.ok(
    metrics.some((m) => m.name.startsWith('Event-loop delay')),
    'event-loop series from the node metrics',
  );
  const html = renderRunReportHtml({ findings, profile, metrics });
  assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)="https?:/i, 'no external assets');

  const { page, external } = await openPage(html, 'run-report');
  const fg = '#flamegraph';
  assert.ok((await paintedPixels(page, fg)) > 1000, 'the flame graph canvas is drawn');

  // Where the page draws the finding's frame, computed from the same levels the page embeds.
  const groups = flameGroupsOf(
    profile,
    Math.max(
      0,
      profile.sampleTypes.findIndex((s) => s.type === profile.defaultSampleType),
    ),
  );
  const levels = Object.values(groups[0].datasets)[0];
  const bar = widestBar(levels, OWN_FUNCTION);
  assert.ok(bar, `${OWN_FUNCTION} has a bar`);
  const box = await page.locator(`${fg} canvas`).boundingBox();
  assert.ok(box);
  const barX = (bar.start / levels.total) * box.width;
  const barW = (bar.total / levels.total) * box.width;
  const barY = bar.depth * ROW;
  assert.ok(barW > 4, `${OWN_FUNCTION} is wide enough to point at (${barW.toFixed(1)} px)`);

  // The finding's frame is outlined (dark stroke at its left edge); the root frame is not.
  // The bar starts at a fractional x, so the 2 px stroke may straddle pixel columns: the darkest
  // of the first four columns is the stroke.
  const edge = await Promise.all(
    [0, 1, 2, 3].map((dx) => pixelAt(page, fg, Math.floor(barX) + dx, barY + ROW / 2)),
  );
  const outline = edge.reduce((a, b) => (a[0] + a[1] + a[2] <= b[0] + b[1] + b[2] ? a : b));
  const plain = await pixelAt(page, fg, 1, ROW / 2);
  assert.ok(outline[0] + outline[1] + outline[2] < 150, `outlined frame edge is dark: ${outline}`);
  assert.ok(plain[0] + plain[1] + plain[2] > 300, `root frame edge is not outlined: ${plain}`);

  // Hover: the tooltip names the frame with self and total.
  await page.mouse.move(box.x + barX + barW / 2, box.y + barY + ROW / 2);
  const tooltip = page.locator(`${fg} .fg-tooltip`);
  await tooltip.waitFor({ state: 'visible' });
  const tip = (await tooltip.textContent()) ?? '';
  assert.match(tip, new RegExp(`^${OWN_FUNCTION}\\n`), `tooltip names the frame: ${tip}`);
  assert.match(tip, /total .*%/);
  assert.match(tip, /self .*%/);

  await page.screenshot({ path: join(screenshots, 'run-report.png'), fullPage: true });

  // Search sets the matched share.
  await page.fill(`${fg} input[type=search]`, OWN_FUNCTION);
  const share = Number(await page.getAttribute(fg, 'data-matched-share'));
  assert.ok(share > 0.05, `matched share of ${OWN_FUNCTION}: ${share}`);
  await page.fill(`${fg} input[type=search]`, '');
  assert.equal(await page.getAttribute(fg, 'data-matched-share'), '');

  // Click zooms into the frame.
  await page.mouse.click(box.x + barX + barW / 2, box.y + barY + ROW / 2);
  assert.equal(await page.getAttribute(fg, 'data-zoomed'), OWN_FUNCTION);
  assert.equal(Number(await page.getAttribute(fg, 'data-zoom-start')), bar.start);
  await page.keyboard.press('Escape');
  assert.equal(await page.getAttribute(fg, 'data-zoomed'), null);

  // The findings list shows the finding, and its button searches the flame graph for it.
  const article = page.locator(`#findings article[data-function="${OWN_FUNCTION}"]`).first();
  assert.ok(await article.isVisible(), 'the finding is listed');
  assert.match((await article.textContent()) ?? '', /confidence \d+%/);
  // A finding with a hotspot below its own frame has a second button, for the hotspot frame.
  await article.locator(`button[data-flame-search="${OWN_FUNCTION}"]`).click();
  assert.ok(
    Number(await page.getAttribute(fg, 'data-matched-share')) > 0.05,
    'finding button searches its frame',
  );
  const hotspotButtons = article.locator(
    `button[data-flame-search]:not([data-flame-search="${OWN_FUNCTION}"])`,
  );
  if ((await hotspotButtons.count()) > 0) {
    await hotspotButtons.first().click();
    assert.ok(
      Number(await page.getAttribute(fg, 'data-matched-share')) > 0.05,
      'the hotspot button searches the hotspot frame',
    );
  }

  // Metrics charts: one SVG per series, with a drawn line.
  const charts = await page.locator('#metrics figure.spark svg path').count();
  assert.ok(charts >= 3, `metric charts drawn: ${charts}`);
  await page.locator('#metrics').screenshot({ path: join(screenshots, 'run-report-metrics.png') });

  assert.deepEqual(external, [], 'the page fetched nothing from the network');
  await page.close();
});

test('diff report.html: regressed function listed, relative and absolute modes switch', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const cpu = [{ type: 'cpu', unit: 'nanoseconds' }];
  const base = profileFromFolded(
    ['main;handleRequest;parseBody 400', 'main;handleRequest;renderPage 500', 'main;idle 100'],
    cpu,
  );
  const head = profileFromFolded(
    ['main;handleRequest;parseBody 900', 'main;handleRequest;renderPage 500', 'main;idle 100'],
    cpu,
  );
  const diff = diffProfiles([base], [head]);
  const gate = evaluateGate([diff], [], DEFAULT_GATE_POLICY);
  const report = buildDiffReport(
    { inputs: ['base'], runs: 1 },
    { inputs: ['head'], runs: 1 },
    [diff],
    [],
    gate,
    DEFAULT_GATE_POLICY,
  );
  assert.ok(
    report.regressions.some((r) => r.function === 'parseBody'),
    'parseBody is a regression',
  );
  const html = renderDiffHtml(report, { base, baseTypeIndex: 0, head, headTypeIndex: 0 });
  const { page, external } = await openPage(html, 'diff-report');
  const fg = '#diff-flamegraph';
  assert.ok((await paintedPixels(page, fg)) > 1000, 'the diff flame graph is drawn');
  const row = page.locator('#regressions tr', { hasText: 'parseBody' });
  assert.equal(await row.count(), 1, 'the regressed function has a row');
  assert.equal(await page.getAttribute(fg, 'data-mode'), 'relative');
  await page.click(`${fg} button[data-mode=absolute]`);
  assert.equal(await page.getAttribute(fg, 'data-mode'), 'absolute');
  await page.click(`${fg} button[data-mode=relative]`);
  assert.equal(await page.getAttribute(fg, 'data-mode'), 'relative');
  await page.screenshot({ path: join(screenshots, 'diff-report.png'), fullPage: true });
  assert.deepEqual(external, []);
  await page.close();
});
