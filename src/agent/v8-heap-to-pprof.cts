import { type CallFrame, PprofWriter } from './pprof-writer.cjs';

/** V8HeapNode is a node of the inspector's `HeapProfiler.getSamplingProfile` tree. */
export interface V8HeapNode {
  id: number;
  callFrame: CallFrame;
  selfSize: number;
  children?: V8HeapNode[];
}

/** V8HeapProfile is the sampling heap profile: the tree, and the sampled allocations still live. */
export interface V8HeapProfile {
  head: V8HeapNode;
  samples?: Array<{ size: number; nodeId: number }>;
}

/**
 * heapProfileToPprof turns a sampling heap profile into a gzipped pprof with inuse_objects/count
 * and inuse_space/bytes (live sampled allocations at `timeMs`, as Go's heap profile names them), so
 * the server files it under `memory`. Returns undefined when nothing sampled is live.
 */
export function heapProfileToPprof(
  profile: V8HeapProfile,
  timeMs: number,
  samplingIntervalBytes: number,
): Buffer | undefined {
  const objects = new Map<number, number>();
  for (const s of profile.samples ?? []) objects.set(s.nodeId, (objects.get(s.nodeId) ?? 0) + 1);
  const writer = new PprofWriter(
    [
      ['inuse_objects', 'count'],
      ['inuse_space', 'bytes'],
    ],
    ['space', 'bytes'],
    samplingIntervalBytes,
  );
  // Depth-first with an explicit stack of (node, leaf-first location path): deep trees cannot overflow.
  const pending: Array<{ node: V8HeapNode; path: number[] }> = [{ node: profile.head, path: [] }];
  while (pending.length > 0) {
    const { node, path } = pending.pop() as { node: V8HeapNode; path: number[] };
    const isRoot = node === profile.head || node.callFrame.functionName === '(root)';
    const here = isRoot ? path : [writer.location(node.callFrame), ...path];
    if (node.selfSize > 0 && here.length > 0)
      writer.addSample(here, [objects.get(node.id) ?? 0, node.selfSize]);
    for (const child of node.children ?? []) pending.push({ node: child, path: here });
  }
  if (writer.sampleCount === 0) return undefined;
  return writer.encode(Math.round(timeMs * 1e6), 0);
}
