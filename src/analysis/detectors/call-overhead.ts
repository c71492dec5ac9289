import type { DiagnosisInput } from '../features/diagnosis-input.js';
import { ownLines } from '../features/own-lines.js';
import { runtimeOfFrame } from '../features/runtimes.js';
import type { Finding } from '../findings.js';
import { pct } from '../findings.js';
import { functionKey } from '../function-shares.js';
import { absoluteEvidence } from '../patterns/match.js';
import { heaviestPath } from '../profile-diff.js';
import { type Detector, ladder, makeFinding } from './detector.js';

/** MIN_SHARE: a tiny function must carry this much CPU before its calls are worth a finding. */
const MIN_SHARE = 0.1;
/** MAX_BODY_STATEMENTS: a body this short does constant work per call. */
const MAX_BODY_STATEMENTS = 3;

// Calls a tiny body may make and still be constant, cheap work per call.
const CHEAP_CALLS = /^(min|max|abs|int|float|round|len|bool|str|isinstance|ord|chr|divmod|pow|hash|id)$/;

/**
 * callOverhead reports a tiny interpreted function that carries a large share of CPU by itself.
 * Its body is a few statements without loops or expensive calls, so every call does constant
 * work: a large share can only come from very many calls, and in CPython each call (frame
 * set-up, argument binding) costs more than such a body. JIT runtimes inline small functions,
 * so this is reported for Python only.
 */
export const callOverhead: Detector = {
  id: 'call-overhead',
  detect(input, ctx) {
    const view = input.views.find((v) => v.kind === 'cpu');
    if (!view || view.total === 0) return [];
    const byFn = new Map<string, { fn: string; file: string; start: number; value: number; self: number }>();
    for (const l of ownLines(view.profile)) {
      if (runtimeOfFrame(l.function, l.file) !== 'python') continue;
      const e = byFn.get(l.key) ?? { fn: l.function, file: l.file, start: l.startLine, value: 0, self: 0 };
      e.value += l.value;
      e.self += l.selfValue;
      byFn.set(l.key, e);
    }
    const src = input.sourceOf.cpu ?? 'profile';
    const out: Finding[] = [];
    for (const e of byFn.values()) {
      const share = e.value / view.total;
      if (share < MIN_SHARE || e.self < 0.8 * e.value) continue;
      const statements = tinyBody(input, e.fn, e.file, e.start);
      if (statements === undefined) continue;
      const path = heaviestPath(view.profile, 0, functionKey(e.fn, e.file)).stack;
      const caller = path.length >= 2 ? path[path.length - 2] : undefined;
      out.push(
        makeFinding(
          {
            patternId: 'python-call-overhead',
            category: 'call-overhead',
            title: `Tiny function ${e.fn} called so often that call overhead dominates`,
            severity: ladder(
              share,
              [
                [0.3, 'high'],
                [0.15, 'medium'],
              ],
              'low',
            ),
            confidence: 0.7,
            location: { function: e.fn, file: e.file, line: input.sources.startOf(e.file, e.fn, e.start) },
            stack: path,
            evidence: {
              cpu_share: { value: pct(share), unit: '%', source: src },
              cpu_self_share: { value: pct(e.self / view.total), unit: '%', source: src },
              body_statements: { value: statements, unit: 'count', source: e.file },
              ...absoluteEvidence('cpu', view.unit, e.value, src),
            },
            description: `${e.fn} is ${statements} statement${statements === 1 ? '' : 's'} without loops, so each call does constant work, yet it carries ${pct(share)}% of CPU: it is called very many times${caller ? ` (from ${caller})` : ''}, and CPython's per-call cost (frame set-up, argument binding) outweighs the body.`,
            suggestions: [
              'Inline the body into the calling loop, or apply it to the whole collection at once (a comprehension, map over a builtin, or NumPy on arrays).',
              'Hoist attribute and global lookups out of the loop; bind the function to a local name.',
            ],
            verify: `The CPU share of ${e.fn} and its caller together should drop.`,
            share,
          },
          ctx,
        ),
      );
    }
    return out;
  },
};

/**
 * tinyBody counts the statements of a Python function body when it is tiny: at most
 * MAX_BODY_STATEMENTS, no loops or comprehensions, no calls but cheap builtins. Undefined when
 * the source is unreadable or the body is not tiny.
 */
function tinyBody(input: DiagnosisInput, name: string, file: string, start: number): number | undefined {
  const body = input.sources.body(file, input.sources.startOf(file, name, start));
  if (body.length < 2 || !/^(async\s+)?def\s/.test(body[0].text)) return undefined;
  const statements = body
    .slice(1)
    .map((l) => l.text)
    .filter((t) => t !== '' && !t.startsWith('#') && !/^[rubf]*("""|''')/i.test(t));
  if (statements.length === 0 || statements.length > MAX_BODY_STATEMENTS) return undefined;
  for (const t of statements) {
    if (/^(for|while|with|try|async)\b|\bfor\b.+\bin\b|\blambda\b/.test(t)) return undefined;
    for (const m of t.matchAll(/([A-Za-z_][\w.]*)\s*\(/g)) if (!CHEAP_CALLS.test(m[1])) return undefined;
  }
  return statements.length;
}
