/**
 * `perf script` text (Linux perf) -> Profile. A sample is a header line
 *
 *     comm  pid/tid [cpu] seconds.micros:  period event:
 *
 * then one indented `address symbol+0xoff (module)` line per frame, leaf first, then a blank
 * line. Header and frame lines are recognised, and frame names tidied, exactly as
 * stackcollapse-perf.pl does with default options (see stackcollapse-perf.ts), so a profile
 * imported here folds to the same stacks as `autoprof collapse`. Two deliberate differences,
 * because a Profile keeps per-sample detail the folded text does not: a header arriving before
 * the blank line starts a new sample (the script would glue the stacks together), and a final
 * sample without a trailing blank line is kept (the script drops it).
 *
 * Each sample has value 1 (`samples/count`) and labels comm, pid (when perf printed it), tid.
 * Only the first event type is kept, as the script and speedscope do: mixing cycles with
 * instructions would add unlike things.
 */
import { FormatError } from '../errors.js';
import { type FrameSpec, ProfileBuilder } from '../model/builder.js';
import type { Label, Profile } from '../model/profile.js';
import {
  type FrameLine,
  matchEventHeader,
  matchEventName,
  matchFrameLine,
  stripSymbolOffset,
  tidyGeneric,
  tidyJava,
  unknownFrameName,
} from './stackcollapse-perf.js';
import { decodeText, looksLikeText } from './text-decode.js';
import type { FormatImporter, ImportOptions } from './types.js';

const FORMAT = 'perf-script';

/** SNIFF_BYTES and SNIFF_LINES bound the work `sniff` does on a large input. */
const SNIFF_BYTES = 64 * 1024;
const SNIFF_LINES = 100;

/** TIMESTAMP is perf's `seconds.fraction:` field. */
const TIMESTAMP = /\s(\d+\.\d+):(?:\s|$)/;

/** PerfScriptFrame is one resolved frame; several when perf printed inlined calls (`a->b`). */
export interface PerfScriptFrame {
  /** names: tidied function names, innermost (inlined callee) first. */
  names: string[];
  module: string;
}

/** PerfScriptEvent is one sample as read from the text. */
export interface PerfScriptEvent {
  comm: string;
  pid: number | undefined;
  tid: number;
  /** time in seconds as perf prints it; undefined when the header has no timestamp. */
  time: number | undefined;
  event: string | undefined;
  /** frames leaf first. */
  frames: PerfScriptFrame[];
  /** line is the 1-based line of the header. */
  line: number;
}

/** isHeaderLine: a sample header as the script sees it, and ending with `event:`. */
function isHeaderLine(line: string): boolean {
  return matchEventHeader(line) !== undefined && line.trimEnd().endsWith(':');
}

/**
 * sniffPerfScript: the first non-comment line is a sample header and nearly all of the first
 * lines are headers or frame lines. Collapsed stacks never end a line with `:`.
 */
export function sniffPerfScript(bytes: Uint8Array): boolean {
  if (!looksLikeText(bytes)) return false;
  const text = decodeText(bytes, SNIFF_BYTES);
  const lines = text.split('\n');
  if (bytes.length > SNIFF_BYTES && lines.length > 1) lines.pop();
  let headers = 0;
  let frames = 0;
  let considered = 0;
  for (const line of lines) {
    if (considered >= SNIFF_LINES) break;
    if (line.trim() === '' || line.startsWith('#')) continue;
    considered++;
    if (isHeaderLine(line)) headers++;
    else if (matchFrameLine(line) !== undefined) frames++;
    if (considered === 1 && headers === 0) return false;
  }
  return headers > 0 && (headers + frames) / considered >= 0.9;
}

function frameFromLine(frame: FrameLine, javaTidy: boolean): PerfScriptFrame | undefined {
  const raw = stripSymbolOffset(frame.rawFunc);
  // The script skips `(comm)`-style pseudo frames.
  if (raw.startsWith('(')) return undefined;
  // Perl's split drops trailing empty fields; so does this.
  const parts = raw.split('->');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  const names: string[] = [];
  for (const part of parts) {
    let name = part === '[unknown]' ? unknownFrameName(frame.module, frame.pc, false) : part;
    name = tidyGeneric(name);
    if (javaTidy) name = tidyJava(name);
    names.push(name);
  }
  if (names.length === 0) return undefined;
  // perf prints `caller->inlined`; the model wants innermost first.
  names.reverse();
  return { names, module: frame.module };
}

/**
 * parsePerfScriptEvents calls `onEvent` for every sample of the first event type. Lines that
 * are neither headers nor frames are counted and reported once through `warn`.
 */
