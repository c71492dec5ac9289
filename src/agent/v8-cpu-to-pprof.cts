import { type CallFrame, PprofWriter } from './pprof-writer.cjs';

/** V8CpuProfile is the inspector's `Profiler.stop` result (`.cpuprofile`), the fields used here. */
export interface V8CpuProfile {
  nodes: Array<{ id: number; callFrame: CallFrame; children?: number[] }>;
  samples?: number[];
  timeDeltas?: number[];
}

/**
 * Synthetic V8 nodes that are not the program running: the root, and `(idle)`, which V8 samples
 * while the event loop waits. `(program)` and `(garbage collector)` are CPU the app pays for; kept.
 */
const SKIPPED = new Set(['(root)', '(idle)']);

/**
 * cpuProfileToPprof turns one V8 CPU profile into a gzipped pprof with sample types samples/count
 * and cpu/nanoseconds (each sample weighs the sampling period), the shape the server files under
 * `process_cpu`. Returns undefined when the window holds no non-idle sample.
 */
export function cpuProfileToPprof(
  profile: V8CpuProfile,
  window: { startMs: number; endMs: number; intervalUs: number },
): Buffer | undefined {
  const parent = new Map<number, number>();
  const byId = new Map<number, V8CpuProfile['nodes'][number]>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const hits = new Map<number, number>();
  for (const id of profile.samples ?? []) hits.set(id, (hits.get(id) ?? 0) + 1);
  const periodNs = Math.round(window.intervalUs * 1000);
  const writer = new PprofWriter(
    [
      ['samples', 'count'],
      ['cpu', 'nanoseconds'],
    ],
    ['cpu', 'nanoseconds'],
    periodNs,
  );
  for (const [id, count] of hits) {
    const leaf = byId.get(id);
    if (!leaf || SKIPPED.has(leaf.callFrame.functionName)) continue;
    const stack: number[] = [];
    // Bounded by the node count: a malformed cycle cannot spin forever.
    for (let n: number | undefined = id, guard = 0; n !== undefined && guard < byId.size; guard++) {
      const node = byId.get(n);
      if (!node) break;
      if (node.callFrame.functionName !== '(root)') stack.push(writer.location(node.callFrame));
      n = parent.get(n);
    }
    if (stack.length > 0) writer.addSample(stack, [count, count * periodNs]);
  }
  if (writer.sampleCount === 0) return undefined;
  return writer.encode(Math.round(window.startMs * 1e6), Math.round((window.endMs - window.startMs) * 1e6));
}
