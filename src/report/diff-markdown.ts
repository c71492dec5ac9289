import { packageOfFrame } from '../analysis/frame-package.js';
import type { BenchmarkDelta } from '../analysis/gate.js';
import type { FunctionChange } from '../analysis/profile-diff.js';
import {
  changeLabel,
  changeSections,
  type DiffReport,
  describeBenchChange,
  escapeCell,
  formatBenchValue,
  formatSignificance,
  signed,
  topChanges,
  verdictLine,
} from './diff-report.js';

/** renderDiffMarkdown writes report.md: verdict, reasons, every change table, benchmarks, notes. */
export function renderDiffMarkdown(report: DiffReport, reproduce: string): string {
  const out: string[] = ['# autoprof diff', '', `**${verdictLine(report)}**`, ''];
  out.push(
    `Base: ${report.base.inputs.join(', ')} (${report.base.runs} run(s)); head: ${report.head.inputs.join(', ')} (${report.head.runs} run(s)).`,
    '',
  );
  if (report.gate.reasons.length > 0) {
    out.push('## Gate', '');
    for (const r of report.gate.reasons) out.push(`- **${r.level.replace('_', ' ')}**: ${r.message}`);
    out.push('');
  }
  if (report.sample_type) {
    const t = report.sample_type;
    out.push(`## Function changes (${t.type}/${t.unit})`, '');
    for (const [title, changes] of changeSections(report)) {
      out.push(`### ${title}`, '');
      out.push(changes.length === 0 ? 'None.' : changeTable(changes), '');
    }
    const top = report.regressions[0] ?? report.new_hotspots[0];
    if (top) {
      out.push('### Top change, call path', '', '```', top.stack.join('\n  -> '), '```', '');
      out.push(
        `Attributed to \`${top.attributed_to.function}\`${top.attributed_to.file ? ` (${top.attributed_to.file}${top.attributed_to.line ? `:${top.attributed_to.line}` : ''})` : ''}, the program's own frame nearest to it.`,
        '',
      );
    }
    if (report.totals) {
      const tot = report.totals;
      out.push(
        `Total ${t.type} per run: base median ${tot.base_median}, head median ${tot.head_median} (${signed(tot.delta_pct, '%')}${tot.significance ? `, p=${tot.significance.p}` : ''}).`,
        '',
      );
    }
  }
  if (report.benchmarks.length > 0) out.push('## Benchmarks', '', benchmarkTable(report.benchmarks), '');
  if (report.notes.length > 0) {
    out.push('## Notes', '');
    for (const n of report.notes) out.push(`- ${n}`);
    out.push('');
  }
  out.push('## Reproduce', '', '```sh', reproduce, '```', '');
  out.push(
    `Thresholds: a change is more than ${report.policy.changePoints} share points; a new hotspot more than ${report.policy.hotspotPct}%; a benchmark regression a significant slowdown beyond ${report.policy.benchmarkRegressionPct}%; alpha ${report.policy.alpha}.`,
    '',
  );
  return out.join('\n');
}

/** changeTable renders function changes as a Markdown table. */
export function changeTable(changes: FunctionChange[]): string {
  const rows = [
    '| function | change | base self | head self | delta | base total | head total | significance | attributed to |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  for (const c of changes) {
    rows.push(
      `| \`${escapeCell(c.function)}\` | ${changeLabel(c.kind)} | ${c.base.self_pct}% | ${c.head.self_pct}% | ${signed(c.delta.self_pts, ' pts')} | ${c.base.total_pct}% | ${c.head.total_pct}% | ${formatSignificance(c)} | \`${escapeCell(c.attributed_to.function)}\` |`,
    );
  }
  return rows.join('\n');
}

/** benchmarkTable renders benchmark comparisons. */
export function benchmarkTable(benchmarks: BenchmarkDelta[]): string {
  const rows = [
    '| benchmark | unit | base | head | change | p | n |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const b of benchmarks) {
    rows.push(
      `| ${escapeCell(b.name)} | ${b.unit} | ${formatBenchValue(b.base_center, b.unit)} | ${formatBenchValue(b.head_center, b.unit)} | ${describeBenchChange(b)} | ${b.p ?? 'n/a'} | ${b.n_base}+${b.n_head} |`,
    );
  }
  return rows.join('\n');
}

/**
 * packageNote names the package of a changed function outside the program (" (ms@0.7.0)"), so
 * the comment shows both where to change code and what got slower.
 */
function packageNote(c: FunctionChange): string {
  if (c.origin === 'own') return '';
  const pkg = packageOfFrame(c.function, c.file);
  return pkg ? ` (${pkg.name}${pkg.version ? `@${pkg.version}` : ''})` : ` (${c.origin})`;
}

/** ownCell is the program's own frame a change is attributed to, when it is another frame. */
function ownCell(c: FunctionChange): string {
  if (c.attributed_to.function === c.function || !c.attributed_to.function) return '';
  return `\`${escapeCell(c.attributed_to.function)}\``;
}

/** renderPrComment is the short pull-request comment: verdict, reasons, top changes; no links. */
export function renderPrComment(report: DiffReport, limit = 5): string {
  const out = [`### autoprof: ${verdictLine(report)}`, ''];
  for (const r of report.gate.reasons.slice(0, 5)) out.push(`- ${r.level.replace('_', ' ')}: ${r.message}`);
  if (report.gate.reasons.length > 0) out.push('');
  const changes = topChanges(report, limit);
  if (changes.length > 0) {
    out.push(
      '| function | change | base | head | delta | significance | in your code |',
      '| --- | --- | ---: | ---: | ---: | --- | --- |',
    );
    for (const c of changes) {
      out.push(
        `| \`${escapeCell(c.function)}\`${escapeCell(packageNote(c))} | ${changeLabel(c.kind)} | ${c.base.self_pct}% | ${c.head.self_pct}% | ${signed(c.delta.self_pts, ' pts')} | ${formatSignificance(c)} | ${ownCell(c)} |`,
      );
    }
    out.push('');
  }
  const significantBenchmarks = report.benchmarks.filter((b) => b.significant).slice(0, limit);
  if (significantBenchmarks.length > 0) out.push(benchmarkTable(significantBenchmarks), '');
  if (changes.length === 0 && significantBenchmarks.length === 0) out.push('No significant change.', '');
  out.push('Full details: report.md and report.html in the autoprof diff output.', '');
  return out.join('\n');
}
