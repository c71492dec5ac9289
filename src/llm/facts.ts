import type { EvidenceValue, FindingsDocument } from '../analysis/findings.js';
import type { Profile } from '../model/profile.js';
import type { DiffReport } from '../report/diff-report.js';
import { formatEvidence } from '../report/findings-markdown.js';

/**
 * The fact sheet is everything an explanation may rest on: every evidence number with a stable
 * id (E1, E2, ...), and every function and file the findings, stacks or profile name. The prompt
 * shows the model these ids; grounding checks the answer against exactly this sheet, so what the
 * model saw and what it is judged by cannot drift apart.
 */

/** EvidenceFact is one number the model may cite, with the id it cites it by. */
export interface EvidenceFact {
  /** id: E1, E2, ... in document order, so the same document always gets the same ids. */
  id: string;
  /** subject: what the number is about ('classification', 'F1 <finding id>', 'C2 <function>'). */
  subject: string;
  name: string;
  value: number;
  unit: string;
  /** display: how the reports print it, so citations read the same everywhere. */
  display: string;
  source?: string;
}

/** FactSheet is the evidence plus the names an answer may mention. */
export interface FactSheet {
  kind: 'findings' | 'diff';
  evidence: EvidenceFact[];
  /** functions: every function name in findings, stacks and the profile. */
  functions: Set<string>;
  /** files: every file path (and its base name) in locations, stacks and the profile. */
  files: Set<string>;
  /** numbers: unit-less numbers an answer may repeat (line numbers, counts of runs or findings). */
  numbers: Set<number>;
  /** vocabulary: identifiers that are not functions (evidence keys, pattern ids, categories). */
  vocabulary: Set<string>;
}

/** FactOptions adds the profiles' own names to the sheet. */
export interface FactOptions {
  profiles?: Profile[];
}

class SheetBuilder {
  readonly sheet: FactSheet;
  constructor(kind: FactSheet['kind']) {
    this.sheet = {
      kind,
      evidence: [],
      functions: new Set(),
      files: new Set(),
      numbers: new Set(),
      vocabulary: new Set(),
    };
  }

  evidence(subject: string, name: string, v: EvidenceValue): EvidenceFact {
    const fact: EvidenceFact = {
      id: `E${this.sheet.evidence.length + 1}`,
      subject,
      name,
      value: v.value,
      unit: v.unit,
      display: formatEvidence(v),
      ...(v.source ? { source: v.source } : {}),
    };
    this.sheet.evidence.push(fact);
    this.sheet.vocabulary.add(name);
    return fact;
  }

  frame(name: string): void {
    // Frames may carry their position ('validate_email (app.py:30)', as py-spy writes them).
    const m = /^(.*?) \(([^()]*?)(?::(\d+))?\)$/.exec(name);
    if (m) {
      this.fn(m[1]);
      this.file(m[2]);
      if (m[3]) this.sheet.numbers.add(Number(m[3]));
    } else this.fn(name);
  }

  fn(name: string): void {
    if (name) this.sheet.functions.add(name.trim());
  }