export function parsePerfScriptEvents(
  text: string,
  onEvent: (event: PerfScriptEvent) => void,
  warn: (message: string) => void = () => {},
): { unrecognized: number; firstUnrecognizedLine: number; skippedOtherEvents: number } {
  let current: PerfScriptEvent | undefined;
  let eventFilter: string | undefined;
  let skipping = false;
  let unrecognized = 0;
  let firstUnrecognizedLine = 0;
  let skippedOtherEvents = 0;
  let lineNo = 0;
  const finish = () => {
    if (current !== undefined) onEvent(current);
    current = undefined;
  };
  let start = 0;
  while (start <= text.length) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = text.length;
    const line = text.slice(start, nl);
    start = nl + 1;
    lineNo++;
    if (line.length === 0) {
      finish();
      skipping = false;
      continue;
    }
    if (line.charCodeAt(0) === 35) continue;
    const header = matchEventHeader(line);
    if (header !== undefined) {
      finish();
      const name = matchEventName(line);
      if (name !== undefined) {
        if (eventFilter === undefined) eventFilter = name.event;
        else if (name.event !== eventFilter) {
          skippedOtherEvents++;
          skipping = true;
          continue;
        }
      }
      skipping = false;
      const hasSecond = header.second !== undefined && header.second !== '0';
      const time = TIMESTAMP.exec(line);
      current = {
        comm: header.comm.trimEnd(),
        pid: hasSecond ? Number(header.first) : undefined,
        tid: Number(hasSecond ? header.second : header.first),
        time: time ? Number(time[1]) : undefined,
        event: name?.event,
        frames: [],
        line: lineNo,
      };
      continue;
    }
    const frameLine = matchFrameLine(line);
    if (frameLine === undefined) {
      if (line.trim() === '') {
        // A whitespace-only line ends a sample for perf's readers too.
        finish();
        skipping = false;
        continue;
      }
      unrecognized++;
      if (firstUnrecognizedLine === 0) firstUnrecognizedLine = lineNo;
      continue;
    }
    if (skipping || current === undefined) continue;
    const frame = frameFromLine(frameLine, current.comm === 'java');
    if (frame !== undefined) current.frames.push(frame);
  }
  finish();
  if (unrecognized > 0)
    warn(`${unrecognized} unrecognized lines skipped (first at line ${firstUnrecognizedLine})`);
  if (skippedOtherEvents > 0) {
    warn(`kept only events of type '${eventFilter}'; skipped ${skippedOtherEvents} samples of other events`);
  }
  return { unrecognized, firstUnrecognizedLine, skippedOtherEvents };
}

/** importFromPerfScript builds one Profile with a `comm`/`pid`/`tid`-labelled sample per event. */
export function importFromPerfScript(bytes: Uint8Array, options: ImportOptions): Profile {
  const text = decodeText(bytes);
  const builder = new ProfileBuilder([{ type: 'samples', unit: 'count' }]);
  const frameLocations = new Map<string, number>();
  let firstTime = Number.POSITIVE_INFINITY;
  let lastTime = Number.NEGATIVE_INFINITY;
  const locationOf = (frame: PerfScriptFrame): number => {
    const key = `${frame.names.join('\u0000')}\u0001${frame.module}`;
    let id = frameLocations.get(key);
    if (id === undefined) {
      const specs: FrameSpec[] = frame.names.map((name) => ({ name, file: frame.module }));
      id = specs.length === 1 ? builder.locationId(specs[0]) : builder.inlinedLocationId(specs);
      frameLocations.set(key, id);
    }
    return id;
  };
  const stats = parsePerfScriptEvents(
    text,
    (event) => {
      const labels: Label[] = [{ key: 'comm', str: event.comm }];
      if (event.pid !== undefined) labels.push({ key: 'pid', num: event.pid });
      labels.push({ key: 'tid', num: event.tid });
      builder.addSample(event.frames.map(locationOf), [1], labels);
      if (event.time !== undefined) {
        firstTime = Math.min(firstTime, event.time);
        lastTime = Math.max(lastTime, event.time);
      }
    },
    options.warn,
  );
  const profile = builder.build();
  if (profile.samples.length === 0) {
    const where =
      stats.firstUnrecognizedLine > 0 ? `${options.source}:${stats.firstUnrecognizedLine}` : options.source;
    throw new FormatError(FORMAT, 'perf script output without any usable sample', where);
  }
  if (lastTime >= firstTime) profile.durationNanos = Math.round((lastTime - firstTime) * 1e9);
  return profile;
}

/** perfScriptImporter reads `perf script` text. */
export const perfScriptImporter: FormatImporter = {
  name: FORMAT,
  sniff: sniffPerfScript,
  importProfiles: (bytes, options) => [importFromPerfScript(bytes, options)],
};
