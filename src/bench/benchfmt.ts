/**
 * Reader for the Go benchmark text format (golang.org/design/14313-benchmark-format), the
 * output of `go test -bench`:
 *
 *   goos: linux                                   file configuration, "key: value"
 *   Unit text-bytes assume=exact                  unit metadata
 *   BenchmarkEncode/format=json-48  690848  1726 ns/op  32 B/op
 *
 * Configuration lines apply to every later result in the same file; an empty value deletes
 * the key. Values are tidied to base units as they are read ("ns/op" -> "sec/op").
 * Malformed benchmark lines become BenchSyntaxError records, reported like benchstat does
 * ("file:line: message") while reading continues.
 */
import { tidy, tidyUnit } from './benchunit.js';

/** BenchConfig is one configuration pair; `file` is false for tool-supplied keys like ".file". */
export interface BenchConfig {
  key: string;
  value: string;
  file: boolean;
}

/** BenchValue is one measurement, in tidied units, with the original when tidying changed it. */
export interface BenchValue {
  value: number;
  unit: string;
  origValue?: number;
  origUnit?: string;
}

/** BenchResult is one benchmark line with the configuration in force when it was read. */
export interface BenchResult {
  kind: 'result';
  /** config in first-set order; deleting a key moves the last key into its place. */
  config: BenchConfig[];
  /** name is the full name without the "Benchmark" prefix, e.g. "Encode/format=json-48". */
  name: string;
  iters: number;
  values: BenchValue[];
  fileName: string;
  line: number;
}

/** BenchSyntaxError is a line that looked like a benchmark or unit line but did not parse. */
export interface BenchSyntaxError {
  kind: 'syntax-error';
  fileName: string;
  line: number;
  message: string;
}

/** BenchRecord is what reading yields, in input order. */
export type BenchRecord = BenchResult | BenchSyntaxError;

/** UnitMetadata maps "tidied unit\x00key" (e.g. "text-bytes\x00assume") to its value. */
export type UnitMetadata = Map<string, string>;

/** formatSyntaxError renders a syntax error the way benchstat prints it. */
export function formatSyntaxError(e: BenchSyntaxError): string {
  return `${e.fileName}:${e.line}: ${e.message}`;
}

/** unitMetadataKey is the UnitMetadata map key for a unit (tidied here) and metadata name. */
export function unitMetadataKey(unit: string, key: string): string {
  return `${tidyUnit(unit).unit}\x00${key}`;
}

/** unitAssumption: "exact" when the unit says `assume=exact`, else "nothing". */
export function unitAssumption(units: UnitMetadata, unit: string): 'exact' | 'nothing' {
  return units.get(unitMetadataKey(unit, 'assume')) === 'exact' ? 'exact' : 'nothing';
}

/** configValue returns a result's configuration value for key, or "" when absent. */
export function configValue(r: BenchResult, key: string): string {
  for (const c of r.config) if (c.key === key) return c.value;
  return '';
}

/** setConfig updates or appends key; an empty value deletes it by swapping in the last key. */
function setConfig(config: BenchConfig[], key: string, value: string, file: boolean): void {
  const pos = config.findIndex((c) => c.key === key);
  if (value === '') {
    if (pos < 0) return;
    config[pos] = config[config.length - 1];
    config.pop();
    return;
  }
  if (pos >= 0) config[pos] = { key, value, file };
  else config.push({ key, value, file });
}

const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/u;

function isGoSpace(ch: string): boolean {
  return GO_SPACE.test(ch);
}

/** splitField returns the leading run of non-space characters and the rest after the spaces. */
function splitField(s: string): [string, string] {
  let i = 0;
  const chars = s;
  while (i < chars.length && !isGoSpace(chars[i])) i++;
  const field = chars.slice(0, i);
  let j = i;
  while (j < chars.length && isGoSpace(chars[j])) j++;
  return [field, chars.slice(j)];
}

/**
 * parseKeyValue reads "key: value": the key starts with a lower-case letter and holds no
 * spaces or upper-case letters; an empty value (just "key:") means delete.
 */
function parseKeyValue(line: string): { key: string; value: string } | undefined {
  const chars = [...line];
  let key: string | undefined;
  let rest = '';
  let offset = 0;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    if (i === 0 && !/^\p{Ll}$/u.test(ch)) return undefined;
    if (isGoSpace(ch) || /^\p{Lu}$/u.test(ch)) return undefined;
    if (i > 0 && ch === ':') {
      key = line.slice(0, offset);
      rest = line.slice(offset + 1);
      break;
    }
    offset += ch.length;
  }
  if (!key) return undefined;
  if (rest.length === 0) return { key, value: '' };
  // One or more blanks must separate "key:" from the value.
  const value = rest.replace(/^[ \t]+/, '');
  if (value.length === rest.length) return undefined;
  return { key, value };
}

const INT_RE = /^[+-]?[0-9]+$/;
const FLOAT_RE = /^[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity|nan)$/i;