  file(path: string): void {
    const clean = path.replace(/^file:\/\//, '').trim();
    if (!clean) return;
    this.sheet.files.add(clean);
    this.sheet.files.add(clean.replace(/^.*[\\/]/, ''));
  }

  location(fn: string, file: string, line: number): void {
    this.fn(fn);
    this.file(file);
    if (line > 0) this.sheet.numbers.add(line);
  }

  profile(p: Profile | undefined): void {
    if (!p) return;
    for (const f of p.functions) {
      this.frame(f.name);
      this.file(f.filename);
    }
    for (const loc of p.locations) for (const l of loc.lines) if (l.line > 0) this.sheet.numbers.add(l.line);
  }
}

/** findingsFacts builds the sheet of a findings.json: classification, then findings in order. */
export function findingsFacts(doc: FindingsDocument, options: FactOptions = {}): FactSheet {
  const b = new SheetBuilder('findings');
  for (const [name, v] of Object.entries(doc.classification.evidence)) b.evidence('classification', name, v);
  if (doc.run.wall_s !== null) b.evidence('run', 'wall_s', { value: doc.run.wall_s, unit: 's' });
  b.sheet.vocabulary.add(doc.classification.kind);
  doc.findings.forEach((f, i) => {
    for (const [name, v] of Object.entries(f.evidence)) b.evidence(`F${i + 1} ${f.id}`, name, v);
    if (f.spread) {
      f.spread.per_run.forEach((x, r) => {
        if (x !== null)
          b.evidence(`F${i + 1} ${f.id}`, `${f.spread?.metric}_run_${r + 1}`, {
            value: x,
            unit: f.spread?.unit ?? '',
          });
      });
    }
    b.location(f.location.function, f.location.file, f.location.line);
    for (const frame of f.stack) b.frame(frame);
    for (const word of [f.id, f.pattern_id, f.category, f.severity]) b.sheet.vocabulary.add(word);
    b.sheet.numbers.add(f.confidence);
  });
  for (const n of [doc.run.runs, doc.findings.length]) b.sheet.numbers.add(n);
  for (const p of options.profiles ?? []) b.profile(p);
  return b.sheet;
}

/** diffChanges lists a diff's changes in report order: regressions, new, improvements, removed. */
export function diffChanges(report: DiffReport) {
  return [...report.regressions, ...report.new_hotspots, ...report.improvements, ...report.removed_hotspots];
}

/** diffFacts builds the sheet of a report.json: gate, totals, changes, benchmarks, thresholds. */
export function diffFacts(report: DiffReport, options: FactOptions = {}): FactSheet {
  const b = new SheetBuilder('diff');
  const r = report.ratings;
  for (const [name, v] of Object.entries({ overall: r.overall, cpu: r.cpu, memory: r.memory }))
    if (typeof v === 'number') b.evidence('ratings', `${name}_rating`, { value: v, unit: '/10' });
  if (report.totals) {
    const t = report.totals;
    const unit = t.sample_type.unit;
    b.evidence('totals', 'base_median', { value: t.base_median, unit });
    b.evidence('totals', 'head_median', { value: t.head_median, unit });
    b.evidence('totals', 'delta_pct', { value: t.delta_pct, unit: '%' });
    if (t.significance) b.evidence('totals', 'p', { value: t.significance.p, unit: 'p' });
  }
  diffChanges(report).forEach((c, i) => {
    const subject = `C${i + 1} ${c.kind} ${c.function}`;
    b.evidence(subject, 'base_self_pct', { value: c.base.self_pct, unit: '%' });
    b.evidence(subject, 'head_self_pct', { value: c.head.self_pct, unit: '%' });
    b.evidence(subject, 'delta_self_pts', { value: c.delta.self_pts, unit: 'points' });
    b.evidence(subject, 'base_total_pct', { value: c.base.total_pct, unit: '%' });
    b.evidence(subject, 'head_total_pct', { value: c.head.total_pct, unit: '%' });
    b.evidence(subject, 'delta_total_pts', { value: c.delta.total_pts, unit: 'points' });
    if (c.significance) b.evidence(subject, 'p', { value: c.significance.p, unit: 'p' });
    b.location(c.function, c.file, 0);
    b.location(c.attributed_to.function, c.attributed_to.file, c.attributed_to.line);
    for (const frame of c.stack) b.frame(frame);
    b.sheet.vocabulary.add(c.kind);
  });
  for (const bench of report.benchmarks) {
    const subject = `benchmark ${bench.name}`;
    b.evidence(subject, 'base_center', { value: bench.base_center, unit: bench.unit });
    b.evidence(subject, 'head_center', { value: bench.head_center, unit: bench.unit });
    b.evidence(subject, 'delta_pct', { value: bench.delta_pct, unit: '%' });
    if (bench.p !== null) b.evidence(subject, 'p', { value: bench.p, unit: 'p' });
    b.sheet.vocabulary.add(bench.name);
  }
  const p = report.policy;
  b.evidence('policy', 'change_points', { value: p.changePoints, unit: 'points' });
  b.evidence('policy', 'hotspot_pct', { value: p.hotspotPct, unit: '%' });
  b.evidence('policy', 'benchmark_regression_pct', { value: p.benchmarkRegressionPct, unit: '%' });
  b.sheet.vocabulary.add(report.gate.status);
  for (const n of [
    report.base.runs,
    report.head.runs,
    report.regressions.length,
    report.improvements.length,
    report.new_hotspots.length,
    report.removed_hotspots.length,
  ])
    b.sheet.numbers.add(n);
  // Gate reasons are sentences with their own numbers ("cpu share +12.3 points > 10"): those
  // numbers are facts too, unit-less because the sentence already fixes what they measure.
  for (const reason of report.gate.reasons)
    for (const m of reason.message.matchAll(/[-+]?\d+(?:\.\d+)?/g))
      b.sheet.numbers.add(Math.abs(Number(m[0])));
  for (const p of options.profiles ?? []) b.profile(p);
  return b.sheet;
}
