import { ProfileBuilder } from '../../model/builder.js';
import type { Label, Profile, Sample, ValueType } from '../../model/profile.js';
import type { JfrChunk } from './chunk.js';
import type { LabelsSnapshot } from './labels.js';
import type { JfrClass } from './metadata.js';
import type { JfrKey } from './reader.js';
import { mergeGeneratedName } from './symbols.js';
import type { JfrValue } from './values.js';

/** JfrProfileOptions tune how events become profiles; defaults suit a standalone .jfr file. */
export interface JfrProfileOptions {
  /**
   * sampleRate (Hz) sets the weight of one CPU or wall sample: 1e9 / sampleRate nanoseconds.
   * Pyroscope passes the agent's rate; 100 (10 ms, async-profiler's default interval) otherwise.
   */
  sampleRate?: number;
  /** startNanos/endNanos override the profile time range (default: from the chunk headers). */
  startNanos?: number;
  endNanos?: number;
  /** labels resolves contextId/span fields into sample labels (Pyroscope agent companion). */
  labels?: LabelsSnapshot;
  /** truncatedFrame adds a "[truncated]" root frame to stacks the recorder cut short. */
  truncatedFrame?: boolean;
  /** threadLabels adds a `thread_name` label per sample (default true). */
  threadLabels?: boolean;
  /**
   * ticksToNanos converts lock and park `duration`s from JFR ticks to nanoseconds. Off by
   * default because jfr-parser (hence Pyroscope) reports the raw tick count as "delay
   * nanoseconds"; the two agree only when the chunk's ticksPerSecond is 1e9.
   */
  ticksToNanos?: boolean;
}

/** SampleKind is one output profile: its metric name, sample types and period type. */
interface SampleKind {
  metric: string;
  sampleTypes: ValueType[];
  periodType: ValueType;
  /** timed: values are sample counts weighted by the sampling period (cpu, wall). */
  timed: boolean;
}

const kind = (metric: string, types: string[], period: [string, string], timed = false): SampleKind => ({
  metric,
  sampleTypes: types.map((t) => {
    const [type, unit] = t.split('/');
    return { type, unit };
  }),
  periodType: { type: period[0], unit: period[1] },
  timed,
});

/** SAMPLE_KINDS names every profile the importer can produce, as jfr-parser names them. */
export const SAMPLE_KINDS = {
  cpu: kind('process_cpu', ['cpu/nanoseconds'], ['cpu', 'nanoseconds'], true),
  wall: kind('wall', ['wall/nanoseconds'], ['wall', 'nanoseconds'], true),
  inTlab: kind(
    'memory',
    ['alloc_in_new_tlab_objects/count', 'alloc_in_new_tlab_bytes/bytes'],
    ['space', 'bytes'],
  ),
  outTlab: kind(
    'memory',
    ['alloc_outside_tlab_objects/count', 'alloc_outside_tlab_bytes/bytes'],
    ['space', 'bytes'],
  ),
  lock: kind('mutex', ['contentions/count', 'delay/nanoseconds'], ['mutex', 'count']),
  threadPark: kind('block', ['contentions/count', 'delay/nanoseconds'], ['block', 'count']),
  liveObject: kind('memory', ['live/count'], ['objects', 'count']),
  allocSample: kind('memory', ['alloc_sample_objects/count', 'alloc_sample_bytes/bytes'], ['space', 'bytes']),
  malloc: kind('memory', ['malloc_objects/count', 'malloc_bytes/bytes'], ['space', 'bytes']),
} as const;

type KindName = keyof typeof SAMPLE_KINDS;

/** WeightedEvent says which profile an event feeds and which field (if any) is its amount. */
interface WeightedEvent {
  kind: KindName;
  amount?: string;
  /** withContext: jfr-parser reads contextId/span fields of this event for labels. */
  withContext: boolean;
}

/** WEIGHTED_EVENTS are the events that add [count, amount] (or [count]) to one profile. */
const WEIGHTED_EVENTS: Record<string, WeightedEvent> = {
  'jdk.ObjectAllocationInNewTLAB': { kind: 'inTlab', amount: 'tlabSize', withContext: true },
  'jdk.ObjectAllocationOutsideTLAB': { kind: 'outTlab', amount: 'allocationSize', withContext: true },
  'jdk.ObjectAllocationSample': { kind: 'allocSample', amount: 'weight', withContext: false },
  'jdk.JavaMonitorEnter': { kind: 'lock', amount: 'duration', withContext: true },
  'jdk.ThreadPark': { kind: 'threadPark', amount: 'duration', withContext: false },
  'profiler.LiveObject': { kind: 'liveObject', withContext: false },
  'profiler.Malloc': { kind: 'malloc', amount: 'size', withContext: false },
};

