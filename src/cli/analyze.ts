import { analyzeRunDirectory } from '../analysis/analyze-run.js';
import { UsageError } from '../errors.js';
import { resolveExplainConfig, takeExplainFlags } from '../llm/explain-config.js';
import type { Command } from './command.js';
import { parseCommandArgs } from './command.js';

const usage = `Usage: autoprof analyze DIR [--patterns FILE]... [--json]

Redoes the analysis of an 'autoprof run' output folder from its artifacts alone: writes
DIR/features.json (the feature table), DIR/findings.json (autoprof.findings/v1) and
DIR/report.md. With a --runs N folder, findings are pooled over the runs and carry their
spread; abnormal variance between runs is reported as a finding.

Options:
  --patterns FILE   add a YAML pattern file to the built-in knowledge base (repeatable;
                    AUTOPROF_PATTERNS=a.yaml:b.yaml does the same)
  --json            print findings.json to stdout instead of a summary
  --explain[=P]     add an explanation to report.md (P: none, openai, endpoint, auto)
  --explain-source  also send redacted source lines around the findings to the provider
`;

/** analyzeCommand is `autoprof analyze DIR`. */
export const analyzeCommand: Command = {
  name: 'analyze',
  summary: 'diagnose a run folder again: features.json, findings.json, report.md',
  usage,
  async run(argv, io) {
    const explainFlags = takeExplainFlags(argv);
    const explainConfig = resolveExplainConfig(explainFlags.explain, process.env, {
      includeSource: explainFlags.explainSource || undefined,
    });
    const { values, positionals } = parseCommandArgs('analyze', explainFlags.rest, {
      patterns: { type: 'string', multiple: true },
      json: { type: 'boolean' },
    });
    if (positionals.length !== 1)
      throw new UsageError("analyze: give exactly one run folder (see 'autoprof analyze --help')");
    const result = await analyzeRunDirectory(positionals[0], { patternFiles: values.patterns ?? [] });
    const doc = result.findings;
    if (explainConfig) {
      // An explanation is an addition to the analysis: its failure is a warning, not the status.
      try {
        const { explainRunDirectory, explanationLine } = await import('../llm/explain-artifacts.js');
        const dir = result.reportMarkdownPath.replace(/[\\/]report\.md$/, '');
        io.stderr(explanationLine(await explainRunDirectory(dir, doc, explainConfig)));
      } catch (err) {
        io.stderr(`autoprof: explanation failed: ${(err as Error).message.split('\n')[0]}\n`);
      }
    }
    if (values.json) {
      io.stdout(`${JSON.stringify(doc, null, 2)}\n`);
      return 0;
    }
    io.stdout(`${doc.classification.kind}: ${doc.classification.summary}\n`);
    for (const f of doc.findings.slice(0, 10)) {
      const where = f.location.file
        ? `${f.location.file.replace(/^file:\/\//, '')}:${f.location.line}`
        : f.location.function;
      io.stdout(`  [${f.severity}] ${f.title} (${f.category}, ${where})\n`);
    }
    if (doc.findings.length > 10) io.stdout(`  ... ${doc.findings.length - 10} more in findings.json\n`);
    io.stderr(
      `autoprof: wrote ${result.reportMarkdownPath.replace(/report\.md$/, '')}{features.json,findings.json,report.md}\n`,
    );
    return 0;
  },
};
