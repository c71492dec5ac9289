import type { FunctionChange } from '../analysis/profile-diff.js';
import { escapeHtml, renderFlameGraphSection, renderHtmlPage } from '../flamegraph/html.js';
import { diffFlameNodes, flameNodeFromCallTree, toLevels } from '../flamegraph/levels.js';
import type { Profile } from '../model/profile.js';
import { buildCallTree } from '../model/tree.js';
import {
  changeLabel,
  changeSections,
  type DiffReport,
  describeBenchChange,
  formatBenchValue,
  formatSignificance,
  verdictLine,
} from './diff-report.js';

/** DiffFlameInput is the pooled profile of each side and the compared sample type's index in each. */
export interface DiffFlameInput {
  base: Profile;
  baseTypeIndex: number;
  head: Profile;
  headTypeIndex: number;
}

const MAX_FLAME_NODES = 30_000;

/**
 * renderDiffHtml writes report.html: the verdict, the reasons, the change tables and a
 * differential flame graph (red grew, green shrank) with relative and absolute modes.
 */
export function renderDiffHtml(report: DiffReport, flame: DiffFlameInput | undefined): string {
  const body: string[] = [
    '<h1>autoprof diff</h1>',
    `<p class="verdict-${report.gate.status}" id="verdict"><strong>${escapeHtml(verdictLine(report))}</strong></p>`,
  ];
  if (report.gate.reasons.length > 0) {
    body.push('<h2>Gate</h2><ul>');
    for (const r of report.gate.reasons)
      body.push(
        `<li><strong>${escapeHtml(r.level.replace('_', ' '))}</strong>: ${escapeHtml(r.message)}</li>`,
      );
    body.push('</ul>');
  }
  if (flame) {
    const baseNode = flameNodeFromCallTree(buildCallTree(flame.base).root, flame.baseTypeIndex);
    const headNode = flameNodeFromCallTree(buildCallTree(flame.head).root, flame.headTypeIndex);
    const datasets = {
      relative: toLevels(diffFlameNodes(baseNode, headNode, 'relative'), { maxNodes: MAX_FLAME_NODES }),
      absolute: toLevels(diffFlameNodes(baseNode, headNode, 'absolute'), { maxNodes: MAX_FLAME_NODES }),
    };
    body.push(
      '<h2>Differential flame graph</h2>',
      '<p class="legend"><span style="background:hsl(0,80%,60%)">grew</span><span style="background:hsl(120,60%,60%)">shrank</span> Bar width is base and head together; relative mode scales the base to the head total so only shares that moved are coloured.</p>',
      renderFlameGraphSection('diff-flamegraph', {
        title: 'differential flame graph',
        unit: report.sample_type?.unit ?? '',
        datasets,
        highlight: [...report.regressions, ...report.new_hotspots].map((c) => c.function),
      }),
    );
  }
  for (const [title, changes] of changeSections(report)) {
    body.push(
      `<h2>${title}</h2>`,
      changes.length === 0 ? '<p>None.</p>' : changeTableHtml(changes, title.toLowerCase().replace(' ', '-')),
    );
  }
  if (report.benchmarks.length > 0) {
    body.push(
      '<h2>Benchmarks</h2><table id="benchmarks"><tr><th>benchmark</th><th>unit</th><th class="num">base</th><th class="num">head</th><th class="num">change</th><th class="num">p</th><th>n</th></tr>',
    );
    for (const b of report.benchmarks) {
      body.push(
        `<tr><td>${escapeHtml(b.name)}</td><td>${escapeHtml(b.unit)}</td><td class="num">${escapeHtml(formatBenchValue(b.base_center, b.unit))}</td><td class="num">${escapeHtml(formatBenchValue(b.head_center, b.unit))}</td><td class="num">${describeBenchChange(b)}</td><td class="num">${b.p ?? ''}</td><td>${b.n_base}+${b.n_head}</td></tr>`,
      );
    }
    body.push('</table>');
  }
  if (report.notes.length > 0) {
    body.push('<h2>Notes</h2><ul>', ...report.notes.map((n) => `<li>${escapeHtml(n)}</li>`), '</ul>');
  }
  return renderHtmlPage('autoprof diff', body.join('\n'));
}

function changeTableHtml(changes: FunctionChange[], id: string): string {
  const rows = [
    `<table id="${id}"><tr><th>function</th><th>change</th><th class="num">base self</th><th class="num">head self</th><th class="num">delta</th><th>significance</th><th>attributed to</th><th>path</th></tr>`,
  ];
  for (const c of changes) {
    rows.push(
      `<tr><td><code>${escapeHtml(c.function)}</code></td><td>${changeLabel(c.kind)}</td><td class="num">${c.base.self_pct}%</td><td class="num">${c.head.self_pct}%</td><td class="num">${c.delta.self_pts > 0 ? '+' : ''}${c.delta.self_pts} pts</td><td>${escapeHtml(formatSignificance(c))}</td><td><code>${escapeHtml(c.attributed_to.function)}</code></td><td><code>${escapeHtml(c.stack.join(' → '))}</code></td></tr>`,
    );
  }
  rows.push('</table>');
  return rows.join('\n');
}
