import { InputLimitError } from '../../errors.js';
import { ProfileBuilder } from '../../model/builder.js';
import type { Profile } from '../../model/profile.js';
import { callFrameToFrame } from './call-frame.js';
import type { V8CpuProfileData } from './cpu-profile-data.js';
import type { JsonReader } from './json-document.js';

/** MAX_STACK_FRAMES caps the frames materialised across all samples, so a deep chain sampled
 * many times cannot exhaust memory (the model stores one stack array per sample). */
const MAX_STACK_FRAMES = 50_000_000;

/** CpuBuildOptions say how forgiving to be about references to nodes that are not there. */
export interface CpuBuildOptions {
  /**
   * danglingRefs: 'error' for a self-contained profile document, where an unknown node id
   * means a corrupt file; 'tolerate' for trace chunks, where Chrome drops chunks (their `args`
   * are empty) and later samples and nodes may name nodes that never arrived. Like speedscope,
   * such a sample then continues the previous one, and such a node is taken as a root.
   */
  danglingRefs: 'error' | 'tolerate';
  path: string;
  warn?: (message: string) => void;
}

/**
 * CPU_SAMPLE_TYPES: V8's profiler samples on a wall-clock timer, but it records what the thread
 * was executing, with `(idle)` for the rest, so the time is attributed as CPU time.
 */
export const CPU_SAMPLE_TYPES = [
  { type: 'samples', unit: 'count' },
  { type: 'cpu', unit: 'nanoseconds' },
];

/**
 * buildCpuProfile turns V8 CPU profile data into a Profile. Consecutive samples of the same
 * node become one model sample (count = samples merged) in time order. A sample is weighted
 * by the time until the next sample, as speedscope and DevTools do, so the last sample weighs
 * nothing; time runs monotonically (V8 occasionally emits a negative delta; see `now`).
 * The synthetic `(root)` frame is dropped; `(program)`, `(idle)` and `(garbage collector)` stay.
 */
export function buildCpuProfile(
  data: V8CpuProfileData,
  reader: JsonReader,
  options: CpuBuildOptions,
): Profile {
  const { nodes, samples, timeDeltas } = data;
  if (timeDeltas.length < samples.length) {
    reader.fail(
      `${samples.length} samples but only ${timeDeltas.length} timeDeltas`,
      options.path || 'timeDeltas',
    );
  }
  const indexById = new Map<number, number>();
  for (let i = 0; i < nodes.length; i++) {
    if (indexById.has(nodes[i].id)) reader.fail(`duplicate node id ${nodes[i].id}`, `${nodes[i].path}.id`);
    indexById.set(nodes[i].id, i);
  }
  const parent = parentIndexes(data, indexById, reader, options);
  const builder = new ProfileBuilder(CPU_SAMPLE_TYPES);
  builder.profile.defaultSampleType = 'cpu';
  const stacks = new StackCache(data, parent, builder, reader);

  let negative = 0;
  let dangling = 0;
  let elapsed = 0;
  // `now` is the clock read where the sampled node id changes, never going back: V8 emits the
  // odd negative delta, and clamping only at changes reproduces speedscope's weights exactly.
  let now = 0;
  let lastId = Number.NaN;
  let runNode = -1;
  let runStart = 0;
  let runCount = 0;
  const positiveDeltas: number[] = [];
  const flush = (end: number) => {
    if (runNode < 0) return;
    const stack = stacks.leafFirst(runNode);
    if (stack.length > 0) builder.addSample(stack.slice(), [runCount, Math.round((end - runStart) * 1000)]);
  };
  for (let i = 0; i < samples.length; i++) {
    const delta = timeDeltas[i];
    if (delta < 0) negative++;
    else if (i > 0 && delta > 0) positiveDeltas.push(delta);
    elapsed += delta;
    if (samples[i] !== lastId && (i === 0 || elapsed > now)) now = elapsed;
    lastId = samples[i];
    let node = indexById.get(samples[i]);
    if (node === undefined) {
      if (options.danglingRefs === 'error')
        reader.fail(`sample names unknown node id ${samples[i]}`, `samples[${i}]`);
      dangling++;
      if (runNode < 0) continue;
      node = runNode;
    }
    if (node !== runNode) {
      flush(now);
      runNode = node;
      runStart = now;
      runCount = 0;
    }
    runCount++;
  }
  if (elapsed > now) now = elapsed;
  flush(now);

  if (negative > 0) options.warn?.(`${reader.source}: ${negative} negative time deltas clamped to zero`);
  if (dangling > 0)
    options.warn?.(
      `${reader.source}: ${dangling} samples name nodes that are absent; merged into the previous sample`,
    );
  const profile = builder.build();
  profile.periodType = { type: 'cpu', unit: 'nanoseconds' };
  profile.period = Math.round(median(positiveDeltas) * 1000);
  const span = data.endTime > data.startTime ? data.endTime - data.startTime : now;
  profile.durationNanos = Math.round(span * 1000);
  return profile;
}

