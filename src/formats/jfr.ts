import { FormatError } from '../errors.js';
import type { Profile } from '../model/profile.js';
import { forEachEvent, hasJfrMagic } from './jfr/chunk.js';
import { type JfrProfileOptions, JfrProfileSet } from './jfr/profiles.js';
import { JfrReader } from './jfr/reader.js';
import type { FormatImporter, ImportOptions } from './types.js';

/**
 * importFromJfr reads a Java Flight Recorder file (JDK JFR or async-profiler, one or more
 * chunks, already decompressed) into one Profile per sample kind: process_cpu, wall, memory
 * (TLAB, outside-TLAB, allocation samples, live objects, malloc), mutex (monitor enter) and block
 * (thread park). Each profile's `name` is its metric; profiles come sorted as jfr-parser's are.
 */
export function importFromJfr(bytes: Uint8Array, source: string, options: JfrProfileOptions = {}): Profile[] {
  if (!hasJfrMagic(bytes)) {
    throw new FormatError('jfr', "missing magic 'FLR\\0'", `${source} offset 0`);
  }
  const r = new JfrReader(bytes, source);
  const set = new JfrProfileSet(options);
  try {
    forEachEvent(
      r,
      (cls, chunk) => set.onEvent(cls, chunk),
      (chunk) => set.enterChunk(chunk),
    );
  } catch (err) {
    if (err instanceof FormatError) throw err;
    // Anything else (a RangeError from a typed array, a stack overflow) is still broken input at
    // a known position; report it as such rather than as a crash.
    throw new FormatError('jfr', `cannot decode: ${(err as Error).message}`, `${source} offset ${r.pos}`, {
      cause: err,
    });
  }
  return set.build();
}

/** jfrImporter is the registry entry for JFR. */
export const jfrImporter: FormatImporter = {
  name: 'jfr',
  // The magic alone decides: a file cut short after 'FLR\0' is a broken recording, which the
  // user should hear about as such rather than as "unknown format".
  sniff: (bytes) => hasJfrMagic(bytes),
  importProfiles: (bytes: Uint8Array, options: ImportOptions) => importFromJfr(bytes, options.source),
};
