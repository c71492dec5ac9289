import type { Explanation } from './explain.js';

/**
 * The explanation as a report section. The heading and the first line say who wrote it, so a
 * reader never takes model prose for a measurement; the evidence ids it cites are listed under
 * it, so every citation resolves without opening findings.json.
 */

/** renderExplanationMarkdown renders the section (heading level 2). */
export function renderExplanationMarkdown(e: Explanation): string {
  const heading = e.llm
    ? '## Explanation (LLM-generated, checked against the evidence)'
    : '## Summary (deterministic, not LLM-generated)';
  const out = [heading, '', `> ${e.label}`, '', e.summary || '_The answer had no supported statement._', ''];
  if (e.recommendations.length > 0) {
    out.push(e.llm ? '**Recommendations (LLM-generated)**' : '**Next steps**', '');
    for (const r of e.recommendations) out.push(`- ${r}`);
    out.push('');
  }
  if (e.evidence.length > 0) {
    out.push('<details><summary>Evidence cited</summary>', '');
    for (const f of e.evidence) out.push(`- ${f.id}: ${f.subject}, ${f.name} = ${f.display}`);
    out.push('', '</details>', '');
  }
  return out.join('\n');
}

/**
 * insertSection puts a section before the first of `beforeHeadings` found (next to the
 * deterministic findings it explains), or at the end. A section from an earlier explanation is
 * replaced, so `autoprof analyze --explain` twice does not stack them.
 */
export function insertSection(markdown: string, section: string, beforeHeadings: string[]): string {
  const cleaned = markdown.replace(
    /<!-- autoprof:explanation -->[\s\S]*?<!-- \/autoprof:explanation -->\n*/g,
    '',
  );
  const block = `<!-- autoprof:explanation -->\n${section.trimEnd()}\n<!-- /autoprof:explanation -->\n\n`;
  for (const h of beforeHeadings) {
    const at = cleaned.search(new RegExp(`^${h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'));
    if (at !== -1) return cleaned.slice(0, at) + block + cleaned.slice(at);
  }
  return `${cleaned.trimEnd()}\n\n${block}`;
}
