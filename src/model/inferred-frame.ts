/**
 * An inferred frame was not sampled: it was recovered from the call instruction before a
 * caller's return address (see collect/collectors/call-site-frames.ts), because the library
 * tail-called out of it or the unwinder lost it. Its name ends in INFERRED_MARK so reports show
 * it as such; rules that match function names read it without the mark.
 */
export const INFERRED_MARK = ' [inferred]';

/** withoutInferredMark reads an inferred frame's name as the function it stands for. */
export function withoutInferredMark(name: string): string {
  return name.endsWith(INFERRED_MARK) ? name.slice(0, -INFERRED_MARK.length) : name;
}

/** isInferredFrame: the frame was recovered from a call site, not sampled. */
export function isInferredFrame(name: string): boolean {
  return name.endsWith(INFERRED_MARK);
}
