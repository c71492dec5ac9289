/**
 * collapse-worker: a worker thread that collapses the tail of a perf-script file, from a byte
 * offset where a sample starts to the end, and posts back its stacks and its messages (see
 * parallel-file.ts).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { type CollapseOptions, StackCollapser } from '../stackcollapse-perf.js';

/** WorkerJob is what the worker is given. */
export interface WorkerJob {
  path: string;
  start: number;
  options: CollapseOptions;
  /** maxMessages: unrecognized-line messages kept beyond this are only counted. */
  maxMessages: number;
}

const READ_BYTES = 1 << 20;

function run(job: WorkerJob): void {
  const messages: string[] = [];
  let unlisted = 0;
  const collapser = new StackCollapser(job.options, (message) => {
    if (message.startsWith('Unrecognized line') && messages.length >= job.maxMessages) unlisted++;
    else messages.push(message);
  });
  const fd = openSync(job.path, 'r');
  try {
    const buf = Buffer.allocUnsafe(READ_BYTES);
    for (let at = job.start; ; ) {
      const n = readSync(fd, buf, 0, buf.length, at);
      if (n === 0) break;
      collapser.pushBytes(buf.subarray(0, n));
      at += n;
    }
  } finally {
    closeSync(fd);
  }
  collapser.end();
  const stacks = collapser.exportStacks();
  const transfer = [stacks.off.buffer, stacks.pool.buffer, stacks.counts.buffer] as ArrayBuffer[];
  parentPort?.postMessage({ stacks, messages, unlisted }, transfer);
}

run(workerData as WorkerJob);
