import { InputLimitError } from '../errors.js';

/**
 * PprofLimits bound what one pprof message may hold, field by field. They are checked while the
 * message is framed and its samples are read, before the decoder allocates the tables, so a
 * small body that announces millions of entries fails fast with a message naming the bound.
 * Modelled on Pyroscope's per-profile validation (`max_profile_stacktrace_samples`,
 * `max_profile_stacktrace_sample_labels`, `max_profile_symbol_value_length`).
 */
export interface PprofLimits {
  /** maxSamples: Sample messages in one profile. */
  maxSamples: number;
  /** maxLocations, maxFunctions, maxMappings: entries of each table. */
  maxLocations: number;
  maxFunctions: number;
  maxMappings: number;
  /** maxStrings: string table entries; maxStringBytes: the longest one (a name or a file). */
  maxStrings: number;
  maxStringBytes: number;
  /** maxSampleTypes: values per sample. */
  maxSampleTypes: number;
  /** maxStackDepth: location ids of one sample (stacks deeper than 1,024 are stored truncated). */
  maxStackDepth: number;
  /** maxLabelsPerSample: labels of one sample. */
  maxLabelsPerSample: number;
}

/** UNLIMITED_PPROF: the CLI reads the user's own files; only the file size bounds them. */
export const UNLIMITED_PPROF: PprofLimits = {
  maxSamples: Number.POSITIVE_INFINITY,
  maxLocations: Number.POSITIVE_INFINITY,
  maxFunctions: Number.POSITIVE_INFINITY,
  maxMappings: Number.POSITIVE_INFINITY,
  maxStrings: Number.POSITIVE_INFINITY,
  maxStringBytes: Number.POSITIVE_INFINITY,
  maxSampleTypes: Number.POSITIVE_INFINITY,
  maxStackDepth: Number.POSITIVE_INFINITY,
  maxLabelsPerSample: Number.POSITIVE_INFINITY,
};

/**
 * INGEST_PPROF_LIMITS: what the server accepts. Real agents' profiles stay far below (a busy JVM
 * sends ~50k samples and ~100k locations a minute); the stack bound admits the 1M-frame stacks
 * that ingest then truncates.
 */
export const INGEST_PPROF_LIMITS: PprofLimits = {
  maxSamples: 1_000_000,
  maxLocations: 1_000_000,
  maxFunctions: 1_000_000,
  maxMappings: 65_536,
  maxStrings: 1_000_000,
  maxStringBytes: 65_536,
  maxSampleTypes: 64,
  maxStackDepth: 1_048_576,
  maxLabelsPerSample: 100,
};

/** pprofLimitError names the field and the bound it passed. */
export function pprofLimitError(what: string, limit: number, key: keyof PprofLimits): InputLimitError {
  return new InputLimitError(`pprof: ${what} over the limit of ${limit} (${key})`);
}
