import { LabelLimitError } from './series-labels.js';

/**
 * Limits on what one ingest request may create, as Pyroscope's distributor applies them
 * (`max_profile_stacktrace_depth` 1000: stacks are truncated, not refused). A stack deeper than
 * the limit keeps its leaf-most frames — where the time is spent — under one `(truncated)` root
 * frame, so a 7M-frame stack costs the store 1024 nodes, not 7M. Series per request are capped
 * so one request with 50k label values cannot flood the store's series index.
 */
export const INGEST_LIMITS = { maxStackDepth: 1024, maxSeriesPerRequest: 1000 } as const;

export const TRUNCATED_FRAME = '(truncated)';

/** truncateStack bounds a root-first stack to maxStackDepth frames. */
export function truncateStack(rootFirst: string[]): string[] {
  const max = INGEST_LIMITS.maxStackDepth;
  if (rootFirst.length <= max) return rootFirst;
  return [TRUNCATED_FRAME, ...rootFirst.slice(rootFirst.length - (max - 1))];
}

/** checkSeriesPerRequest throws LabelLimitError (400) once a request names too many series. */
export function checkSeriesPerRequest(count: number): void {
  if (count > INGEST_LIMITS.maxSeriesPerRequest) {
    throw new LabelLimitError(
      `request creates more than ${INGEST_LIMITS.maxSeriesPerRequest} series (distinct sample label sets)`,
    );
  }
}
