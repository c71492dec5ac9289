import type { Collector, CollectorContext, CollectorName, CollectorResult } from '../collector.js';
import { ATTACH_INTERVAL_US, attachNode, type NodeAttachment } from '../node-attach.js';
import { readNodeTarget } from '../node-target.js';
import { nodeArtifacts } from './node.js';

/** attachments are keyed by artifacts folder: each `--runs` repetition attaches anew. */
const attachments = new Map<string, NodeAttachment>();

/**
 * nodeAttachCollector is the node collector of `--pid` runs: where a launched target gets the
 * preload, a running one gets its inspector opened by SIGUSR1 for the duration, then closed.
 */
export const nodeAttachCollector: Collector = {
  name: 'node',
  description:
    'V8 CPU and heap sampling profiles of a running Node.js process, through its inspector (SIGUSR1)',
  async availability() {
    return { available: true };
  },
  async start(rootPid: number, ctx: CollectorContext) {
    const intervalUs = Number(process.env.AUTOPROF_NODE_INTERVAL_US) || ATTACH_INTERVAL_US;
    attachments.set(
      ctx.artifactsDir,
      await attachNode(rootPid, { artifactsDir: ctx.artifactsDir, intervalUs, log: ctx.log }),
    );
  },
  async stop(ctx: CollectorContext): Promise<CollectorResult> {
    const attachment = attachments.get(ctx.artifactsDir);
    attachments.delete(ctx.artifactsDir);
    if (!attachment) return { status: 'failed', warnings: ['node: never attached'], artifacts: [] };
    const result = await attachment.finish();
    for (const w of result.warnings) ctx.log(`node: ${w}`);
    return {
      status: result.status,
      warnings: result.warnings,
      artifacts: nodeArtifacts(ctx.artifactsDir, ctx.runDir),
    };
  },
};

/** forAttach swaps in the attach variant of a collector for `--pid` runs; others attach as they are. */
export function forAttach(collector: Collector): Collector {
  return collector.name === 'node' ? nodeAttachCollector : collector;
}

/**
 * attachCollectorNames picks the default collectors for `--pid`: node's own profiler for a
 * Node.js process (as for a launched one), perf for anything else.
 */
export function attachCollectorNames(pid: number): CollectorName[] {
  return readNodeTarget(pid)?.isNode ? ['system', 'node'] : ['system', 'perf'];
}
