import type { Profile } from '../model/profile.js';
import { containsAscii, firstNonSpaceByte, JsonReader, parseJsonDocument } from './chrome/json-document.js';
import { exportToSpeedscope } from './speedscope/export-file.js';
import { SPEEDSCOPE_SCHEMA } from './speedscope/file-format.js';
import { importSpeedscopeDocument } from './speedscope/import-file.js';
import type { FormatExporter, FormatImporter, ImportOptions } from './types.js';

const FORMAT = 'speedscope';

/**
 * speedscopeImporter reads speedscope JSON files (any version: evented and sampled profiles),
 * recognised by their `$schema`. Each speedscope profile becomes one Profile.
 */
export const speedscopeImporter: FormatImporter = {
  name: FORMAT,
  sniff(bytes: Uint8Array): boolean {
    return firstNonSpaceByte(bytes) === 0x7b && containsAscii(bytes, SPEEDSCOPE_SCHEMA);
  },
  importProfiles(bytes: Uint8Array, options: ImportOptions): Profile[] {
    const reader: JsonReader = new JsonReader(FORMAT, options.source);
    const doc = reader.object(parseJsonDocument(bytes, FORMAT, options.source), '$');
    if (doc.$schema !== SPEEDSCOPE_SCHEMA) reader.fail(`$schema is not ${SPEEDSCOPE_SCHEMA}`, '$schema');
    return importSpeedscopeDocument(reader, doc);
  },
};

/**
 * speedscopeExporter writes a speedscope file that speedscope opens as is: one sampled profile
 * per sample type, showing the default sample type first (see exportToSpeedscope).
 */
export const speedscopeExporter: FormatExporter = {
  name: FORMAT,
  exportProfile(profile: Profile): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(exportToSpeedscope(profile)));
  },
};
