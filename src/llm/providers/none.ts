import type { FindingsDocument } from '../../analysis/findings.js';
import type { DiffReport } from '../../report/diff-report.js';
import type { FactSheet } from '../facts.js';
import { diffChanges } from '../facts.js';
import type { ProviderAnswer } from '../provider.js';

/**
 * The 'none' provider: prose from templates over the same fact sheet the models see, citing the
 * same evidence ids. It is the default and the fallback, so it must never fail and never say
 * anything the findings do not.
 */

function cite(sheet: FactSheet, subject: string, names?: string[]): string {
  const ids = sheet.evidence
    .filter(
      (e) =>
        (e.subject === subject || e.subject.startsWith(`${subject} `)) && (!names || names.includes(e.name)),
    )
    .map((e) => e.id);
  return ids.length > 0 ? ` [${ids.join(', ')}]` : '';
}

function evidenceLine(sheet: FactSheet, subject: string, limit: number): string {
  return sheet.evidence
    .filter((e) => e.subject === subject || e.subject.startsWith(`${subject} `))
    .slice(0, limit)
    .map((e) => `${e.name} ${e.display} [${e.id}]`)
    .join(', ');
}

/** templateFindingsAnswer summarises the classification and the top three findings. */
export function templateFindingsAnswer(doc: FindingsDocument, sheet: FactSheet): ProviderAnswer {
  const lines: string[] = [];
  const cls = evidenceLine(sheet, 'classification', 3);
  lines.push(`The run is classified ${doc.classification.kind}${cls ? ` (${cls})` : ''}.`);
  if (doc.findings.length === 0) lines.push('No finding crossed a threshold.');
  doc.findings.slice(0, 3).forEach((f, i) => {
    const ev = evidenceLine(sheet, `F${i + 1}`, 2);
    const where = f.location.file ? ` in ${f.location.file.replace(/^.*[\\/]/, '')}` : '';
    lines.push(
      `Finding ${i + 1} (${f.category}, ${f.severity}) is at \`${f.location.function}\`${where}${ev ? `: ${ev}` : ''}.`,
    );
  });
  const recommendations = doc.findings
    .slice(0, 3)
    .filter((f) => f.suggestions.length > 0)
    .map(
      (f, i) =>
        `For \`${f.location.function}\` (${f.category}): apply the suggestions of finding ${i + 1}, then rerun and compare with \`autoprof diff\`.`,
    );
  return { summary: lines.join(' '), recommendations, model: null };
}

/** templateDiffAnswer summarises the gate, the totals and the top three changes. */
export function templateDiffAnswer(report: DiffReport, sheet: FactSheet): ProviderAnswer {
  const lines: string[] = [];
  lines.push(
    `The gate is ${report.gate.status}: ${report.regressions.length} regressions, ${report.new_hotspots.length} new hotspots and ${report.improvements.length} improvements.`,
  );
  if (report.totals) {
    lines.push(
      `The total per run changed by ${report.totals.delta_pct}%${cite(sheet, 'totals', ['delta_pct'])}.`,
    );
  }
  diffChanges(report)
    .slice(0, 3)
    .forEach((c, i) => {
      lines.push(
        `\`${c.function}\` (${c.kind.replace('_', ' ')}) went from ${c.base.self_pct}% to ${c.head.self_pct}% self share${cite(sheet, `C${i + 1}`, ['base_self_pct', 'head_self_pct'])}.`,
      );
    });
  const recommendations = [...report.regressions, ...report.new_hotspots]
    .slice(0, 3)
    .map(
      (c) => `Look at \`${c.attributed_to.function}\`, the program's own frame nearest to \`${c.function}\`.`,
    );
  return { summary: lines.join(' '), recommendations, model: null };
}
