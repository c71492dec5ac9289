import { basename } from 'node:path';
import type { Profile, Sample } from '../../src/model/profile.js';
import { defaultSampleTypeIndex } from '../../src/model/profile.js';

/**
 * Renders a Profile the way speedscope's test helper `dumpProfile` shows a profile that
 * speedscope imported from the same file, so conformance tests can compare with speedscope's
 * Jest snapshots. The model stays truthful; speedscope's display conventions live here:
 * - `chrome-cpu`: `(root)` and `(idle)` are not frames (idle time is the empty stack);
 *   `(program)` and `(garbage collector)` sit on top of the previous sample's stack; unnamed
 *   functions read `(anonymous file.js:LINE)`.
 * - `v8-heap`: every stack starts with `(root)`; lines and columns are 0-based as V8 wrote them.
 * - `plain`: names as they are.
 */

/** DumpFlavour picks which speedscope importer's display conventions to mimic. */
export type DumpFlavour = 'chrome-cpu' | 'v8-heap' | 'plain';

/** DumpedFrame is a frame in speedscope's conventions (0 = unknown line or column for chrome). */
export interface DumpedFrame {
  name: string;
  file: string;
  line: number;
  col: number;
}

/** SpeedscopeDump is the comparison view of one profile. */
export interface SpeedscopeDump {
  /** stacks in time order, consecutive repeats merged: "a;b;c <formatted weight>". */
  stacks: string[];
  /** totals maps each stack string to its weight, in display base units (seconds, bytes, raw). */
  totals: Map<string, number>;
  /** frames that carry weight, keyed by `name:file:line:col`. */
  frames: Map<string, DumpedFrame>;
  /** unit is speedscope's unit for the profile ('microseconds', 'bytes', 'none', ...). */
  unit: string;
}

const TIME_MULTIPLIER: Record<string, number> = {
  nanoseconds: 1e-9,
  microseconds: 1e-6,
  milliseconds: 1e-3,
  seconds: 1,
};

/** dumpForSpeedscope renders `profile` (its default sample type) in `flavour`. */
export function dumpForSpeedscope(profile: Profile, flavour: DumpFlavour): SpeedscopeDump {
  const typeIndex = defaultSampleTypeIndex(profile);
  const unit = profile.sampleTypes[typeIndex]?.unit ?? 'none';
  const dump: SpeedscopeDump = {
    stacks: [],
    totals: new Map(),
    frames: new Map(),
    unit: flavour === 'chrome-cpu' ? 'microseconds' : speedscopeUnit(unit),
  };
  const toBase = baseUnitScale(unit);
  let previous: DumpedFrame[] = [];
  let lastStack: string | undefined;
  let lastValue = 0;
  for (const sample of profile.samples) {
    let frames = framesRootFirst(profile, sample, flavour);
    if (flavour === 'chrome-cpu') {
      frames = placeLikeSpeedscope(frames, previous);
      previous = frames;
    }
    const value = (sample.values[typeIndex] ?? 0) * toBase;
    if (value === 0) continue;
    const stack = frames.map((f) => f.name).join(';');
    dump.totals.set(stack, (dump.totals.get(stack) ?? 0) + value);
    for (const f of frames) dump.frames.set(`${f.name}:${f.file}:${f.line}:${f.col}`, f);
    if (stack === lastStack) {
      lastValue += value;
      dump.stacks[dump.stacks.length - 1] = `${stack} ${formatBase(lastValue, dump.unit)}`;
    } else {
      lastStack = stack;
      lastValue = value;
      dump.stacks.push(`${stack} ${formatBase(value, dump.unit)}`);
    }
  }
  return dump;
}

/** speedscopeUnit maps a model unit to speedscope's closest ValueUnit. */
export function speedscopeUnit(unit: string): string {
  return unit in TIME_MULTIPLIER || unit === 'bytes' ? unit : 'none';
}

/** baseUnitScale converts a model value to display base units: seconds for time, else 1. */
function baseUnitScale(unit: string): number {
  return TIME_MULTIPLIER[unit] ?? 1;
}

function framesRootFirst(profile: Profile, sample: Sample, flavour: DumpFlavour): DumpedFrame[] {
  const frames: DumpedFrame[] =
    flavour === 'v8-heap' ? [{ name: '(root)', file: '', line: -1, col: -1 }] : [];
  for (let i = sample.locationIds.length - 1; i >= 0; i--) {
    const loc = profile.locations[sample.locationIds[i] - 1];
    for (let j = loc.lines.length - 1; j >= 0; j--) {
      const fn = profile.functions[loc.lines[j].functionId - 1];
      // The heap importer keeps V8's 0-based positions (unknown = -1); the CPU one adds 1.
      const shift = flavour === 'v8-heap' ? 1 : 0;
      const line = loc.lines[j].line - shift;
      const col = (loc.lines[j].column ?? 0) - shift;
      let name = fn.name;
      if (flavour !== 'plain' && fn.systemName === '' && fn.name === '(anonymous)' && fn.filename) {
        name = `(anonymous ${fn.filename.split('/').pop()}:${line})`;
      }
      frames.push({ name, file: fn.filename, line, col });
    }
  }
  return frames;
}

