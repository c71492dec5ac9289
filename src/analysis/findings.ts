/**
 * findings.json, schema `autoprof.findings/v1`: the diagnosis of one run (or of several runs of
 * one target), read by report.md, report.html and anyone automating on autoprof.
 *
 * {
 *   schema: 'autoprof.findings/v1',
 *   target: { argv, cwd },            the command that was profiled (empty for a bare profile)
 *   run: { dir, runs, wall_s, exit_status, collectors },
 *   classification: { kind, summary, evidence },
 *   findings: Finding[],               most important first (impact = share x confidence x severity)
 *   notes: string[]                    what could not be analysed and why
 * }
 *
 * Every number in `evidence` is computed from the run's artifacts; `source` names the artifact.
 */

/** FINDINGS_SCHEMA names the document shape; bump it on breaking changes. */
export const FINDINGS_SCHEMA = 'autoprof.findings/v1';

/** CATEGORIES is the fixed vocabulary of finding categories. */
export const CATEGORIES = [
  'cpu-hotspot',
  'regex',
  'serialization',
  'copying',
  'allocation',
  'gc',
  'memory-growth',
  'lock-contention',
  'blocking-io',
  'sleep-wait',
  'syscall',
  'subprocess',
  'call-overhead',
  'algorithmic',
  'crypto',
  'string-formatting',
  'event-loop-block',
  'logging',
] as const;

export type Category = (typeof CATEGORIES)[number];

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;

export type Severity = (typeof SEVERITIES)[number];

/** CLASSIFICATION_KINDS: what bounds the program. */
export const CLASSIFICATION_KINDS = [
  'cpu-bound',
  'gc-bound',
  'lock-bound',
  'io-bound',
  'waiting',
  'memory-growth',
  'healthy',
  'insufficient-data',
] as const;

export type ClassificationKind = (typeof CLASSIFICATION_KINDS)[number];

/** EvidenceValue is one measured number with its unit and the artifact it came from. */
export interface EvidenceValue {
  value: number;
  /** unit: '%', 's', 'ms', 'us', 'bytes', 'MB', 'MB/s', 'calls', 'count', '/s', 'cores', 'ratio'. */
  unit: string;
  /** source: the artifact (path relative to the run) or 'profile' / 'metrics'. */
  source?: string;
}

/** Evidence is named numbers; keys read as sentences in reports (`self_cpu_share`). */
export type Evidence = Record<string, EvidenceValue>;

import type { FindingHotspot } from './hotspot.js';

/** FindingLocation is the program's own frame responsible (line 0 when unknown). */
export interface FindingLocation {
  function: string;
  file: string;
  line: number;
}

/** Spread is how a finding's main number varied across runs (`--runs N`). */
export interface Spread {
  metric: string;
  unit: string;
  runs: number;
  /** per_run: the value in each run, run 1 first; null where the finding was absent. */
  per_run: Array<number | null>;
  median: number;
  min: number;
  max: number;
  /** cv: coefficient of variation (stddev / mean) of the present values. */
  cv: number;
}

/** Finding is one diagnosed problem with its evidence and what to do about it. */
export interface Finding {
  /** id is stable for the same pattern and location, so runs can be compared. */
  id: string;
  pattern_id: string;
  category: Category;
  title: string;
  severity: Severity;
  /** confidence 0..1 that the diagnosis is right (not that it matters: that is severity). */
  confidence: number;
  location: FindingLocation;
  /**
   * hotspot: where below `location` the time is spent when that is outside the program (a
   * dependency, the runtime, a native library, the kernel), with its package and version.
   */
  hotspot?: FindingHotspot;
  /** stack: root..leaf, the heaviest path through the location down to the hotspot. */
  stack: string[];
  evidence: Evidence;
  /** description explains the mechanism (why this is slow). */
  description: string;
  suggestions: string[];
  /** verify: how to confirm an improvement, with the exact commands. */
  verify: string;
  references: string[];
  /** impact: the ranking score, share of the run x confidence x severity weight. */
  impact: number;
  /** spread: present with several runs. */
  spread?: Spread;
}

/** Classification says what bounds the program and the numbers that decided it. */
export interface Classification {
  kind: ClassificationKind;
  summary: string;
  evidence: Evidence;
}

/** FindingsDocument is findings.json. */
export interface FindingsDocument {
  schema: typeof FINDINGS_SCHEMA;
  target: { argv: string[]; cwd: string };
  run: { dir: string; runs: number; wall_s: number | null; exit_status: number | null; collectors: string[] };
  classification: Classification;
  findings: Finding[];
  notes: string[];
}

const SEVERITY_WEIGHT: Record<Severity, number> = {
  info: 0.2,
  low: 0.4,
  medium: 0.6,
  high: 0.8,
  critical: 1,
};

/** severityRank orders severities (info 0 .. critical 4). */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** impactOf is share (0..1) x confidence x severity weight, rounded for stable output. */
export function impactOf(share: number, confidence: number, severity: Severity): number {
  return Math.round(Math.min(1, Math.max(0, share)) * confidence * SEVERITY_WEIGHT[severity] * 1e4) / 1e4;
}

/** findingId is `pattern_id@function:file`, file without directories, so it survives moves. */
export function findingId(patternId: string, location: FindingLocation): string {
  const base = location.file.replace(/^.*[\\/]/, '');
  return `${patternId}@${location.function}${base ? `:${base}` : ''}`;
}

/**
 * rankFindings dedupes and orders findings: one finding per (category, location), keeping the
 * most impactful; then by impact, severity and confidence; ties by id so output is stable.
 */
export function rankFindings(findings: Finding[]): Finding[] {
  const best = new Map<string, Finding>();
  for (const f of findings) {
    const key = `${f.category}\u0000${f.location.function}\u0000${f.location.file}`;
    const prev = best.get(key);
    if (!prev || better(f, prev)) best.set(key, prev ? mergeInto(f, prev) : f);
    else best.set(key, mergeInto(prev, f));
  }
  // Where a pattern explains a hotspot, the explanation comes first: the generic hotspot at the
  // same function only says where, the pattern also says why.
  const explained = new Set(
    [...best.values()]
      .filter((f) => f.category !== 'cpu-hotspot')
      .map((f) => `${f.location.function}\u0000${f.location.file}`),
  );
  const adjusted = [...best.values()].map((f) =>
    f.category === 'cpu-hotspot' && explained.has(`${f.location.function}\u0000${f.location.file}`)
      ? { ...f, impact: Math.round(f.impact * 5000) / 10000 }
      : f,
  );
  return adjusted.sort(
    (a, b) =>
      b.impact - a.impact ||
      severityRank(b.severity) - severityRank(a.severity) ||
      b.confidence - a.confidence ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

function better(a: Finding, b: Finding): boolean {
  return a.impact > b.impact || (a.impact === b.impact && a.confidence > b.confidence);
}

// A duplicate confirms the winner: its evidence keys the winner lacks are kept.
function mergeInto(winner: Finding, loser: Finding): Finding {
  const evidence = { ...winner.evidence };
  for (const [k, v] of Object.entries(loser.evidence)) if (!(k in evidence)) evidence[k] = v;
  return { ...winner, evidence };
}

/** pct converts a 0..1 share to percent with two decimals. */
export function pct(share: number): number {
  return Math.round(share * 10000) / 100;
}
