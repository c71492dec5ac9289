import type { DiagnosisInput } from '../features/diagnosis-input.js';
import { ownLines } from '../features/own-lines.js';
import type { SampleKind } from '../features/sample-views.js';
import {
  type Category,
  type Evidence,
  type Finding,
  type FindingLocation,
  findingId,
  impactOf,
  type Severity,
} from '../findings.js';
import { functionKey } from '../function-shares.js';
import { isScriptBody, topOwnFunction } from '../patterns/match.js';
import { heaviestPath } from '../profile-diff.js';

/** DetectorContext carries what every finding needs beyond the input. */
export interface DetectorContext {
  /** verifyHint: the exact `autoprof run` / `autoprof diff` commands for this target. */
  verifyHint: string;
}

/** Detector is a diagnosis that needs code rather than a pattern (trends, percentiles, states). */
export interface Detector {
  id: string;
  detect(input: DiagnosisInput, ctx: DetectorContext): Finding[];
}

/** FindingParts is a finding before its id and impact are derived. */
export interface FindingParts {
  patternId: string;
  category: Category;
  title: string;
  severity: Severity;
  confidence: number;
  location: FindingLocation;
  stack: string[];
  evidence: Evidence;
  description: string;
  suggestions: string[];
  verify: string;
  references?: string[];
  /** share: the fraction of the run the problem accounts for, for ranking. */
  share: number;
}

/** makeFinding derives id and impact so every detector ranks on the same scale. */
export function makeFinding(p: FindingParts, ctx: DetectorContext): Finding {
  const confidence = Math.round(p.confidence * 100) / 100;
  return {
    id: findingId(p.patternId, p.location),
    pattern_id: p.patternId,
    category: p.category,
    title: p.title,
    severity: p.severity,
    confidence,
    location: p.location,
    stack: p.stack,
    evidence: p.evidence,
    description: p.description,
    suggestions: p.suggestions,
    verify: `${p.verify} ${ctx.verifyHint}`.trim(),
    references: p.references ?? [],
    impact: impactOf(p.share, confidence, p.severity),
  };
}

/**
 * busiestOwnFrame locates a process-level problem at the program's own function carrying the
 * most of the first available sample kind (wall first for waits, cpu for work).
 */
export function busiestOwnFrame(
  input: DiagnosisInput,
  kinds: SampleKind[],
): { location: FindingLocation; stack: string[]; share: number } {
  for (const kind of kinds) {
    const view = input.views.find((v) => v.kind === kind);
    if (!view) continue;
    const top = topOwnFunction(view);
    if (
      top &&
      (kind === 'alloc' || kind === 'heap') &&
      isScriptBody({ name: top.name, startLine: top.line })
    ) {
      const named = allocatingFunctionOf(input, top.file);
      if (named) return named;
    }
    if (top) {
      return {
        location: { function: top.name, file: top.file, line: top.line },
        stack: top.stack,
        share: view.total ? top.value / view.total : 0,
      };
    }
  }
  return { location: { function: '(whole process)', file: '', line: 0 }, stack: [], share: 0 };
}

/** ladder returns the first level whose threshold the value reaches (thresholds descending). */
export function ladder(value: number, steps: Array<[number, Severity]>, otherwise: Severity): Severity {
  for (const [min, level] of steps) if (value >= min) return level;
  return otherwise;
}

// Object, array and string building: what a function that allocates has in its body.
const ALLOCATES = /(^|[=(,:?]|return)\s*[{[]|\bnew\s+[A-Z]\w*|`|\.\.\.\w/;

/**
 * allocatingFunctionOf: the program's busiest CPU function whose body builds objects, arrays or
 * strings (of `file` when given), holding at least `minShare` of CPU. When an allocation profile
 * credits a script's top level (V8 inlined the functions its loop calls, and allocation
 * profiles have no line ticks to undo that), it is the likelier allocation site; when many
 * short-lived objects die before any heap profile sees them, it is the likelier churner.
 */
export function allocatingFunctionOf(
  input: DiagnosisInput,
  file?: string,
  minShare = 0,
): { location: FindingLocation; stack: string[]; share: number } | undefined {
  const cpu = input.views.find((v) => v.kind === 'cpu');
  if (!cpu || cpu.total === 0) return undefined;
  const byFn = new Map<string, { fn: string; file: string; start: number; value: number; line: number }>();
  for (const l of ownLines(cpu.profile)) {
    if ((file !== undefined && l.file !== file) || l.function === '(anonymous)') continue;
    const e = byFn.get(l.key) ?? { fn: l.function, file: l.file, start: l.startLine, value: 0, line: l.line };
    e.value += l.value;
    byFn.set(l.key, e);
  }
  for (const e of [...byFn.values()].sort((a, b) => b.value - a.value)) {
    if (e.value / cpu.total < minShare) break;
    const file = e.file;
    const start = input.sources.startOf(file, e.fn, e.start, e.line);
    const body = input.sources.body(file, start);
    if (!body.slice(1).some((l) => ALLOCATES.test(l.text))) continue;
    return {
      location: { function: e.fn, file, line: start || e.start },
      stack: heaviestPath(cpu.profile, 0, functionKey(e.fn, file)).stack,
      share: e.value / cpu.total,
    };
  }
  return undefined;
}
