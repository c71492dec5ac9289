import type { V8CallFrame } from './call-frame.js';
import { hasCallFrame, readCallFrame } from './call-frame.js';
import type { JsonObject, JsonReader } from './json-document.js';
import { isJsonObject } from './json-document.js';

/**
 * V8CpuNode is one node of a V8 CPU profile's call tree. The inspector's `Profiler.stop` result
 * links nodes by `children`; Chrome trace chunks link them by `parent`; either or both may occur.
 */
export interface V8CpuNode {
  id: number;
  callFrame: V8CallFrame;
  parent?: number;
  children?: number[];
  /** path names the node in the input, for error messages. */
  path: string;
}

/**
 * V8CpuProfileData is a CPU profile in the shape of the inspector's `Profiler.Profile`, whichever
 * file layout it came from. Times are microseconds; `timeDeltas[0]` is relative to `startTime`
 * and `timeDeltas[i]` is the time between sample i-1 and sample i.
 */
export interface V8CpuProfileData {
  nodes: V8CpuNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** isModernCpuProfile: `{nodes, samples, timeDeltas}` as written by Node's --cpu-prof and DevTools. */
export function isModernCpuProfile(doc: unknown): doc is JsonObject {
  return isJsonObject(doc) && 'nodes' in doc && 'samples' in doc && 'timeDeltas' in doc;
}

/** isLegacyCpuProfile: the pre-2016 layout `{head, samples, timestamps}` (Node <= 10's v8-profiler). */
export function isLegacyCpuProfile(doc: unknown): doc is JsonObject {
  return isJsonObject(doc) && 'head' in doc && 'samples' in doc && 'timestamps' in doc;
}

/** readCpuNodes reads a `nodes` array of the modern layout. */
export function readCpuNodes(reader: JsonReader, value: unknown, path: string): V8CpuNode[] {
  const raw = reader.array(value, path);
  const nodes: V8CpuNode[] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const p = `${path}[${i}]`;
    const n = reader.object(raw[i], p);
    const node: V8CpuNode = {
      id: reader.integer(n.id, `${p}.id`),
      callFrame: readCallFrame(reader, n.callFrame, `${p}.callFrame`),
      path: p,
    };
    if (n.parent !== undefined && n.parent !== null) node.parent = reader.integer(n.parent, `${p}.parent`);
    if (n.children !== undefined && n.children !== null) {
      const children = reader.numberArray(n.children, `${p}.children`);
      for (let c = 0; c < children.length; c++) reader.integer(children[c], `${p}.children[${c}]`);
      node.children = children;
    }
    nodes[i] = node;
  }
  return nodes;
}

/** readModernCpuProfile reads `{nodes, samples, timeDeltas, startTime, endTime}`. */
export function readModernCpuProfile(reader: JsonReader, doc: JsonObject, path: string): V8CpuProfileData {
  const prefix = path ? `${path}.` : '';
  return {
    nodes: readCpuNodes(reader, doc.nodes, `${prefix}nodes`),
    samples: reader.numberArray(doc.samples, `${prefix}samples`),
    timeDeltas: reader.numberArray(doc.timeDeltas, `${prefix}timeDeltas`),
    startTime: reader.optionalFinite(doc.startTime, `${prefix}startTime`, 0),
    endTime: reader.optionalFinite(doc.endTime, `${prefix}endTime`, 0),
  };
}

/**
 * readLegacyCpuProfile converts the pre-2016 layout: a nested `head` tree whose nodes carry the
 * call-frame fields inline, `startTime`/`endTime` in seconds and absolute `timestamps` in
 * microseconds. The tree is walked with an explicit stack so deep input cannot overflow ours.
 */
export function readLegacyCpuProfile(reader: JsonReader, doc: JsonObject): V8CpuProfileData {
  const nodes: V8CpuNode[] = [];
  const pending: Array<{ value: unknown; path: string; parent?: number }> = [
    { value: doc.head, path: 'head' },
  ];
  while (pending.length > 0) {
    const { value, path, parent } = pending.pop()!;
    const n = reader.object(value, path);
    const callFrame = hasCallFrame(n)
      ? readCallFrame(reader, n.callFrame, `${path}.callFrame`)
      : readCallFrame(reader, n, path);
    const node: V8CpuNode = { id: reader.integer(n.id, `${path}.id`), callFrame, path };
    if (parent !== undefined) node.parent = parent;
    nodes.push(node);
    if (n.children !== undefined && n.children !== null) {
      const children = reader.array(n.children, `${path}.children`);
      for (let i = children.length - 1; i >= 0; i--) {
        pending.push({ value: children[i], path: `${path}.children[${i}]`, parent: node.id });
      }
    }
  }
  const startTime = reader.optionalFinite(doc.startTime, 'startTime', 0) * 1e6;
  const endTime = reader.optionalFinite(doc.endTime, 'endTime', 0) * 1e6;
  const timestamps = reader.numberArray(doc.timestamps, 'timestamps');
  const timeDeltas = timestamps.map((t, i) => t - (i === 0 ? startTime : timestamps[i - 1]));
  return { nodes, samples: reader.numberArray(doc.samples, 'samples'), timeDeltas, startTime, endTime };
}
