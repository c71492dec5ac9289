import assert from 'node:assert/strict';
import { test } from 'node:test';
import { profileFromFolded } from '../../test/profile-helpers.js';
import type { Finding, FindingsDocument } from '../analysis/findings.js';
import { drawLevelsAscii } from '../flamegraph/levels.js';
import { flameGroupsOf, renderFindingHtml, renderRunReportHtml } from './html-report.js';

const finding: Finding = {
  id: 'node-regex@check:app.js',
  pattern_id: 'node-regex',
  category: 'regex',
  title: 'Regex </script> in check',
  severity: 'high',
  confidence: 0.8,
  location: { function: 'check', file: 'file:///srv/app.js', line: 12 },
  stack: ['main', 'check'],
  evidence: { cpu_share: { value: 61.5, unit: '%', source: 'artifacts/node-1.cpuprofile' } },
  description: 'Backtracking.',
  suggestions: ['Anchor the pattern.'],
  verify: 'Run again.',
  references: ['https://example.org/regex'],
  impact: 0.4,
};

const doc: FindingsDocument = {
  schema: 'autoprof.findings/v1',
  target: { argv: ['node', 'app.js'], cwd: '/srv' },
  run: { dir: 'out', runs: 1, wall_s: 1.5, exit_status: 0, collectors: ['system', 'node'] },
  classification: {
    kind: 'cpu-bound',
    summary: 'busy',
    evidence: { cpu_utilisation: { value: 0.98, unit: 'cores' } },
  },
  findings: [finding],
  notes: ['python collector unavailable'],
};

test('flameGroupsOf: one graph per unit, requested type first, sample counts dropped beside time', () => {
  const profile = profileFromFolded(
    ['main;check 3 300 4096', 'main;idle 1 100 0'],
    [
      { type: 'samples', unit: 'count' },
      { type: 'cpu', unit: 'nanoseconds' },
      { type: 'alloc_space', unit: 'bytes' },
    ],
  );
  const groups = flameGroupsOf(profile, 1);
  assert.deepEqual(
    groups.map((g) => [g.unit, Object.keys(g.datasets)]),
    [
      ['nanoseconds', ['cpu']],
      ['bytes', ['alloc_space']],
    ],
  );
  assert.deepEqual(drawLevelsAscii(groups[0].datasets.cpu, 20), [
    '[root---------------',
    '[main---------------',
    '[check---------[idle',
  ]);
  assert.deepEqual(drawLevelsAscii(groups[1].datasets.alloc_space, 20), [
    '[root---------------',
    '[main---------------',
    '[check--------------',
  ]);
});

test('renderFindingHtml shows severity, confidence, location, evidence, stack and suggestions, escaped', () => {
  const html = renderFindingHtml(finding, 0);
  assert.match(html, /<article class="finding" id="finding-1" data-category="regex" data-function="check"/);
  assert.match(html, /Regex &lt;\/script&gt; in check/);
  assert.match(html, /sev-high">high<\/span> confidence 80%/);
  assert.match(html, /\/srv\/app\.js:12/);
  assert.match(html, /<td>cpu share<\/td><td class="num">61.5%<\/td><td>artifacts\/node-1.cpuprofile<\/td>/);
  assert.match(html, /<li class="own"><code>check<\/code><\/li>/);
  assert.match(html, /<li>Anchor the pattern.<\/li>/);
  assert.match(html, /data-flame-search="check"/);
  assert.doesNotMatch(html, /<\/script>/);
});

test('renderRunReportHtml: header, flame graph with findings highlighted, findings, metrics, notes', () => {
  const profile = profileFromFolded(
    ['main;check 900', 'main;idle 100'],
    [{ type: 'cpu', unit: 'nanoseconds' }],
  );
  const html = renderRunReportHtml({
    findings: doc,
    profile,
    metrics: [
      {
        name: 'CPU utilisation',
        unit: 'cores',
        points: [
          [0, 1],
          [1, 0.9],
        ],
      },
      { name: 'empty', unit: 'x', points: [] },
    ],
  });
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<code id="target">node app.js<\/code>/);
  assert.match(html, /<p id="classification" data-kind="cpu-bound"><strong>cpu-bound<\/strong>: busy/);
  assert.match(html, /<div id="flamegraph" class="flamegraph"/);
  assert.match(html, /"highlight":\["check"\]/);
  assert.match(html, /<h2>Findings \(1\)<\/h2>/);
  assert.match(html, /data-metric="CPU utilisation"/);
  assert.doesNotMatch(html, /data-metric="empty"/);
  assert.match(html, /<li>python collector unavailable<\/li>/);
  // Self-contained: nothing loaded from elsewhere (links in references are only anchors).
  assert.doesNotMatch(html, /<(script|link|img|iframe)[^>]+(src|href)=/i);
});

test('renderRunReportHtml without a profile or findings still renders', () => {
  const html = renderRunReportHtml({ findings: { ...doc, findings: [], notes: [] } });
  assert.doesNotMatch(html, /class="flamegraph"/);
  assert.match(html, /No finding/);
});
