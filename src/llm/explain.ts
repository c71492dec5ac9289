import type { FindingsDocument } from '../analysis/findings.js';
import type { Profile } from '../model/profile.js';
import type { DiffReport } from '../report/diff-report.js';
import { AUDIT_SCHEMA, type AuditRecord, writeAudit } from './audit.js';
import type { ExplainConfig } from './explain-config.js';
import { diffChanges, diffFacts, type EvidenceFact, type FactSheet, findingsFacts } from './facts.js';
import { type CheckedSentence, groundText } from './grounding.js';
import { buildPrompt, type Prompt } from './prompt.js';
import type { Exchange, Provider, ProviderAnswer, ProviderName } from './provider.js';
import { analysisEndpointProvider } from './providers/analysis-endpoint.js';
import { templateDiffAnswer, templateFindingsAnswer } from './providers/none.js';
import { openAiCompatibleProvider } from './providers/openai-compatible.js';
import { scrubKnown } from './redact.js';
import { readSnippets, type SourceSnippet } from './source-snippets.js';

/**
 * explainFindings / explainDiff: the one entry `autoprof run`, `analyze`, `diff` and the
 * server's findings API call. Ask the configured provider, check every sentence against the
 * evidence, mark (or drop) what the evidence does not support, and fall back to the template
 * text when the provider fails, so an explanation can never fail the run it explains.
 */

/** EXPLANATION_SCHEMA names explanation.json. */
export const EXPLANATION_SCHEMA = 'autoprof.explanation/v1';

/** ExplainOptions: the provider config, and where audit and source files are. */
export interface ExplainOptions {
  config: ExplainConfig;
  /** auditDir: where llm-exchange.json goes (a run's artifacts/); none written when absent. */
  auditDir?: string;
  /** sourceRoot: where relative source paths start (only read with config.includeSource). */
  sourceRoot?: string;
  /** profiles: their function and file names count as known, beyond the findings' stacks. */
  profiles?: Profile[];
}

/** ExplainedStatement is one sentence of the answer after checking. */
export interface ExplainedStatement {
  text: string;
  supported: boolean;
  problems: string[];
}

/** Explanation is explanation.json and what reports render. */
export interface Explanation {
  schema: typeof EXPLANATION_SCHEMA;
  kind: 'findings' | 'diff';
  provider: ProviderName;
  model: string | null;
  /** llm: the text was written by a model (false for templates and for a fallback). */
  llm: boolean;
  /** label: the line that says where the text came from and how it was checked. */
  label: string;
  fallback: boolean;
  fallback_reason: string | null;
  /** summary and recommendations as shown: unsupported sentences marked or dropped. */
  summary: string;
  recommendations: string[];
  statements: ExplainedStatement[];
  checked: { supported: number; unsupported: number; dropped: number };
  /** evidence: the id table the text cites. */
  evidence: EvidenceFact[];
  audit_path: string | null;
}

type Subject = { kind: 'findings'; doc: FindingsDocument } | { kind: 'diff'; report: DiffReport };

/** explainFindings explains a findings document (a run, or a server range). */
export function explainFindings(doc: FindingsDocument, options: ExplainOptions): Promise<Explanation> {
  return explain({ kind: 'findings', doc }, options);
}

/** explainDiff explains a diff report (report.json). */
export function explainDiff(report: DiffReport, options: ExplainOptions): Promise<Explanation> {
  return explain({ kind: 'diff', report }, options);
}

function providerFor(config: ExplainConfig): Provider | null {
  if (config.provider === 'openai') return openAiCompatibleProvider(config);
  if (config.provider === 'endpoint') return analysisEndpointProvider(config);
  return null;
}

function snippetsFor(subject: Subject, options: ExplainOptions): SourceSnippet[] {
  if (!options.config.includeSource) return [];
  const root =
    options.sourceRoot ?? (subject.kind === 'findings' ? subject.doc.target.cwd : '') ?? process.cwd();
  const locations =
    subject.kind === 'findings'
      ? subject.doc.findings.map((f) => f.location)
      : diffChanges(subject.report).map((c) => c.attributed_to);
  return readSnippets(locations, { root: root || process.cwd() });
}

function knownSecrets(config: ExplainConfig): string[] {
  return [config.openai.apiKey, config.endpoint.token].filter(
    (s): s is string => typeof s === 'string' && s !== '',
  );
}

