import type { FindingsDocument } from '../analysis/findings.js';
import type { DiffReport } from '../report/diff-report.js';
import { diffChanges, type EvidenceFact, type FactSheet } from './facts.js';
import { redactDeep } from './redact.js';
import type { SourceSnippet } from './source-snippets.js';

/**
 * The prompt: fixed instructions plus the facts as JSON, with evidence given by id so the model
 * can cite instead of restate. The facts are cut to a character budget (a stand-in for tokens,
 * about four characters each) by shedding detail in a fixed order: snippets, deep stacks, then
 * the least important findings. The most important finding is never cut.
 */

/** PROMPT_SCHEMA names the facts payload, so an endpoint can tell versions apart. */
export const PROMPT_SCHEMA = 'autoprof.explain-request/v1';

/** SYSTEM_INSTRUCTIONS are the rules the model is told to follow (grounding enforces them). */
export const SYSTEM_INSTRUCTIONS = [
  "You are autoprof's performance analyst. autoprof measured a program and produced the findings below;",
  'you explain them to a developer. You measure nothing yourself.',
  'Rules:',
  '1. Use only the facts given. Every number you write must be an evidence value as given (or rounded),',
  '   and you cite its id in square brackets, e.g. "regex compilation takes 42% of CPU [E3]".',
  '2. Name only functions and files that appear in the facts. Put function names in backticks.',
  '3. Never invent numbers, estimates or speed-ups. Never promise or guarantee an improvement;',
  '   say how to measure it instead (the findings give the verify commands).',
  '4. When the evidence is weak, indirect or ambiguous, say that you are unsure.',
  '5. Answer with JSON only: {"summary": "at most 6 sentences", "recommendations": ["at most 5 short items"]}.',
].join('\n');

/** PromptBudget caps what is sent and what may come back. */
export interface PromptBudget {
  /** maxPromptChars: the facts JSON plus instructions (about 4 characters a token). */
  maxPromptChars: number;
  /** maxTokens: the answer's max_tokens. */
  maxTokens: number;
}

/** Prompt is what every provider sends, in the shape it needs. */
export interface Prompt {
  system: string;
  /** user: the facts message (the JSON below, introduced in a line). */
  user: string;
  /** facts: the structured payload (an analysis endpoint gets it as is). */
  facts: Record<string, unknown>;
  chars: number;
  /** trimmed: what was left out to fit the budget. */
  trimmed: string[];
  redactions: number;
}

interface Shape {
  items: number;
  stackDepth: number;
  snippets: boolean;
}

function evidenceOf(sheet: FactSheet, subjectPrefix: string) {
  return sheet.evidence
    .filter((e) => e.subject === subjectPrefix || e.subject.startsWith(`${subjectPrefix} `))
    .map(compact);
}

function compact(e: EvidenceFact) {
  return { id: e.id, name: e.name, value: e.value, unit: e.unit, shown_as: e.display };
}

function findingsPayload(doc: FindingsDocument, sheet: FactSheet, snippets: SourceSnippet[], shape: Shape) {
  return {
    schema: PROMPT_SCHEMA,
    kind: 'findings',
    target: doc.target.argv.join(' '),
    run: { runs: doc.run.runs, collectors: doc.run.collectors, evidence: evidenceOf(sheet, 'run') },
    classification: {
      kind: doc.classification.kind,
      summary: doc.classification.summary,
      evidence: evidenceOf(sheet, 'classification'),
    },
    findings: doc.findings.slice(0, shape.items).map((f, i) => ({
      ref: `F${i + 1}`,
      id: f.id,
      title: f.title,
      category: f.category,
      severity: f.severity,
      confidence: f.confidence,
      location: f.location,
      stack: f.stack.slice(-shape.stackDepth),
      evidence: evidenceOf(sheet, `F${i + 1}`),
      description: f.description,
      suggestions: f.suggestions.slice(0, 3),
      verify: f.verify,
    })),
    omitted_findings: Math.max(0, doc.findings.length - shape.items),
    notes: doc.notes.slice(0, 5),
    ...(shape.snippets && snippets.length > 0 ? { source_snippets: snippets } : {}),
  };
}

function diffPayload(report: DiffReport, sheet: FactSheet, snippets: SourceSnippet[], shape: Shape) {
  const changes = diffChanges(report);
  return {
    schema: PROMPT_SCHEMA,
    kind: 'diff',
    gate: { status: report.gate.status, reasons: report.gate.reasons.map((r) => `${r.level}: ${r.message}`) },
    ratings: evidenceOf(sheet, 'ratings'),
    sample_type: report.sample_type,
    totals: evidenceOf(sheet, 'totals'),
    changes: changes.slice(0, shape.items).map((c, i) => ({
      ref: `C${i + 1}`,
      kind: c.kind,
      function: c.function,
      file: c.file,
      attributed_to: c.attributed_to,
      stack: c.stack.slice(-shape.stackDepth),
      significant: c.significance?.significant ?? null,
      evidence: evidenceOf(sheet, `C${i + 1}`),
    })),
    omitted_changes: Math.max(0, changes.length - shape.items),
    benchmarks: report.benchmarks.slice(0, shape.items).map((b) => ({
      name: b.name,
      significant: b.significant,
      better: b.better,
      evidence: evidenceOf(sheet, `benchmark ${b.name}`),
    })),
    policy: evidenceOf(sheet, 'policy'),
    notes: report.notes.slice(0, 5),
    ...(shape.snippets && snippets.length > 0 ? { source_snippets: snippets } : {}),
  };
}

/** buildPrompt renders the facts of a findings document or a diff within the budget. */
export function buildPrompt(
  subject: { kind: 'findings'; doc: FindingsDocument } | { kind: 'diff'; report: DiffReport },
  sheet: FactSheet,
  budget: PromptBudget,
  snippets: SourceSnippet[] = [],
): Prompt {
  const total =
    subject.kind === 'findings' ? subject.doc.findings.length : diffChanges(subject.report).length;
  const shape: Shape = { items: Math.min(10, Math.max(1, total)), stackDepth: 12, snippets: true };
  const trimmed: string[] = [];
  const render = () => {
    const counter = { count: 0 };
    const facts = redactDeep(
      subject.kind === 'findings'
        ? findingsPayload(subject.doc, sheet, snippets, shape)
        : diffPayload(subject.report, sheet, snippets, shape),
      counter,
    ) as Record<string, unknown>;
    const user = `Facts (JSON, evidence cited by id):\n${JSON.stringify(facts)}`;
    return { facts, user, chars: SYSTEM_INSTRUCTIONS.length + user.length, redactions: counter.count };
  };
  let r = render();
  while (r.chars > budget.maxPromptChars) {
    if (shape.snippets && snippets.length > 0) {
      shape.snippets = false;
      trimmed.push('source snippets');
    } else if (shape.stackDepth > 4) {
      shape.stackDepth = 4;
      trimmed.push('stacks beyond 4 frames');
    } else if (shape.items > 1) {
      shape.items = Math.max(1, Math.floor(shape.items / 2));
      trimmed.push(`all but the top ${shape.items} ${subject.kind === 'findings' ? 'findings' : 'changes'}`);
    } else break;
    r = render();
  }
  return { system: SYSTEM_INSTRUCTIONS, ...r, trimmed };
}
