/**
 * Collapsed ("folded") stacks, as written by FlameGraph's stackcollapse-*.pl, inferno,
 * async-profiler `collapsed` and py-spy `--format raw`: one line per stack,
 *
 *     root;caller;leaf 42
 *
 * frames root first joined by ';', then whitespace and a count. The count may be a decimal
 * (flamegraph.pl accepts `\d+(\.\d*)?`). Blank lines are ignored; any other line that does not
 * have this shape (comments, headers) is skipped and reported once through `options.warn`.
 */
import { FormatError } from '../errors.js';
import { ProfileBuilder } from '../model/builder.js';
import type { Profile } from '../model/profile.js';
import { defaultSampleTypeIndex, frameNamesRootFirst } from '../model/profile.js';
import { decodeText, looksLikeText } from './text-decode.js';
import type { FormatExporter, FormatImporter, ImportOptions } from './types.js';

const FORMAT = 'collapsed';

/** COUNT is the count field; flamegraph.pl accepts integers and decimals. */
const COUNT = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

/**
 * PERF_SCRIPT_FRAME is a perf-script frame line: indented hex address, symbol, (module). Those
 * belong to the perf-script importer even when a symbol happens to end in a number.
 */
const PERF_SCRIPT_FRAME = /^\s+[0-9a-fA-F]+\s+\S/;

/**
 * startsLikeJson: an object, or an array whose first element (after any nested brackets) is
 * JSON. Folded stacks start with brackets too: "[unknown];main 1", "[[kernel.kallsyms]];... 5".
 */