async function explain(subject: Subject, options: ExplainOptions): Promise<Explanation> {
  const { config } = options;
  const sheet =
    subject.kind === 'findings'
      ? findingsFacts(subject.doc, { profiles: options.profiles })
      : diffFacts(subject.report, { profiles: options.profiles });
  const template =
    subject.kind === 'findings'
      ? templateFindingsAnswer(subject.doc, sheet)
      : templateDiffAnswer(subject.report, sheet);
  const provider = providerFor(config);
  const secrets = knownSecrets(config);

  let answer: ProviderAnswer = template;
  let llm = false;
  let fallbackReason: string | null = null;
  let prompt: Prompt | null = null;
  let exchange: Exchange | null = null;
  if (provider) {
    prompt = buildPrompt(subject, sheet, config, snippetsFor(subject, options));
    exchange = { url: '', request: null, response: null, attempts: [] };
    try {
      const got = await provider.explain(prompt, exchange);
      if (got.summary.trim() === '' && got.recommendations.length === 0) throw new Error('empty answer');
      answer = capAnswer(got, config.maxTokens);
      llm = true;
    } catch (err) {
      fallbackReason = scrubKnown((err as Error).message.split('\n')[0], secrets);
    }
  }

  const grounded = groundAnswer(answer, sheet, config.unsupported);
  const label = labelOf(
    config.provider,
    answer.model,
    llm,
    fallbackReason,
    grounded.checked,
    config.unsupported,
  );
  const explanation: Explanation = {
    schema: EXPLANATION_SCHEMA,
    kind: subject.kind,
    provider: config.provider,
    model: llm ? answer.model : null,
    llm,
    label,
    fallback: fallbackReason !== null,
    fallback_reason: fallbackReason,
    summary: scrubKnown(grounded.summary, secrets),
    recommendations: grounded.recommendations.map((r) => scrubKnown(r, secrets)),
    statements: grounded.statements.map((s) => ({ ...s, text: scrubKnown(s.text, secrets) })),
    checked: grounded.checked,
    evidence: citedEvidence(grounded.summary + grounded.recommendations.join(' '), sheet),
    audit_path: null,
  };
  if (options.auditDir && prompt) {
    const record: AuditRecord = {
      schema: AUDIT_SCHEMA,
      kind: subject.kind,
      provider: config.provider,
      model: explanation.model,
      at: new Date().toISOString(),
      prompt: {
        chars: prompt.chars,
        approx_tokens: Math.ceil(prompt.chars / 4),
        trimmed: prompt.trimmed,
        redactions: prompt.redactions,
      },
      exchange,
      fallback: explanation.fallback,
      fallback_reason: fallbackReason,
      grounding: {
        supported: grounded.checked.supported,
        unsupported: grounded.checked.unsupported,
        problems: grounded.statements.flatMap((s) => s.problems),
      },
    };
    explanation.audit_path = writeAudit(options.auditDir, record, secrets);
  }
  return explanation;
}

// A model that ignores max_tokens (or a gateway that does) still cannot flood the report.
function capAnswer(a: ProviderAnswer, maxTokens: number): ProviderAnswer {
  const maxChars = Math.max(400, maxTokens * 6);
  return {
    summary: a.summary.slice(0, maxChars),
    recommendations: a.recommendations.slice(0, 8).map((r) => r.slice(0, 600)),
    model: a.model,
  };
}

function render(sentences: CheckedSentence[], mode: 'mark' | 'drop'): string {
  return sentences
    .filter((s) => s.supported || mode === 'mark')
    .map((s) => (s.supported ? s.text : `⚠ **[unsupported: ${s.problems.join('; ')}]** ~~${s.text}~~`))
    .join(' ');
}

function groundAnswer(answer: ProviderAnswer, sheet: FactSheet, mode: 'mark' | 'drop') {
  const summary = groundText(answer.summary, sheet);
  const recs = answer.recommendations.map((r) => groundText(r, sheet));
  const all = [...summary.sentences, ...recs.flatMap((r) => r.sentences)];
  const unsupported = all.filter((s) => !s.supported).length;
  return {
    summary: render(summary.sentences, mode),
    recommendations: recs.map((r) => render(r.sentences, mode)).filter((r) => r !== ''),
    statements: all.map((s) => ({ text: s.text, supported: s.supported, problems: s.problems })),
    checked: {
      supported: all.length - unsupported,
      unsupported,
      dropped: mode === 'drop' ? unsupported : 0,
    },
  };
}

function citedEvidence(text: string, sheet: FactSheet): EvidenceFact[] {
  const cited = new Set(text.match(/\bE\d+\b/g) ?? []);
  return sheet.evidence.filter((e) => cited.has(e.id));
}

function labelOf(
  provider: ProviderName,
  model: string | null,
  llm: boolean,
  fallbackReason: string | null,
  checked: Explanation['checked'],
  mode: 'mark' | 'drop',
): string {
  if (llm) {
    const who = `${provider === 'openai' ? 'OpenAI-compatible model' : 'analysis endpoint'}${model ? ` ${model}` : ''}`;
    const verdict =
      checked.unsupported === 0
        ? `all ${checked.supported} statements are supported by the evidence`
        : `${checked.supported} statements supported, ${checked.unsupported} unsupported (${mode === 'mark' ? 'marked' : 'dropped'})`;
    return `LLM-generated by the ${who}. Every number, function and file was checked against the evidence: ${verdict}. The deterministic findings are authoritative.`;
  }
  if (fallbackReason !== null)
    return `Not LLM-generated: the ${provider} provider failed (${fallbackReason}), so this is the deterministic template summary.`;
  return 'Not LLM-generated: deterministic template summary of the findings.';
}