/** Correlation is what, besides the stack, tells samples apart (as in jfr-parser). */
interface Correlation {
  contextId: number;
  spanId: number;
  spanName: number;
  thread: string;
}

const NO_CORRELATION: Correlation = { contextId: 0, spanId: 0, spanName: 0, thread: '' };

/** KindState is one profile under construction plus the caches that make its ids stable. */
interface KindState {
  kind: SampleKind;
  builder: ProfileBuilder;
  /** location per (method id, line); deliberately not reset between chunks, as in jfr-parser. */
  locations: Map<string, number>;
  /** function name per method id, first chunk wins (JVM method ids are stable across chunks). */
  functionNames: Map<JfrKey, string>;
  samples: Map<string, Sample>;
  truncatedLocation: number;
}

/**
 * JfrProfileSet turns decoded JFR events into one Profile per sample kind, following
 * grafana/jfr-parser's pprof conversion so output matches what Pyroscope ingests: frame names
 * are `class.method` with '/'-separated class names, samples are merged per stack-trace id,
 * CPU and wall samples weigh one sampling period, lock and park delays are the raw `duration`
 * (JFR ticks, see `ticksToNanos`).
 */
export class JfrProfileSet {
  private readonly states = new Map<KindName, KindState>();
  private readonly period: number;
  /**
   * lastWeight is the count each event adds. jfr-parser keeps one values array across events, so
   * after a wall-clock batch its `samples` count stays in the first slot and weighs every later
   * event too; reproduced so totals match what Pyroscope shows for the same file.
   */
  private lastWeight = 1;
  /** event is async-profiler's "event" setting ("cpu", "wall", "itimer", ...). */
  private event = '';
  private chunk: JfrChunk | undefined;
  private firstStart = Number.POSITIVE_INFINITY;
  private lastEnd = 0;

  constructor(private readonly options: JfrProfileOptions = {}) {
    const rate = options.sampleRate ?? 100;
    this.period = rate > 0 ? Math.trunc(1e9 / rate) : 0;
  }

  /** enterChunk makes `chunk`'s constant pools the ones stack traces resolve against. */
  enterChunk(chunk: JfrChunk): void {
    this.chunk = chunk;
    this.firstStart = Math.min(this.firstStart, chunk.header.startNanos);
    this.lastEnd = Math.max(this.lastEnd, chunk.header.startNanos + chunk.header.durationNanos);
  }

  /** onEvent decodes and records one event if it is a kind that becomes a profile. */
  onEvent(cls: JfrClass, chunk: JfrChunk): void {
    switch (cls.name) {
      case 'jdk.ExecutionSample': {
        const e = this.decode(cls, chunk);
        const state = constString(this.constant(chunk, 'jdk.types.ThreadState', e.ref('state')), 'name');
        const corr = this.correlation(e, true);
        if (state !== null && state !== 'STATE_SLEEPING')
          this.add('cpu', corr, e.ref('stackTrace'), [this.lastWeight]);
        if (this.event === 'wall') this.add('wall', corr, e.ref('stackTrace'), [this.lastWeight]);
        return;
      }
      case 'profiler.WallClockSample': {
        const e = this.decode(cls, chunk);
        this.lastWeight = e.num('samples');
        const corr = this.correlation(e, true);
        // In wall mode async-profiler records runnable threads only here, so they double as CPU.
        const state = constString(this.constant(chunk, 'jdk.types.ThreadState', e.ref('state')), 'name');
        if (state === 'STATE_RUNNABLE' && this.event === 'wall') {
          this.add('cpu', corr, e.ref('stackTrace'), [this.lastWeight]);
        }
        this.add('wall', corr, e.ref('stackTrace'), [this.lastWeight]);
        return;
      }
      case 'jdk.ActiveSetting': {
        const e = this.decode(cls, chunk);
        if (e.str('name') === 'event') this.event = e.str('value') ?? '';
        return;
      }
      default: {
        const rule = WEIGHTED_EVENTS[cls.name];
        if (!rule) return;
        const e = this.decode(cls, chunk);
        const values = [this.lastWeight];
        if (rule.amount) values.push(this.amount(e, rule.amount, chunk));
        this.add(rule.kind, this.correlation(e, rule.withContext), e.ref('stackTrace'), values);
        return;
      }
    }
  }

