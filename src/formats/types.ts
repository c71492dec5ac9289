import type { Profile } from '../model/profile.js';

/** FormatName is every format autoprof reads or writes. */
export type FormatName =
  | 'pprof'
  | 'perf-script'
  | 'collapsed'
  | 'chrome-cpuprofile'
  | 'v8-heapprofile'
  | 'speedscope'
  | 'flamebearer'
  | 'jfr'
  | 'pstats';

/** ImportOptions are passed to every importer. */
export interface ImportOptions {
  /** source names the input in error messages (file path or '-'). */
  source: string;
  /** warn receives counted, non-fatal problems (e.g. skipped invalid lines). */
  warn?: (message: string) => void;
}

/**
 * FormatImporter reads one format. `sniff` is a cheap content check on the (already
 * decompressed) bytes: false means "not my format" and the registry tries the next importer;
 * once it says true, `importProfiles` must either succeed or throw a FormatError that names
 * where the input is broken ("my format, but broken").
 */
export interface FormatImporter {
  name: FormatName;
  sniff(bytes: Uint8Array): boolean;
  /** importProfiles may return several profiles (threads, JFR event kinds, speedscope files). */
  importProfiles(bytes: Uint8Array, options: ImportOptions): Profile[];
}

/** FormatExporter writes one format. */
export interface FormatExporter {
  name: FormatName;
  exportProfile(profile: Profile): Uint8Array;
}
