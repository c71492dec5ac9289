import type { Features } from '../analysis/features.js';
import type { EvidenceValue, Finding, FindingsDocument } from '../analysis/findings.js';

/** formatEvidence renders one number with its unit ("42.1 %", "1.25 s", "1200 calls"). */
export function formatEvidence(v: EvidenceValue): string {
  const n = Number.isInteger(v.value) ? String(v.value) : String(Math.round(v.value * 1000) / 1000);
  if (v.unit === '%') return `${n}%`;
  if (v.unit === 'count' || v.unit === 'ratio') return n;
  return `${n} ${v.unit}`;
}

function location(f: Finding): string {
  const file = f.location.file.replace(/^file:\/\//, '');
  return file
    ? `\`${f.location.function}\` (${file}${f.location.line ? `:${f.location.line}` : ''})`
    : `\`${f.location.function}\``;
}

/**
 * hotspotText renders a finding's hotspot as one line: the slow frame, its package and version,
 * its origin and share, and the library entry point the program called.
 */
export function hotspotText(f: Finding): string | undefined {
  const h = f.hotspot;
  if (!h) return undefined;
  const file = h.file.replace(/^file:\/\//, '');
  const where = file ? ` (${file}${h.line ? `:${h.line}` : ''})` : '';
  const pkg = h.package ? ` in ${h.package}${h.version ? `@${h.version}` : ''}` : '';
  const entry = h.entry ? `, entered through \`${h.entry.function}\`` : '';
  return `\`${h.function}\`${where}${pkg} — ${h.origin}, ${Math.round(h.share * 1000) / 10}% of the location's time${entry}`;
}

function findingSection(f: Finding, i: number): string[] {
  const out = [`### ${i + 1}. ${f.title}`, ''];
  out.push(
    `- **Category:** ${f.category} · **Severity:** ${f.severity} · **Confidence:** ${f.confidence} · pattern \`${f.pattern_id}\``,
  );
  out.push(`- **Where (your code):** ${location(f)}`);
  const hot = hotspotText(f);
  if (hot) out.push(`- **Time spent in:** ${hot}`);
  if (f.stack.length > 0) out.push(`- **Stack:** ${f.stack.slice(-8).join(' → ')}`);
  out.push('', f.description, '', '**Evidence**', '');
  for (const [k, v] of Object.entries(f.evidence))
    out.push(`- ${k}: ${formatEvidence(v)}${v.source ? ` _(from ${v.source})_` : ''}`);
  if (f.spread) {
    const runs = f.spread.per_run.map((x) => (x === null ? '–' : String(x))).join(', ');
    out.push(
      `- across ${f.spread.runs} runs (${f.spread.metric}): ${runs}; median ${f.spread.median}, cv ${f.spread.cv}`,
    );
  }
  out.push('', '**Suggestions**', '');
  for (const s of f.suggestions) out.push(`- ${s}`);
  out.push('', `**Verify:** ${f.verify}`, '');
  return out;
}

/**
 * renderFindingsMarkdown writes report.md: what was observed, what bounds the program, the key
 * bottlenecks with their evidence, what to do, and the commands that verify an improvement.
 */
export function renderFindingsMarkdown(doc: FindingsDocument, features: Features): string {
  const m = features.metrics;
  const out: string[] = ['# autoprof report', ''];
  if (doc.target.argv.length > 0) out.push(`Target: \`${doc.target.argv.join(' ')}\``, '');
  out.push('## Observed behaviour', '');
  const line = (label: string, value: number | undefined, unit: string) => {
    if (value !== undefined) out.push(`- ${label}: ${Math.round(value * 1000) / 1000}${unit}`);
  };
  line('wall time', m.wall_s, ' s');
  line('CPU time', m.cpu_s, ' s');
  line('CPU utilisation', m.cpu_utilisation, ' cores');
  if (m.system_time_share !== undefined) line('system time share', m.system_time_share * 100, '%');
  line('peak RSS', m.rss_peak_mb, ' MB');
  if (m.gc_share !== undefined) line('GC share of CPU', m.gc_share * 100, '%');
  if (m.event_loop_delay_count) {
    out.push(
      `- event-loop delay: p50 ${m.event_loop_delay_p50_ms} ms, p99 ${m.event_loop_delay_p99_ms} ms, max ${m.event_loop_delay_max_ms} ms`,
    );
  }
  if (m.main_running_share !== undefined) {
    const states = (['running', 'timer', 'poll', 'lock', 'io', 'child', 'other'] as const)
      .map((s) => [s, m[`main_${s}_share` as const] ?? 0] as const)
      .filter(([, v]) => v > 0)
      .map(([s, v]) => `${s} ${Math.round(v * 100)}%`)
      .join(', ');
    out.push(`- main thread states: ${states}`);
  }
  out.push(
    `- runs: ${doc.run.runs}; collectors: ${doc.run.collectors.join(', ') || 'none'}; runtimes: ${features.runtimes.join(', ') || 'unknown'}`,
  );
  out.push('', '## Classification', '', `**${doc.classification.kind}**: ${doc.classification.summary}.`, '');
  for (const [k, v] of Object.entries(doc.classification.evidence)) out.push(`- ${k}: ${formatEvidence(v)}`);
  out.push('', '## Key bottlenecks', '');
  if (doc.findings.length === 0) out.push('No finding: nothing in the artifacts crossed a threshold.', '');
  doc.findings.slice(0, 10).forEach((f, i) => {
    out.push(...findingSection(f, i));
  });
  if (doc.findings.length > 10) out.push(`…and ${doc.findings.length - 10} more in findings.json.`, '');
  out.push('## How to verify an improvement', '');
  const hint = doc.findings.find((f) => f.verify.includes('autoprof run'))?.verify.replace(/^.*Verify: /, '');
  out.push(
    hint
      ? `After changing the code: ${hint}`
      : 'Rerun `autoprof run` on the changed program and compare with `autoprof diff BASE HEAD`.',
    '',
  );
  if (doc.notes.length > 0) {
    out.push('## Notes', '');
    for (const n of doc.notes) out.push(`- ${n}`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}
