import type { SeriesLabels } from '../store/types.js';

/**
 * Label rules for ingested series, Pyroscope's defaults: at most 30 labels per series, names up
 * to 1024 characters, values up to 2048; names are Prometheus identifiers, and dots (common in
 * OpenTelemetry-style names such as `service.version`) are rewritten to underscores.
 */
export const LABEL_LIMITS = { maxLabels: 30, maxNameLength: 1024, maxValueLength: 2048 } as const;

/** LabelLimitError: a series breaks a label rule; ingest answers 400. */
export class LabelLimitError extends Error {}

const VALID_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** sanitizeLabelName rewrites dots to underscores; undefined when the result is still invalid. */
export function sanitizeLabelName(name: string): string | undefined {
  const rewritten = name.replaceAll('.', '_');
  return VALID_NAME.test(rewritten) ? rewritten : undefined;
}

/** validateSeriesLabels throws LabelLimitError naming the first broken rule. */
export function validateSeriesLabels(labels: SeriesLabels): void {
  const names = Object.keys(labels);
  if (names.length > LABEL_LIMITS.maxLabels) {
    throw new LabelLimitError(`series has ${names.length} labels, the limit is ${LABEL_LIMITS.maxLabels}`);
  }
  for (const name of names) {
    if (name.length > LABEL_LIMITS.maxNameLength) {
      throw new LabelLimitError(`label name longer than ${LABEL_LIMITS.maxNameLength} characters`);
    }
    if (!VALID_NAME.test(name)) throw new LabelLimitError(`invalid label name '${name.slice(0, 100)}'`);
    if (labels[name].length > LABEL_LIMITS.maxValueLength) {
      throw new LabelLimitError(
        `value of label '${name}' longer than ${LABEL_LIMITS.maxValueLength} characters`,
      );
    }
  }
}
