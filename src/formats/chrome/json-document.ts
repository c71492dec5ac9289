import { FormatError } from '../../errors.js';

/**
 * Helpers shared by the JSON-based importers (V8 CPU and heap profiles, Chrome traces,
 * speedscope files): cheap byte-level sniffing, parsing with a FormatError that names the byte
 * offset, and field readers that turn "wrong shape" into a FormatError naming the JSON path
 * instead of a TypeError deep inside an importer.
 */

/** JsonObject is a parsed JSON object whose fields have not been checked yet. */
export type JsonObject = Record<string, unknown>;

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/** firstNonSpaceByte returns the first byte that is not JSON whitespace or a BOM; -1 if none. */
export function firstNonSpaceByte(bytes: Uint8Array): number {
  let i = bytes[0] === UTF8_BOM[0] && bytes[1] === UTF8_BOM[1] && bytes[2] === UTF8_BOM[2] ? 3 : 0;
  for (; i < bytes.length; i++) {
    const b = bytes[i];
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return b;
  }
  return -1;
}

/** containsAscii reports whether the bytes hold `needle` anywhere; native search, no decoding. */
export function containsAscii(bytes: Uint8Array, needle: string): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(needle, 0, 'latin1') >= 0;
}

/** parseJsonDocument parses UTF-8 JSON; a syntax error becomes a FormatError at its offset. */
export function parseJsonDocument(bytes: Uint8Array, format: string, source: string): unknown {
  const text = new TextDecoder('utf-8', { ignoreBOM: false }).decode(bytes);
  try {
    return JSON.parse(text);
  } catch (err) {
    // V8 reports "... in JSON at position N"; an unterminated document has no position.
    const match = /position (\d+)/.exec(String((err as Error).message));
    const where = match ? `${source}: offset ${match[1]}` : `${source}: end of input`;
    throw new FormatError(format, `invalid JSON: ${(err as Error).message}`, where, { cause: err });
  }
}

/** isJsonObject narrows to a plain object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JsonReader reads typed fields and throws FormatErrors that name the file and JSON path. */
export class JsonReader {
  constructor(
    readonly format: string,
    readonly source: string,
  ) {}

  /** fail throws a FormatError at `path`. */
  fail(message: string, path: string): never {
    throw new FormatError(this.format, message, `${this.source}: ${path}`);
  }

  /** object requires an object at `path`. */
  object(value: unknown, path: string): JsonObject {
    if (!isJsonObject(value)) this.fail(`expected an object, got ${describe(value)}`, path);
    return value;
  }

  /** array requires an array at `path`. */
  array(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value)) this.fail(`expected an array, got ${describe(value)}`, path);
    return value;
  }

  /** finite requires a finite number at `path`. */
  finite(value: unknown, path: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.fail(`expected a number, got ${describe(value)}`, path);
    }
    return value;
  }

  /** integer requires an integer at `path`. */
  integer(value: unknown, path: string): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      this.fail(`expected an integer, got ${describe(value)}`, path);
    }
    return value;
  }

  /** optionalString returns the string at `path`, `fallback` when absent or null. */
  optionalString(value: unknown, path: string, fallback = ''): string {
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'string') this.fail(`expected a string, got ${describe(value)}`, path);
    return value;
  }

  /** optionalFinite returns the number at `path`, `fallback` when absent or null. */
  optionalFinite(value: unknown, path: string, fallback: number): number {
    if (value === undefined || value === null) return fallback;
    return this.finite(value, path);
  }

  /** numberArray requires an array of finite numbers at `path`. */
  numberArray(value: unknown, path: string): number[] {
    const arr = this.array(value, path);
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i];
      if (typeof v !== 'number' || !Number.isFinite(v))
        this.fail(`expected a number, got ${describe(v)}`, `${path}[${i}]`);
    }
    return arr as number[];
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string ${JSON.stringify(value.slice(0, 40))}`;
  return typeof value === 'undefined' ? 'nothing' : `a ${typeof value}`;
}
