import type { V8CpuProfileData } from './cpu-profile-data.js';
import { readCpuNodes, readModernCpuProfile } from './cpu-profile-data.js';
import type { JsonReader } from './json-document.js';
import { isJsonObject } from './json-document.js';

/**
 * Chrome's performance panel (and `chrome://tracing`) saves an array of trace events, or
 * `{traceEvents: [...]}`. CPU samples travel in them in two layouts:
 * - Chrome <= 68: one `CpuProfile` event whose `args.data.cpuProfile` is a whole profile;
 * - Chrome >= 69: a `Profile` event (`args.data.startTime`) opens a profile, then `ProfileChunk`
 *   events append `args.data.cpuProfile.{nodes, samples}` and `args.data.timeDeltas`.
 * Profiles are keyed by the event `id`, else by `pid:tid`: chunks are often emitted from the
 * profiler's own thread, so only the id ties them to the profiled thread.
 */

/** TraceCpuProfile is one profile assembled from trace events. */
export interface TraceCpuProfile {
  data: V8CpuProfileData;
  /** threadName from the `thread_name` metadata of the thread that declared the profile. */
  threadName?: string;
  /** path names the declaring event in the input. */
  path: string;
}

/** traceEventsOf returns the event array of a trace document, or undefined if it is not one. */
export function traceEventsOf(doc: unknown): unknown[] | undefined {
  if (Array.isArray(doc)) return doc;
  if (isJsonObject(doc) && Array.isArray(doc.traceEvents)) return doc.traceEvents;
  return undefined;
}

/** hasCpuProfileEvents reports whether trace events carry CPU profile data. */
export function hasCpuProfileEvents(events: unknown[]): boolean {
  return events.some(
    (e) => isJsonObject(e) && (e.name === 'CpuProfile' || e.name === 'Profile' || e.name === 'ProfileChunk'),
  );
}

/**
 * collectTraceProfiles assembles the CPU profiles in trace events, in order of first
 * appearance after sorting events by timestamp (Chrome does not write them in order).
 */
export function collectTraceProfiles(
  events: unknown[],
  reader: JsonReader,
  eventsPath: string,
  warn?: (message: string) => void,
): TraceCpuProfile[] {
  const order = events
    .map((e, i) => ({ e, i, ts: isJsonObject(e) && typeof e.ts === 'number' ? e.ts : 0 }))
    .sort((a, b) => a.ts - b.ts || a.i - b.i);
  const byKey = new Map<string, { profile: TraceCpuProfile; pidTid: string }>();
  const threadNames = new Map<string, string>();
  let orphanChunks = 0;
  for (const { e, i } of order) {
    if (!isJsonObject(e)) continue;
    const path = `${eventsPath}[${i}]`;
    const pidTid = `${e.pid}:${e.tid}`;
    const key = typeof e.id === 'string' || typeof e.id === 'number' ? String(e.id) : pidTid;
    const args = isJsonObject(e.args) ? e.args : {};
    const data = isJsonObject(args.data) ? args.data : undefined;
    if (e.name === 'thread_name' && typeof args.name === 'string') {
      threadNames.set(pidTid, args.name);
    } else if (e.name === 'CpuProfile') {
      const cpu = reader.object(data?.cpuProfile, `${path}.args.data.cpuProfile`);
      const profile = readModernCpuProfile(reader, cpu, `${path}.args.data.cpuProfile`);
      byKey.set(key, { profile: { data: profile, path }, pidTid });
    } else if (e.name === 'Profile') {
      const startTime = reader.optionalFinite(data?.startTime, `${path}.args.data.startTime`, 0);
      const empty: V8CpuProfileData = { nodes: [], samples: [], timeDeltas: [], startTime, endTime: 0 };
      byKey.set(key, { profile: { data: empty, path }, pidTid });
    } else if (e.name === 'ProfileChunk') {
      const target = byKey.get(key);
      if (!target) {
        orphanChunks++;
        continue;
      }
      // Chrome writes chunks with empty `args` when it drops data; they carry nothing to add.
      if (data) appendChunk(target.profile.data, data, reader, `${path}.args.data`);
    }
  }
  if (orphanChunks > 0)
    warn?.(`${reader.source}: ${orphanChunks} ProfileChunk events without a Profile ignored`);
  return [...byKey.values()].map(({ profile, pidTid }) => {
    const threadName = threadNames.get(pidTid);
    return threadName ? { ...profile, threadName } : profile;
  });
}

function appendChunk(
  target: V8CpuProfileData,
  data: Record<string, unknown>,
  reader: JsonReader,
  path: string,
) {
  const cpu = data.cpuProfile;
  let added = 0;
  if (isJsonObject(cpu)) {
    if (cpu.nodes !== undefined)
      pushAll(target.nodes, readCpuNodes(reader, cpu.nodes, `${path}.cpuProfile.nodes`));
    if (cpu.samples !== undefined) {
      const samples = reader.numberArray(cpu.samples, `${path}.cpuProfile.samples`);
      pushAll(target.samples, samples);
      added = samples.length;
    }
  }
  if (data.timeDeltas !== undefined) {
    const deltas = reader.numberArray(data.timeDeltas, `${path}.timeDeltas`);
    if (deltas.length !== added)
      reader.fail(`${added} samples but ${deltas.length} timeDeltas`, `${path}.timeDeltas`);
    pushAll(target.timeDeltas, deltas);
  } else if (added > 0) {
    reader.fail(`${added} samples without timeDeltas`, path);
  }
  if (typeof data.startTime === 'number') target.startTime = data.startTime;
  if (typeof data.endTime === 'number') target.endTime = data.endTime;
}

/** pushAll appends without spreading, which would overflow the call stack on large chunks. */
function pushAll<T>(target: T[], items: T[]): void {
  for (const item of items) target.push(item);
}