/** parentIndexes resolves `parent` and `children` links to node indexes (-1 = no parent). */
function parentIndexes(
  data: V8CpuProfileData,
  indexById: Map<number, number>,
  reader: JsonReader,
  options: CpuBuildOptions,
): Int32Array {
  const parent = new Int32Array(data.nodes.length).fill(-1);
  let dangling = 0;
  const resolve = (id: number, what: string, path: string): number => {
    const index = indexById.get(id);
    if (index !== undefined) return index;
    if (options.danglingRefs === 'error') reader.fail(`${what} ${id} is not a node`, path);
    dangling++;
    return -1;
  };
  data.nodes.forEach((node, i) => {
    if (node.parent !== undefined) parent[i] = resolve(node.parent, 'parent', `${node.path}.parent`);
  });
  data.nodes.forEach((node, i) => {
    const children = node.children ?? [];
    for (let c = 0; c < children.length; c++) {
      const child = resolve(children[c], 'child', `${node.path}.children[${c}]`);
      if (child >= 0) parent[child] = i;
    }
  });
  if (dangling > 0) options.warn?.(`${reader.source}: ${dangling} links name absent nodes; taken as roots`);
  return parent;
}

/** StackCache materialises each sampled node's stack once, detecting cycles in parent links. */
class StackCache {
  private readonly cache = new Map<number, number[]>();
  /** locations holds each node's location id (0 = not interned yet): interning builds strings. */
  private readonly locations: Int32Array;
  private frames = 0;

  constructor(
    private readonly data: V8CpuProfileData,
    private readonly parent: Int32Array,
    private readonly builder: ProfileBuilder,
    private readonly reader: JsonReader,
  ) {
    this.locations = new Int32Array(parent.length);
  }

  /** leafFirst returns the location ids from `node` up to (not including) `(root)`. */
  leafFirst(node: number): number[] {
    const cached = this.cache.get(node);
    if (cached) return cached;
    const stack: number[] = [];
    // A walk longer than the node count must have revisited a node: the links form a cycle.
    for (let n = node, steps = 0; n >= 0; n = this.parent[n], steps++) {
      if (steps > this.parent.length) {
        this.reader.fail('parent links form a cycle', this.data.nodes[node].path);
      }
      const { callFrame } = this.data.nodes[n];
      if (this.parent[n] < 0 && callFrame.functionName === '(root)') break;
      if (this.locations[n] === 0) this.locations[n] = this.builder.locationId(callFrameToFrame(callFrame));
      stack.push(this.locations[n]);
    }
    this.frames += stack.length;
    if (this.frames > MAX_STACK_FRAMES) {
      throw new InputLimitError(
        `${this.reader.source}: more than ${MAX_STACK_FRAMES} stack frames in distinct stacks`,
      );
    }
    this.cache.set(node, stack);
    return stack;
  }
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  return sorted[sorted.length >> 1];
}