  /** build returns the profiles, ordered by `metric_sampletypes` as jfr-parser's goldens are. */
  build(): Profile[] {
    const start = this.options.startNanos ?? (Number.isFinite(this.firstStart) ? this.firstStart : 0);
    const end = this.options.endNanos ?? Math.max(start, this.lastEnd);
    const out: Array<[string, Profile]> = [];
    for (const state of this.states.values()) {
      const p = state.builder.build();
      p.name = state.kind.metric;
      p.periodType = { ...state.kind.periodType };
      p.period = state.kind.timed ? this.period : 0;
      p.timeNanos = start;
      p.durationNanos = end - start;
      out.push([profileSortKey(p), p]);
    }
    out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return out.map(([, p]) => p);
  }

  /** amount reads an event's size or delay; durations are JFR ticks unless ticksToNanos is set. */
  private amount(e: DecodedEvent, field: string, chunk: JfrChunk): number {
    const v = e.num(field);
    const tps = chunk.header.ticksPerSecond;
    return field === 'duration' && this.options.ticksToNanos && tps > 0 ? Math.round((v * 1e9) / tps) : v;
  }

  private decode(cls: JfrClass, chunk: JfrChunk): DecodedEvent {
    return new DecodedEvent(cls, chunk.decoder.readObject(cls) as JfrValue[]);
  }

  private correlation(e: DecodedEvent, withContext: boolean): Correlation {
    const thread =
      this.options.threadLabels === false
        ? ''
        : this.threadName(e.ref('sampledThread') ?? e.ref('eventThread'));
    if (!withContext) return thread ? { ...NO_CORRELATION, thread } : NO_CORRELATION;
    return { contextId: e.num('contextId'), spanId: e.num('spanId'), spanName: e.num('spanName'), thread };
  }

  private threadName(ref: JfrKey | null): string {
    const t = this.constant(this.chunk, 'java.lang.Thread', ref);
    return constString(t, 'javaName') || constString(t, 'osName') || '';
  }

  private state(name: KindName): KindState {
    let s = this.states.get(name);
    if (!s) {
      const k = SAMPLE_KINDS[name];
      s = {
        kind: k,
        builder: new ProfileBuilder(k.sampleTypes),
        locations: new Map(),
        functionNames: new Map(),
        samples: new Map(),
        truncatedLocation: 0,
      };
      this.states.set(name, s);
    }
    return s;
  }

  private add(name: KindName, corr: Correlation, stackRef: JfrKey | null, raw: number[]): void {
    // jfr-parser creates the profile before looking the stack up, so a kind whose stacks are all
    // missing still yields an (empty) profile; keep that so profile counts match.
    const s = this.state(name);
    const chunk = this.chunk;
    const trace = chunk && stackRef !== null ? this.constant(chunk, 'jdk.types.StackTrace', stackRef) : null;
    if (!trace || !chunk) return;
    const values = raw.map((v) => (s.kind.timed ? v * this.period : v));
    const key = `${String(stackRef)}|${corr.contextId}|${corr.spanId}|${corr.spanName}|${corr.thread}`;
    const existing = s.samples.get(key);
    if (existing) {
      for (let i = 0; i < values.length; i++) existing.values[i] += values[i];
      return;
    }
    const locationIds = this.locationsOf(s, chunk, trace);
    s.builder.addSample(locationIds, values, this.labelsOf(corr));
    const samples = s.builder.profile.samples;
    s.samples.set(key, samples[samples.length - 1]);
  }

  /** locationsOf resolves a stack trace's frames (leaf first, as JFR writes them). */
  private locationsOf(s: KindState, chunk: JfrChunk, trace: Constant): number[] {
    const frameCls = chunk.types.byName.get('jdk.types.StackFrame');
    const frames = constField(trace, 'frames');
    const ids: number[] = [];
    if (Array.isArray(frames) && frameCls) {
      for (const frame of frames) {
        if (!Array.isArray(frame)) continue;
        const methodRef = asKey(fieldOf(frameCls, frame, 'method'));
        const line = asNumber(fieldOf(frameCls, frame, 'lineNumber'));
        if (methodRef === null) continue;
        const locKey = `${String(methodRef)}:${line}`;
        let loc = s.locations.get(locKey);
        if (loc === undefined) {
          const name = s.functionNames.get(methodRef) ?? this.methodName(chunk, methodRef);
          // jfr-parser drops frames whose method or class it cannot resolve.
          if (name === null) continue;
          s.functionNames.set(methodRef, name);
          loc = s.builder.locationId({ name, line });
          s.locations.set(locKey, loc);
        }
        ids.push(loc);
      }
    }
    if (this.options.truncatedFrame && constField(trace, 'truncated') === true) {
      if (!s.truncatedLocation) s.truncatedLocation = s.builder.locationId({ name: '[truncated]', line: 0 });
      ids.push(s.truncatedLocation);
    }
    return ids;
  }

