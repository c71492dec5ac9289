import { ownLines } from '../features/own-lines.js';
import { withoutStartup } from '../features/startup-frames.js';
import { pct } from '../findings.js';
import { traceHotspot } from '../hotspot.js';
import { absoluteEvidence } from '../patterns/match.js';
import { type Detector, ladder, makeFinding } from './detector.js';

// Regex engines whose backtracking shows as recursion: V8's irregexp, java.util.regex, PCRE's
// match(), Python's _sre, std::regex's executor.
const REGEX_ENGINE =
  /^RegExp: |java[./]util[./]regex[./]|^(pcre2?_|match$|sre_|_sre|SRE\()|std::__detail::_Executor/;

/** MIN_DEPTH: a library function this deep in its own recursion is expanding, not iterating. */
const MIN_DEPTH = 24;
/**
 * MIN_REGEX_DEPTH: backtracking matchers recurse once or twice per input character they may
 * revisit, while linear patterns ([A-Za-z]+, greedy classes) match in a loop a few frames deep.
 */
const MIN_REGEX_DEPTH = 16;
/** MIN_SHARE: the recursion must carry this share of CPU to matter. */
const MIN_SHARE = 0.15;
const MAX_FINDINGS = 2;

/**
 * superlinearRecursion flags a super-linear blow-up inside a library or the runtime: the
 * hotspot below one of the program's busiest functions recurses into itself dozens of levels
 * deep (a backtracking matcher, a recursive descent over nested input, an exponential
 * expansion). Depth that large on one function is the shape exponential and polynomial
 * algorithms leave in a profile; a linear loop has depth 1.
 */
export const superlinearRecursion: Detector = {
  id: 'superlinear-recursion',
  detect(input, ctx) {
    const all = input.views.find((v) => v.kind === 'cpu');
    if (!all || all.total === 0) return [];
    const view = withoutStartup(all);
    const byFn = new Map<string, { fn: string; file: string; value: number }>();
    for (const l of ownLines(view.profile)) {
      const e = byFn.get(l.key) ?? { fn: l.function, file: l.file, value: 0 };
      e.value += l.value;
      byFn.set(l.key, e);
    }
    const src = input.sourceOf.cpu ?? 'profile';
    const out = [];
    for (const e of [...byFn.values()].sort((a, b) => b.value - a.value).slice(0, 3)) {
      if (e.value / all.total < MIN_SHARE) break;
      const trace = traceHotspot(view, { function: e.fn, file: e.file });
      if (!trace) continue;
      const h = trace.hotspot;
      const regex = REGEX_ENGINE.test(h.function) || trace.stack.some((n) => REGEX_ENGINE.test(n));
      if (trace.maxDepth < (regex ? MIN_REGEX_DEPTH : MIN_DEPTH)) continue;
      const share = (h.share * e.value) / all.total;
      if (share < MIN_SHARE) continue;
      const pkg = h.package ? ` (${h.package}${h.version ? `@${h.version}` : ''})` : '';
      const f = makeFinding(
        {
          patternId: regex ? 'regex-backtracking' : 'superlinear-recursion',
          category: regex ? 'regex' : 'algorithmic',
          title: regex
            ? `Regex backtracking: the matcher ${h.function}${pkg} recurses ${trace.maxDepth} levels deep under ${e.fn}`
            : `Super-linear blow-up: ${h.function}${pkg} recurses ${trace.maxDepth} levels deep under ${e.fn}`,
          // A regex engine recursing this deep is backtracking: stronger evidence than the
          // generic shape, and it must outrank "matching is hot" at the same place.
          severity: ladder(
            share,
            regex
              ? [
                  [0.25, 'high'],
                  [0.1, 'medium'],
                ]
              : [
                  [0.4, 'high'],
                  [0.2, 'medium'],
                ],
            'low',
          ),
          confidence: regex ? 0.85 : 0.7,
          location: { function: e.fn, file: e.file, line: 0 },
          stack: trace.stack,
          evidence: {
            cpu_share: { value: pct(share), unit: '%', source: src },
            max_recursion_depth: { value: trace.maxDepth, unit: 'count', source: src },
            ...absoluteEvidence('cpu', view.unit, share * all.total, src),
          },
          description: `${h.function} calls itself up to ${trace.maxDepth} levels deep while holding ${Math.round(share * 100)}% of CPU. Recursion that deep in one function is how backtracking (regex engines, parsers, glob matchers) and exponential expansion (nested templates, aliases) show in a profile: the work grows faster than the input.`,
          suggestions: [
            `Find the input that drives ${h.function} deep (nesting, repetition, near-matches) and bound or reject it before the call.`,
            h.package
              ? `Check ${h.package}'s advisories for a ReDoS or complexity fix in ${h.function} and upgrade if one applies.`
              : `Replace the recursive algorithm with one that is linear in the input (memoisation, an explicit stack, a non-backtracking engine).`,
          ],
          verify: `Run with inputs of growing size: the run time should grow linearly, and ${h.function}'s recursion depth should stay small.`,
          share,
        },
        ctx,
      );
      out.push({ ...f, hotspot: h });
      if (out.length >= MAX_FINDINGS) break;
    }
    return out;
  },
};
