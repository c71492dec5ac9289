import { ownLines } from '../features/own-lines.js';
import { withoutStartup } from '../features/startup-frames.js';
import { pct } from '../findings.js';
import { functionKey } from '../function-shares.js';
import { type HotspotTrace, traceHotspot } from '../hotspot.js';
import { absoluteEvidence } from '../patterns/match.js';
import { heaviestPath } from '../profile-diff.js';
import { type Detector, ladder, makeFinding } from './detector.js';

/** HOTSPOT_MIN_SHARE: own functions below this share of CPU are not worth a finding. */
const HOTSPOT_MIN_SHARE = 0.1;
const MAX_HOTSPOTS = 3;

/**
 * cpuHotspot reports the program's own functions that carry the most CPU (callees in libraries
 * and the runtime included, since the own function is what can change), at their hottest line.
 * It is the generic finding: patterns say *why* a place is hot, this says *where*.
 */
export const cpuHotspot: Detector = {
  id: 'cpu-hotspot',
  detect(input, ctx) {
    const all = input.views.find((v) => v.kind === 'cpu');
    if (!all || all.total === 0) return [];
    const view = withoutStartup(all);
    const byFn = new Map<
      string,
      { fn: string; file: string; value: number; self: number; lines: Map<number, number> }
    >();
    for (const l of ownLines(view.profile, input.lineTicks)) {
      const e = byFn.get(l.key) ?? { fn: l.function, file: l.file, value: 0, self: 0, lines: new Map() };
      e.value += l.value;
      e.self += l.selfValue;
      e.lines.set(l.line, (e.lines.get(l.line) ?? 0) + l.value);
      byFn.set(l.key, e);
    }
    const src = input.sourceOf.cpu ?? 'profile';
    return [...byFn.values()]
      .filter((e) => e.value / view.total >= HOTSPOT_MIN_SHARE)
      .sort((a, b) => b.value - a.value)
      .slice(0, MAX_HOTSPOTS)
      .map((e) => {
        const share = e.value / view.total;
        // A hotspot of a program that hardly computes is not where its time goes.
        const profileSeconds = view.unit === 'nanoseconds' ? view.total / 1e9 : Number.POSITIVE_INFINITY;
        // CPU time alone misleads on a busy machine: a thread that was runnable most of the
        // time wanted the CPU even when it got little of it.
        const m = input.metrics;
        const demand = Math.max(
          m.cpu_utilisation ?? 1,
          m.main_running_share ?? 0,
          m.active_running_share ?? 0,
        );
        const idle = profileSeconds < 0.1 || demand < 0.2;
        const known = [...e.lines].filter(([l]) => l > 0);
        const line =
          known.length > 0 ? known.sort((a, b) => b[1] - a[1])[0][0] : input.sources.startOf(e.file, e.fn, 0);
        const hotLine = e.lines.get(line) ?? 0;
        const trace = traceHotspot(view, { function: e.fn, file: e.file, line });
        const severity = idle
          ? 'info'
          : ladder(
              share,
              [
                [0.6, 'high'],
                [0.3, 'medium'],
                [0.15, 'low'],
              ],
              'info',
            );
        if (trace && isDependencyHotspot(trace)) {
          const f = makeFinding(
            {
              ...dependencyHotspotParts(e.fn, trace),
              severity,
              confidence: 0.9,
              location: { function: e.fn, file: e.file, line },
              stack: trace.stack,
              evidence: {
                cpu_share: { value: pct(share), unit: '%', source: src },
                hotspot_share_of_caller: { value: pct(trace.hotspot.share), unit: '%', source: src },
                ...absoluteEvidence('cpu', view.unit, e.value, src),
              },
              share,
            },
            ctx,
          );
          return { ...f, hotspot: trace.hotspot };
        }
        return makeFinding(
          {
            patternId: 'cpu-hotspot',
            category: 'cpu-hotspot',
            title: `CPU hotspot in ${e.fn}`,
            severity,
            confidence: 0.9,
            location: { function: e.fn, file: e.file, line },
            stack: heaviestPath(view.profile, 0, functionKey(e.fn, e.file)).stack,
            evidence: {
              cpu_share: { value: pct(share), unit: '%', source: src },
              cpu_self_share: { value: pct(e.self / view.total), unit: '%', source: src },
              hottest_line_share: { value: pct(hotLine / view.total), unit: '%', source: src },
              ...absoluteEvidence('cpu', view.unit, e.value, src),
            },
            description:
              'This function of the program (with the library and runtime code it calls) accounts for a large share of CPU samples. Time here is work the program asked for; the question is whether all of it is needed.',
            suggestions: [
              'Look at the hottest line first; check whether the work can be skipped, cached or done once outside a loop.',
              'Check the algorithm: nested loops over growing inputs and repeated searches are typical.',
            ],
            verify: "The function's CPU share should drop in a new run.",
            share,
          },
          ctx,
        );
      });
  },
};

/** DEPENDENCY_SHARE: the hotspot must hold this share of its caller to be "the" cost. */
const DEPENDENCY_SHARE = 0.5;

// Pseudo-frames and GC are no library function a user could call less or upgrade.
const NOT_A_FUNCTION = /^\((program|idle|root|garbage collector)\)$|^\[[^\]]*\]$/;

/**
 * isDependencyHotspot: most of the own function's time is in one function of a library or the
 * runtime's library code (stdlib, JDK classes, the C library), not in the kernel or a GC.
 */
function isDependencyHotspot(trace: HotspotTrace): boolean {
  const h = trace.hotspot;
  return h.share >= DEPENDENCY_SHARE && h.origin !== 'kernel' && !NOT_A_FUNCTION.test(h.function);
}

/** dependencyHotspotParts words the finding after the library function and its package. */
function dependencyHotspotParts(caller: string, trace: HotspotTrace) {
  const h = trace.hotspot;
  const pkg = h.package ? ` (${h.package}${h.version ? `@${h.version}` : ''})` : '';
  const via = h.entry ? `, entered through ${h.entry.function}` : '';
  return {
    patternId: 'dependency-hotspot',
    category: 'cpu-hotspot' as const,
    title: `CPU hotspot in ${h.function}${pkg}, called from ${caller}`,
    description: `${Math.round(h.share * 100)}% of ${caller}'s CPU time is spent in ${h.function}${pkg}${via}: code the program calls but does not contain. The fix is in how it is called (how often, with what input) or in the library's version.`,
    suggestions: [
      h.package
        ? `Check ${h.package}'s changelog and issue tracker for performance fixes in ${h.function} and upgrade${h.version ? ` from ${h.version}` : ''} if one applies.`
        : `Check whether a newer version of the code providing ${h.function} fixes its cost.`,
      `Avoid the input that makes ${h.function} slow: bound its size, validate or pre-filter it before the call.`,
      `Call ${h.function} less: cache its result, hoist it out of the loop in ${caller}, or use a cheaper API of the library for the same job.`,
    ],
    verify: `${h.function}'s share of CPU under ${caller} should drop in a new run.`,
  };
}