  private methodName(chunk: JfrChunk, methodRef: JfrKey): string | null {
    const method = this.constant(chunk, 'jdk.types.Method', methodRef);
    const cls = this.constant(chunk, 'java.lang.Class', asKey(constField(method, 'type')));
    if (!method || !cls) return null;
    const className = this.symbol(chunk, asKey(constField(cls, 'name')));
    const methodName = this.symbol(chunk, asKey(constField(method, 'name')));
    return `${className}.${methodName}`;
  }

  private symbol(chunk: JfrChunk, ref: JfrKey | null): string {
    const sym = this.constant(chunk, 'jdk.types.Symbol', ref);
    const s = constString(sym, 'string');
    return s === null ? '' : mergeGeneratedName(s);
  }

  private labelsOf(corr: Correlation): Label[] | undefined {
    const labels: Label[] = [];
    const snap = this.options.labels;
    if (snap) {
      const ctx = snap.contexts.get(corr.contextId);
      if (ctx) {
        for (const [k, v] of ctx)
          labels.push({ key: snap.strings.get(k) ?? '', str: snap.strings.get(v) ?? '' });
      }
      if (corr.spanId !== 0) labels.push({ key: 'profile_id', str: hex16(corr.spanId) });
      const spanName = corr.spanName !== 0 ? snap.strings.get(corr.spanName) : undefined;
      if (spanName) labels.push({ key: 'span_name', str: spanName });
    }
    // The agent's snapshot may already carry a thread_name; its value wins over the JFR one.
    if (corr.thread && !labels.some((l) => l.key === 'thread_name'))
      labels.push({ key: 'thread_name', str: corr.thread });
    return labels.length > 0 ? labels : undefined;
  }

  private constant(chunk: JfrChunk | undefined, typeName: string, ref: JfrKey | null): Constant | null {
    if (!chunk || ref === null) return null;
    const cls = chunk.types.byName.get(typeName);
    const v = cls ? chunk.pools.get(cls.id)?.get(ref) : undefined;
    return cls && Array.isArray(v) ? { cls, values: v } : null;
  }
}

/** Constant is one constant-pool entry with the class that names its fields. */
interface Constant {
  cls: JfrClass;
  values: JfrValue[];
}

function constField(c: Constant | null, field: string): JfrValue | undefined {
  return c ? fieldOf(c.cls, c.values, field) : undefined;
}

function constString(c: Constant | null, field: string): string | null {
  const v = constField(c, field);
  return typeof v === 'string' ? v : null;
}

/** DecodedEvent gives named access to one decoded event payload. */
class DecodedEvent {
  constructor(
    readonly cls: JfrClass,
    readonly values: JfrValue[],
  ) {}

  ref(field: string): JfrKey | null {
    return asKey(fieldOf(this.cls, this.values, field));
  }

  num(field: string): number {
    return asNumber(fieldOf(this.cls, this.values, field));
  }

  str(field: string): string | null {
    const v = fieldOf(this.cls, this.values, field);
    return typeof v === 'string' ? v : null;
  }
}

function fieldOf(cls: JfrClass | undefined, obj: JfrValue[], field: string): JfrValue | undefined {
  const i = cls?.fieldIndex.get(field);
  return i === undefined ? undefined : obj[i];
}

function asKey(v: JfrValue | undefined): JfrKey | null {
  return typeof v === 'number' || typeof v === 'bigint' ? v : null;
}

function asNumber(v: JfrValue | undefined): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(BigInt.asIntN(64, v));
  if (typeof v === 'boolean') return v ? 1 : 0;
  return 0;
}

function hex16(n: number): string {
  return BigInt.asUintN(64, BigInt(Math.trunc(n)))
    .toString(16)
    .padStart(16, '0');
}

/** profileSortKey is jfr-parser's profile name: `<metric>_<type>__<unit> <type>__<unit>...`. */
export function profileSortKey(p: Profile): string {
  return `${p.name ?? ''}_${p.sampleTypes.map((t) => `${t.type}__${t.unit}`).join(' ')}`;
}
