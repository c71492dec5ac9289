import { InputLimitError } from '../../errors.js';
import { ProfileBuilder } from '../../model/builder.js';
import type { Profile, ValueType } from '../../model/profile.js';
import type { JsonObject, JsonReader } from '../chrome/json-document.js';

/** MAX_STACK_FRAMES caps the frames materialised over all samples of one file. */
const MAX_STACK_FRAMES = 50_000_000;

const TIME_UNITS = new Set(['nanoseconds', 'microseconds', 'milliseconds', 'seconds']);

/**
 * sampleTypeForUnit names the model sample type of a speedscope unit. speedscope does not say
 * what a time measures (CPU or wall), so time is 'time'; bytes are 'space'; 'none' (and any
 * unit speedscope does not know) are plain sample counts.
 */
export function sampleTypeForUnit(unit: string): ValueType {
  if (TIME_UNITS.has(unit)) return { type: 'time', unit };
  if (unit === 'bytes') return { type: 'space', unit: 'bytes' };
  return { type: 'samples', unit: 'count' };
}

/** FrameTable is `shared.frames`, checked to be objects; fields are checked on first use. */
interface FrameTable {
  frames: JsonObject[];
  path: string;
}

/**
 * importSpeedscopeDocument turns a parsed speedscope file into one Profile per speedscope
 * profile, named as in the file. Sampled profiles keep their samples in order; an evented
 * profile becomes one sample per interval between events, weighted by the interval and
 * stacked as the frames open during it (self time), so time order is kept too.
 */
export function importSpeedscopeDocument(reader: JsonReader, doc: JsonObject): Profile[] {
  const shared = reader.object(doc.shared, 'shared');
  const rawFrames = reader.array(shared.frames, 'shared.frames');
  const table: FrameTable = {
    frames: rawFrames.map((f, i) => reader.object(f, `shared.frames[${i}]`)),
    path: 'shared.frames',
  };
  const budget = { frames: 0 };
  return reader.array(doc.profiles, 'profiles').map((raw, i) => {
    const path = `profiles[${i}]`;
    const p = reader.object(raw, path);
    const unit = reader.optionalString(p.unit, `${path}.unit`, 'none');
    const builder = new ProfileBuilder([sampleTypeForUnit(unit)]);
    const locations = new FrameLocations(reader, table, builder);
    if (p.type === 'sampled') importSampled(reader, p, path, locations, builder, budget);
    else if (p.type === 'evented') importEvented(reader, p, path, locations, builder, budget);
    else reader.fail(`unknown profile type ${JSON.stringify(p.type)}`, `${path}.type`);
    const profile = builder.build();
    const name = reader.optionalString(p.name, `${path}.name`);
    if (name) profile.name = name;
    const start = reader.optionalFinite(p.startValue, `${path}.startValue`, 0);
    const end = reader.optionalFinite(p.endValue, `${path}.endValue`, start);
    if (TIME_UNITS.has(unit) && end > start) profile.durationNanos = Math.round((end - start) * NANOS[unit]);
    return profile;
  });
}

const NANOS: Record<string, number> = { nanoseconds: 1, microseconds: 1e3, milliseconds: 1e6, seconds: 1e9 };

/** FrameLocations interns speedscope frames as model locations on first use. */
class FrameLocations {
  /** ids holds the location of each frame index; 0 = not interned yet. */
  private readonly ids: number[];

  constructor(
    private readonly reader: JsonReader,
    private readonly table: FrameTable,
    private readonly builder: ProfileBuilder,
  ) {
    this.ids = new Array<number>(table.frames.length).fill(0);
  }

  /** id returns the location of frame `index`, failing at `path` for a bad index. */
  id(index: unknown, path: string): number {
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= this.ids.length) {
      this.reader.fail(`frame index ${JSON.stringify(index)} is not in shared.frames`, path);
    }
    if (this.ids[index] === 0) {
      const r: JsonReader = this.reader;
      const p = `${this.table.path}[${index}]`;
      const f = this.table.frames[index];
      const name = f.name;
      if (typeof name !== 'string') r.fail('frame has no name', `${p}.name`);
      const line = r.optionalFinite(f.line, `${p}.line`, 0);
      this.ids[index] = this.builder.locationId({
        name,
        file: r.optionalString(f.file, `${p}.file`),
        line: line > 0 ? Math.trunc(line) : 0,
        column: Math.max(0, Math.trunc(r.optionalFinite(f.col, `${p}.col`, 0))),
        startLine: line > 0 ? Math.trunc(line) : 0,
      });
    }
    return this.ids[index];
  }

  /** name is a frame's name for messages. */
  name(index: number | undefined): string {
    const name = index === undefined ? undefined : this.table.frames[index]?.name;
    return name === undefined ? 'nothing' : JSON.stringify(String(name));
  }
}

function spend(reader: JsonReader, budget: { frames: number }, n: number) {
  budget.frames += n;
  if (budget.frames > MAX_STACK_FRAMES) {
    throw new InputLimitError(`${reader.source}: more than ${MAX_STACK_FRAMES} stack frames in samples`);
  }
}

function importSampled(
  reader: JsonReader,
  p: JsonObject,
  path: string,
  locations: FrameLocations,
  builder: ProfileBuilder,
  budget: { frames: number },
) {
  const samples = reader.array(p.samples, `${path}.samples`);
  const weights = reader.numberArray(p.weights, `${path}.weights`);
  if (samples.length !== weights.length) {
    reader.fail(`${samples.length} samples but ${weights.length} weights`, `${path}.weights`);
  }
  for (let i = 0; i < samples.length; i++) {
    const sp = `${path}.samples[${i}]`;
    const rootFirst = reader.array(samples[i], sp);
    spend(reader, budget, rootFirst.length);
    const leafFirst = new Array<number>(rootFirst.length);
    for (let j = 0; j < rootFirst.length; j++) {
      leafFirst[rootFirst.length - 1 - j] = locations.id(rootFirst[j], `${sp}[${j}]`);
    }
    builder.addSample(leafFirst, [weights[i]]);
  }
}

function importEvented(
  reader: JsonReader,
  p: JsonObject,
  path: string,
  locations: FrameLocations,
  builder: ProfileBuilder,
  budget: { frames: number },
) {
  const events = reader.array(p.events, `${path}.events`);
  const openFrames: number[] = []; // frame indexes, root first
  const openLocations: number[] = [];
  let last = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < events.length; i++) {
    const ep = `${path}.events[${i}]`;
    const ev = reader.object(events[i], ep);
    const at = reader.finite(ev.at, `${ep}.at`);
    if (at < last) reader.fail(`event at ${at} comes after an event at ${last}`, `${ep}.at`);
    if (openLocations.length > 0 && at > last) {
      spend(reader, budget, openLocations.length);
      builder.addSample(openLocations.slice().reverse(), [at - last]);
    }
    last = at;
    const frame = ev.frame;
    const location = locations.id(frame, `${ep}.frame`);
    if (ev.type === 'O') {
      openFrames.push(frame as number);
      openLocations.push(location);
    } else if (ev.type === 'C') {
      const top = openFrames[openFrames.length - 1];
      if (top !== frame) {
        const what = `tried to close frame ${locations.name(frame as number)}`;
        reader.fail(`${what} while ${locations.name(top)} was on top`, ep);
      }
      openFrames.pop();
      openLocations.pop();
    } else {
      reader.fail(`unknown event type ${JSON.stringify(ev.type)}`, `${ep}.type`);
    }
  }
  if (openFrames.length > 0)
    reader.fail(`${openFrames.length} frames still open at the end`, `${path}.events`);
}