function startsLikeJson(text: string): boolean {
  const open = /^\s*([{[])/.exec(text);
  if (!open) return false;
  if (open[1] === '{') return true;
  const first = text.slice(open[0].length).replace(/^[\s[]*/, '');
  return (
    first === '' ||
    /^(?:[{"\]]|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\s*[,\]]|(?:true|false|null)\s*[,\]])/.test(first)
  );
}

/** SNIFF_BYTES bounds the work `sniff` does on a large input. */
const SNIFF_BYTES = 64 * 1024;
const SNIFF_LINES = 200;

/** CollapsedLine is one parsed line: frames root first and the count. */
export interface CollapsedLine {
  frames: string[];
  count: number;
}

/** parseCollapsedLine parses one line; undefined when it is not a collapsed-stack line. */
export function parseCollapsedLine(line: string): CollapsedLine | undefined {
  // A scan instead of one regex: a backtracking `(.*)\s+(\d+)$` is quadratic on long runs of
  // spaces, and input lines can be megabytes long.
  const trimmed = line.trimEnd();
  let cut = trimmed.length - 1;
  while (cut >= 0 && !isSpace(trimmed.charCodeAt(cut))) cut--;
  if (cut < 0) return undefined;
  const countText = trimmed.slice(cut + 1);
  if (!COUNT.test(countText)) return undefined;
  // Only one separator character is removed, like flamegraph.pl's lazy `\s+?`: stackcollapse
  // writes frames that are a lone space ("write0_[j];  3"), and they must survive.
  const stack = trimmed.slice(0, cut);
  if (stack.trim() === '') return undefined;
  const count = Number(countText);
  if (!Number.isFinite(count)) return undefined;
  return { frames: stack.split(';'), count };
}

/** lineEndAfter decodes the last bytes (at most 64) of the line that runs past `from`. */
function lineEndAfter(bytes: Uint8Array, from: number): string {
  const newline = bytes.indexOf(0x0a, from);
  const end = newline < 0 ? bytes.length : newline;
  return new TextDecoder().decode(bytes.subarray(Math.max(from, end - 64), end));
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0b || code === 0x0c || code === 0x0d;
}

/** sniffCollapsed says whether most non-empty lines of the text prefix are collapsed lines. */
export function sniffCollapsed(bytes: Uint8Array): boolean {
  if (!looksLikeText(bytes)) return false;
  const text = decodeText(bytes, SNIFF_BYTES);
  // JSON is never folded stacks; but "[unknown];main 1" starts with a bracket too.
  if (startsLikeJson(text)) return false;
  const lines = text.split('\n');
  // The last line may be cut in the middle by the prefix limit.
  if (bytes.length > SNIFF_BYTES && lines.length > 1) lines.pop();
  // A first line longer than the prefix (a 100k-frame stack) is judged by its head and its end,
  // where the count is: the prefix alone never shows the count.
  else if (bytes.length > SNIFF_BYTES) lines[0] += lineEndAfter(bytes, SNIFF_BYTES);
  let valid = 0;
  let considered = 0;
  for (const raw of lines) {
    if (considered >= SNIFF_LINES) break;
    const line = stripCr(raw);
    if (line.trim() === '') continue;
    if (PERF_SCRIPT_FRAME.test(line)) return false;
    // Comment lines are common headers of hand-edited files; they neither count for nor against.
    if (line.startsWith('#') || line.startsWith('//')) continue;
    considered++;
    // An indented line is a dump of something else (pprof's debug text has "   10: 1 2 3").
    if (!isSpace(line.charCodeAt(0)) && parseCollapsedLine(line)) valid++;
  }
  return valid > 0 && valid * 5 >= considered * 4;
}

/** importCollapsed parses collapsed stacks into one profile with a `samples/count` type. */
export function importCollapsed(bytes: Uint8Array, options: ImportOptions): Profile {
  const text = decodeText(bytes);
  const builder = new ProfileBuilder([{ type: 'samples', unit: 'count' }]);
  let invalid = 0;
  let firstInvalidLine = 0;
  let valid = 0;
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo++;
    const line = stripCr(text.slice(start, end));
    start = end + 1;
    if (line.trim() === '') continue;
    const parsed = parseCollapsedLine(line);
    if (!parsed) {
      if (invalid === 0) firstInvalidLine = lineNo;
      invalid++;
      continue;
    }
    valid++;
    builder.addStackRootFirst(parsed.frames, [parsed.count]);
  }
  if (valid === 0 && invalid > 0) {
    throw new FormatError(
      FORMAT,
      `no valid "stack count" line among ${invalid} lines`,
      `${options.source}:${firstInvalidLine}`,
    );
  }
  if (invalid > 0) {
    options.warn?.(
      `${FORMAT}: skipped ${invalid} invalid lines, first at line ${firstInvalidLine} of ${options.source}`,
    );
  }
  return builder.build();
}

/**
 * profileToCollapsed writes one line per distinct stack (frame names root first) with the
 * summed value of one sample type, sorted by stack like `stackcollapse | sort`. Stacks whose
 * sum is zero are left out. Frame names are written as they are: a ';' inside a name cannot be
 * escaped in this format; line breaks become spaces so one stack stays one line.
 */
export function profileToCollapsed(
  profile: Profile,
  sampleTypeIndex = defaultSampleTypeIndex(profile),
): string {
  if (sampleTypeIndex < 0 || sampleTypeIndex >= profile.sampleTypes.length) {
    throw new RangeError(`sample type index ${sampleTypeIndex} out of range`);
  }
  const totals = new Map<string, number>();
  for (const sample of profile.samples) {
    const value = sample.values[sampleTypeIndex];
    if (value === 0) continue;
    const key = frameNamesRootFirst(profile, sample)
      .map((n) => n.replace(/[\r\n]+/g, ' '))
      .join(';');
    totals.set(key, (totals.get(key) ?? 0) + value);
  }
  const keys = [...totals.keys()].filter((k) => totals.get(k) !== 0 && k !== '');
  keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return keys.map((k) => `${k} ${formatCount(totals.get(k)!)}\n`).join('');
}

/** formatCount prints integers without a fraction and decimals without float noise. */
function formatCount(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(15)));
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** collapsedImporter reads folded stacks. */
export const collapsedImporter: FormatImporter = {
  name: FORMAT,
  sniff: sniffCollapsed,
  importProfiles: (bytes, options) => [importCollapsed(bytes, options)],
};

/** collapsedExporter writes folded stacks of the profile's default sample type. */
export const collapsedExporter: FormatExporter = {
  name: FORMAT,
  exportProfile: (profile) => new TextEncoder().encode(profileToCollapsed(profile)),
};
