import type { DiagnosisInput } from './features/diagnosis-input.js';
import { SAMPLE_KINDS, type SampleKind } from './features/sample-views.js';
import type { Finding } from './findings.js';
import { traceHotspot } from './hotspot.js';

/**
 * kindOfFinding: the sample kind a finding's share was measured in (its `<kind>_share`
 * evidence), CPU when it names none.
 */
export function kindOfFinding(f: Finding): SampleKind {
  return SAMPLE_KINDS.find((k) => `${k}_share` in f.evidence) ?? 'cpu';
}

/**
 * attachHotspots gives every finding whose own frame spends its time outside the program a
 * `hotspot` (see traceHotspot) and extends its stack down to that frame, so reports show both
 * where to change code and what is slow. A stack that already reaches the hotspot (a pattern
 * stops at the frame it matched) is kept.
 */
export function attachHotspots(findings: Finding[], input: DiagnosisInput): Finding[] {
  return findings.map((f) => {
    if (f.hotspot || !f.location.function || f.location.function === '(whole process)') return f;
    const view = input.views.find((v) => v.kind === kindOfFinding(f));
    if (!view || view.total === 0) return f;
    const trace = traceHotspot(view, f.location);
    if (!trace) return f;
    const reaches = f.stack.includes(trace.hotspot.function) && f.stack.includes(f.location.function);
    return { ...f, hotspot: trace.hotspot, stack: reaches ? f.stack : trace.stack };
  });
}