/** parseNumber accepts Go float syntax; it reports "invalid syntax" or "value out of range". */
function parseNumber(text: string): number | 'invalid syntax' | 'value out of range' {
  if (!FLOAT_RE.test(text)) return 'invalid syntax';
  const lower = text.toLowerCase().replace(/^\+/, '');
  if (lower === 'nan') return Number.NaN;
  if (/^-?inf(inity)?$/.test(lower)) return lower.startsWith('-') ? -Infinity : Infinity;
  const v = Number(text);
  return Number.isFinite(v) ? v : 'value out of range';
}

/**
 * parseBenchText reads one file's text. `initConfig` seeds tool-supplied keys (".file"), and
 * `units` accumulates unit metadata across files, as it does in benchstat.
 */
export function parseBenchText(
  text: string,
  fileName: string,
  initConfig: Record<string, string>,
  units: UnitMetadata,
): BenchRecord[] {
  const out: BenchRecord[] = [];
  const config: BenchConfig[] = [];
  for (const [k, v] of Object.entries(initConfig)) setConfig(config, k, v, false);
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (const [index, raw] of lines.entries()) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const lineNo = index + 1;
    const error = (message: string) => out.push({ kind: 'syntax-error', fileName, line: lineNo, message });
    if (line.startsWith('Benchmark')) {
      const parsed = parseBenchmarkLine(line.slice('Benchmark'.length));
      if (parsed === 'skip') continue;
      if (typeof parsed === 'string') error(parsed);
      else
        out.push({
          kind: 'result',
          config: config.map((c) => ({ ...c })),
          ...parsed,
          fileName,
          line: lineNo,
        });
      continue;
    }
    if (line.startsWith('U')) {
      const [first, rest] = splitField(line);
      if (first === 'Unit') {
        for (const message of parseUnitLine(rest, units)) error(message);
        continue;
      }
    }
    const kv = parseKeyValue(line);
    if (kv) setConfig(config, kv.key, kv.value, true);
  }
  return out;
}

/** parseBenchmarkLine parses what follows "Benchmark"; a string result is an error message. */
function parseBenchmarkLine(
  line: string,
): { name: string; iters: number; values: BenchValue[] } | 'skip' | string {
  const [name, afterName] = splitField(line);
  // "go test -v" prints the bare name when a benchmark starts; that is not a result.
  if (afterName.length === 0 && name.length === line.length) return 'skip';
  const [itersText, afterIters] = splitField(afterName);
  if (itersText.length === 0) return 'missing iteration count';
  if (!INT_RE.test(itersText)) return 'parsing iteration count: invalid syntax';
  const iters = Number(itersText);
  if (!Number.isSafeInteger(iters)) return 'parsing iteration count: value out of range';
  const values: BenchValue[] = [];
  let rest = afterIters;
  for (;;) {
    const [valueText, afterValue] = splitField(rest);
    if (valueText.length === 0) {
      if (values.length > 0) break;
      return 'missing measurements';
    }
    const value = parseNumber(valueText);
    if (typeof value === 'string') return `parsing measurement: ${value}`;
    const [unit, afterUnit] = splitField(afterValue);
    if (unit.length === 0) return 'missing units';
    const t = tidy(value, unit);
    values.push(
      t.value === value
        ? { value, unit }
        : { value: t.value, unit: t.unit, origValue: value, origUnit: unit },
    );
    rest = afterUnit;
  }
  return { name, iters, values };
}

/** parseUnitLine records "Unit <unit> key=value..." metadata and returns error messages. */
function parseUnitLine(line: string, units: UnitMetadata): string[] {
  const errors: string[] = [];
  const [unit, afterUnit] = splitField(line);
  if (unit.length === 0) return ['missing unit'];
  let rest = afterUnit;
  for (;;) {
    let field: string;
    [field, rest] = splitField(rest);
    if (field.length === 0) break;
    const eq = field.indexOf('=');
    if (eq <= 0) {
      errors.push('expected key=value');
      continue;
    }
    const key = unitMetadataKey(unit, field.slice(0, eq));
    const value = field.slice(eq + 1);
    const have = units.get(key);
    if (have !== undefined) {
      if (have !== value)
        errors.push(`metadata ${field.slice(0, eq)} of unit ${unit} already set to ${have}`);
      continue;
    }
    units.set(key, value);
  }
  return errors;
}

/** BenchInput is one command-line input: `label=path` or just `path` (label defaults to it). */
export interface BenchInput {
  path: string;
  label: string;
}

/**
 * parseBenchInputs splits `label=path` arguments. Repeated unlabelled paths get "#0", "#1"
 * suffixes so their samples stay apart, as benchstat does.
 */
export function parseBenchInputs(args: readonly string[]): BenchInput[] {
  const counts = new Map<string, number>();
  const parsed = args.map((arg) => {
    const eq = arg.indexOf('=');
    if (eq >= 0) return { path: arg.slice(eq + 1), label: arg.slice(0, eq), labelled: true };
    counts.set(arg, (counts.get(arg) ?? 0) + 1);
    return { path: arg, label: arg, labelled: false };
  });
  const seen = new Map<string, number>();
  return parsed.map((p) => {
    if (p.labelled || counts.get(p.path) === 1) return { path: p.path, label: p.label };
    const i = seen.get(p.path) ?? 0;
    seen.set(p.path, i + 1);
    return { path: p.path, label: `${p.path}#${i}` };
  });
}
