import { UnknownFormatError, UsageError } from '../errors.js';
import { maybeGunzip } from '../io/decompress.js';
import { readInputBytes } from '../io/read-input.js';
import { mergeProfiles } from '../model/merge.js';
import type { Profile } from '../model/profile.js';
import { chromeCpuprofileImporter } from './chrome-cpuprofile.js';
import { collapsedExporter, collapsedImporter } from './collapsed.js';
import { flamebearerExporter, flamebearerImporter } from './flamebearer.js';
import { jfrImporter } from './jfr.js';
import { perfScriptImporter } from './perf-script.js';
import { pprofExporter, pprofImporter } from './pprof.js';
import { pstatsImporter } from './pstats.js';
import { speedscopeExporter, speedscopeImporter } from './speedscope.js';
import type { FormatExporter, FormatImporter, FormatName, ImportOptions } from './types.js';
import { v8HeapprofileImporter } from './v8-heapprofile.js';

/**
 * importers in sniffing order. Formats with a magic number or an unmistakable JSON key go first
 * (speedscope before the V8 ones: its frame names may contain V8 words such as ProfileChunk);
 * pprof (no magic, a structural check) before the text formats; collapsed, the most lenient
 * text format, last.
 */
export const importers: readonly FormatImporter[] = [
  jfrImporter,
  pstatsImporter,
  speedscopeImporter,
  v8HeapprofileImporter,
  chromeCpuprofileImporter,
  flamebearerImporter,
  pprofImporter,
  perfScriptImporter,
  collapsedImporter,
];

/** exporters by format name. */
export const exporters: readonly FormatExporter[] = [
  pprofExporter,
  speedscopeExporter,
  collapsedExporter,
  flamebearerExporter,
];

/** sniffFormat names the first importer that recognises the (decompressed) bytes. */
export function sniffFormat(bytes: Uint8Array): FormatImporter | undefined {
  return importers.find((imp) => imp.sniff(bytes));
}

/**
 * importProfileBytes decompresses if needed, sniffs and imports. A recognised but broken input
 * throws the importer's FormatError; an unrecognised one an UnknownFormatError.
 */
export function importProfileBytes(raw: Uint8Array, options: ImportOptions): Profile[] {
  const bytes = maybeGunzip(raw, options.source);
  const importer = sniffFormat(bytes);
  if (!importer) {
    throw new UnknownFormatError(
      `${options.source}: not a recognised profile format (tried ${importers.map((i) => i.name).join(', ')})`,
    );
  }
  const profiles = importer.importProfiles(bytes, options);
  if (profiles.length === 0)
    throw new UnknownFormatError(`${options.source}: ${importer.name} input holds no profile`);
  return profiles;
}

/** importProfileFile reads a file (or '-') and imports every profile in it. */
export function importProfileFile(path: string, warn?: (message: string) => void): Profile[] {
  return importProfileBytes(readInputBytes(path), { source: path, warn });
}

/** importMergedProfile imports a file and merges its profiles into one. */
export function importMergedProfile(path: string, warn?: (message: string) => void): Profile {
  const profiles = importProfileFile(path, warn);
  return profiles.length === 1 ? profiles[0] : mergeProfiles(profiles);
}

/** exporterFor finds an exporter by name, or throws a UsageError listing the choices. */
export function exporterFor(name: string): FormatExporter {
  const exporter = exporters.find((e) => e.name === name);
  if (!exporter) {
    throw new UsageError(
      `unknown output format '${name}' (choose ${exporters.map((e) => e.name).join(', ')})`,
    );
  }
  return exporter;
}

export type { FormatExporter, FormatImporter, FormatName, ImportOptions };