/**
 * placeLikeSpeedscope applies speedscope's Chrome conventions: a stack stops below `(idle)` and
 * `native dummy.js` frames (V8 internals speedscope ignores, with all their callers), and
 * `(program)` / `(garbage collector)` sit on top of the previous sample's stack, or cut it back
 * to themselves when they are already in it.
 */
function placeLikeSpeedscope(frames: DumpedFrame[], previous: DumpedFrame[]): DumpedFrame[] {
  let cut = -1;
  for (let i = frames.length - 1; i >= 0; i--) {
    if (frames[i].name === '(idle)' || frames[i].file === 'native dummy.js') {
      cut = i;
      break;
    }
  }
  if (cut >= 0) frames = frames.slice(cut + 1);
  if (frames.length === 1 && (frames[0].name === '(program)' || frames[0].name === '(garbage collector)')) {
    const same = previous.map(frameKey).lastIndexOf(frameKey(frames[0]));
    return same >= 0 ? previous.slice(0, same + 1) : [...previous, frames[0]];
  }
  return frames;
}

function frameKey(f: DumpedFrame): string {
  return `${f.name}:${f.file}:${f.line}:${f.col}`;
}

/** formatBase formats a base-unit value as speedscope's value formatters would. */
export function formatBase(value: number, unit: string): string {
  if (unit in TIME_MULTIPLIER) {
    const s = Math.abs(value);
    const sign = value < 0 ? '-' : '';
    if (s >= 60) return `${sign}${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
    if (s >= 1) return `${sign}${s.toFixed(2)}s`;
    if (s >= 1e-3) return `${sign}${(s / 1e-3).toFixed(2)}ms`;
    if (s >= 1e-6) return `${sign}${(s / 1e-6).toFixed(2)}µs`;
    return `${sign}${(s / 1e-9).toFixed(2)}ns`;
  }
  if (unit === 'bytes') {
    if (value < 1024) return `${value.toFixed(0)} B`;
    for (const [suffix, scale] of [
      ['KB', 1024],
      ['MB', 1024 ** 2],
    ] as const) {
      if (value / scale < 1024) return `${(value / scale).toFixed(2)} ${suffix}`;
    }
    return `${(value / 1024 ** 3).toFixed(2)} GB`;
  }
  return value.toLocaleString('en-US');
}

/** ParsedWeight is a weight read back from speedscope's text, with the rounding it went through. */
export interface ParsedWeight {
  stack: string;
  /** value in display base units (seconds, bytes or raw). */
  value: number;
  /** tolerance: half a unit of the last printed digit (a whole second for m:ss). */
  tolerance: number;
}

const WEIGHT_PATTERN =
  /^(.*) (-?)(?:(\d+):(\d\d)|([\d.]+)(ns|µs|ms|s)|([\d.]+) (B|KB|MB|GB)|([\d,]+(?:\.\d+)?))$/u;
const SCALE: Record<string, number> = {
  ns: 1e-9,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  B: 1,
  KB: 1024,
  MB: 1024 ** 2,
  GB: 1024 ** 3,
};

/** parseSnapshotStack splits a dumpProfile line "a;b <formatted weight>" and parses the weight. */
export function parseSnapshotStack(line: string): ParsedWeight {
  const m = WEIGHT_PATTERN.exec(line);
  if (!m) throw new Error(`cannot parse speedscope stack line ${JSON.stringify(line)}`);
  const sign = m[2] === '-' ? -1 : 1;
  if (m[3] !== undefined)
    return { stack: m[1], value: sign * (Number(m[3]) * 60 + Number(m[4])), tolerance: 1 };
  const [digits, suffix] = m[5] !== undefined ? [m[5], m[6]] : m[7] !== undefined ? [m[7], m[8]] : [m[9], ''];
  const plain = digits.replace(/,/g, '');
  const decimals = plain.includes('.') ? plain.length - plain.indexOf('.') - 1 : 0;
  const scale = suffix ? SCALE[suffix] : 1;
  // Raw values print up to 3 decimals, so an integer-looking raw value is exact to 0.0005.
  const halfUlp = suffix ? 0.5 * 10 ** -decimals : decimals > 0 ? 0.5 * 10 ** -decimals : 0.0005;
  return { stack: m[1], value: sign * Number(plain) * scale, tolerance: halfUlp * scale };
}

/** expectedName is the profile name speedscope shows for a profile imported from `file`. */
export function expectedName(file: string, profile: Profile, flavour: DumpFlavour): string {
  const base = basename(file);
  if (flavour === 'chrome-cpu') return profile.name ? `${base} - ${profile.name}` : base;
  return profile.name || base;
}
