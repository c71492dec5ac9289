import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FindingsDocument } from '../analysis/findings.js';
import { importMergedProfile } from '../formats/index.js';
import type { Profile } from '../model/profile.js';
import type { DiffReport } from '../report/diff-report.js';
import { type Explanation, explainDiff, explainFindings } from './explain.js';
import type { ExplainConfig } from './explain-config.js';
import { insertSection, renderExplanationMarkdown } from './explanation-markdown.js';

/**
 * The CLI side of explanations: explain, then write explanation.json, the report.md section and
 * (from explain.ts) artifacts/llm-exchange.json. Any failure here is reported by the caller as
 * a warning; it never changes a command's exit status.
 */

// The merged profile's names count as known; without it, the findings' stacks still do.
function loadProfiles(dir: string): Profile[] {
  const path = join(dir, 'profile.pb.gz');
  if (!existsSync(path)) return [];
  try {
    return [importMergedProfile(path)];
  } catch {
    return [];
  }
}

function addSection(reportPath: string, e: Explanation, before: string[]): void {
  if (!existsSync(reportPath)) return;
  writeFileSync(
    reportPath,
    insertSection(readFileSync(reportPath, 'utf8'), renderExplanationMarkdown(e), before),
  );
}

/** explainRunDirectory explains a run folder's findings and adds the section to its report.md. */
export async function explainRunDirectory(
  dir: string,
  doc: FindingsDocument,
  config: ExplainConfig,
): Promise<Explanation> {
  const e = await explainFindings(doc, {
    config,
    auditDir: join(dir, 'artifacts'),
    sourceRoot: doc.target.cwd || process.cwd(),
    profiles: loadProfiles(dir),
  });
  writeFileSync(join(dir, 'explanation.json'), `${JSON.stringify(e, null, 2)}\n`);
  addSection(join(dir, 'report.md'), e, ['## Key bottlenecks']);
  return e;
}

/** explainDiffDirectory explains a diff and adds the section to its report.md. */
export async function explainDiffDirectory(
  outDir: string,
  report: DiffReport,
  config: ExplainConfig,
  profiles: Profile[] = [],
): Promise<Explanation> {
  const e = await explainDiff(report, {
    config,
    auditDir: join(outDir, 'artifacts'),
    sourceRoot: process.cwd(),
    profiles,
  });
  writeFileSync(join(outDir, 'explanation.json'), `${JSON.stringify(e, null, 2)}\n`);
  addSection(join(outDir, 'report.md'), e, [
    '## Function changes',
    '## Benchmarks',
    '## Notes',
    '## Reproduce',
  ]);
  return e;
}

/** explanationLine is the one stderr line commands print about an explanation. */
export function explanationLine(e: Explanation): string {
  if (e.fallback) return `autoprof: explanation fell back to the template (${e.fallback_reason})\n`;
  if (!e.llm) return 'autoprof: summary from templates (explanation.json)\n';
  return `autoprof: LLM explanation: ${e.checked.supported} statements supported, ${e.checked.unsupported} unsupported${e.checked.dropped ? ' (dropped)' : ' (marked)'} (explanation.json, artifacts/llm-exchange.json)\n`;
}
