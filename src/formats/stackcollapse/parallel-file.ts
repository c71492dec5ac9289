/**
 * Collapsing a large perf-script file on two threads: this thread reads the first half, a
 * worker the second, and the worker's stacks are merged in by name before the output is sorted.
 *
 * The split is exact, not approximate: it falls right after a blank line (`\n\n`), where the
 * script's state is reset (no process name, no frames), so each part folds its samples as the
 * whole file would. The one thing that crosses samples is the event filter (by default the
 * first event seen): it is read from the start of the file first and given to the worker as a
 * defaulted filter, so the worker drops other events and warns as the script would. Messages
 * are replayed in file order: this thread's, then the worker's (the event warning only once).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  type CollapseOptions,
  type CollapseWarn,
  type ExportedStacks,
  StackCollapser,
} from '../stackcollapse-perf.js';
import type { WorkerJob } from './collapse-worker.js';

/** MIN_PARALLEL_BYTES: below this a worker's start-up costs more than it saves. */
export const MIN_PARALLEL_BYTES = 16 << 20;

/** SPLIT_WINDOW_BYTES: how far past the middle a blank line is looked for. */
const SPLIT_WINDOW_BYTES = 4 << 20;

const READ_BYTES = 1 << 20;

interface WorkerResult {
  stacks: ExportedStacks;
  messages: string[];
  unlisted: number;
}

/** findSplit returns the offset just after the first `\n\n` at or past `from`, or -1. */
function findSplit(fd: number, from: number, size: number): number {
  const buf = Buffer.allocUnsafe(Math.min(SPLIT_WINDOW_BYTES, size - from));
  const n = readSync(fd, buf, 0, buf.length, from);
  const i = buf.subarray(0, n).indexOf('\n\n', 0, 'latin1');
  return i < 0 ? -1 : from + i + 2;
}

/** readRange feeds `[start, end)` of the file to the collapser. */
function readRange(fd: number, start: number, end: number, collapser: StackCollapser): void {
  const buf = Buffer.allocUnsafe(READ_BYTES);
  for (let at = start; at < end; ) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, end - at), at);
    if (n === 0) break;
    collapser.pushBytes(buf.subarray(0, n));
    at += n;
  }
}

/** firstEvent reads the file from the start until the collapser has seen an event ('' if none before `end`). */
function firstEvent(fd: number, end: number, options: CollapseOptions): string {
  const probe = new StackCollapser(options);
  const buf = Buffer.allocUnsafe(64 << 10);
  for (let at = 0; at < end && probe.firstEvent === ''; ) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, end - at), at);
    if (n === 0) break;
    probe.pushBytes(buf.subarray(0, n));
    at += n;
  }
  return probe.firstEvent;
}

/**
 * startWorker starts collapse-worker. Built, it is a .js file beside this one; run from the
 * TypeScript sources (tests under tsx), the worker registers tsx itself first, because module
 * hooks of the parent thread do not reach worker threads in Node 20.
 */
function startWorker(job: WorkerJob): Worker {
  const options = { workerData: job, resourceLimits: { maxYoungGenerationSizeMb: 4 } };
  if (extname(fileURLToPath(import.meta.url)) !== '.ts')
    return new Worker(new URL('./collapse-worker.js', import.meta.url), options);
  const url = new URL('./collapse-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((tsx) => tsx.tsImport(${JSON.stringify(url)}, ${JSON.stringify(url)}));`;
  return new Worker(boot, { ...options, eval: true });
}

function runWorker(job: WorkerJob): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(job);
    worker.once('message', (result: WorkerResult) => resolve(result));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`collapse worker exited with code ${code}`));
    });
  });
}

/**
 * collapseFileInParallel collapses the regular file `path` of `size` bytes on two threads and
 * returns the collapser holding every stack, or undefined (having read nothing into any
 * collapser) when the file has no blank line near its middle or no event before it.
 * `maxMessages` caps the unrecognized-line messages each part keeps; the rest are still
 * passed to `warn`, after the kept ones, so counts stay right.
 */
export async function collapseFileInParallel(
  path: string,
  size: number,
  options: CollapseOptions,
  warn: CollapseWarn,
  maxMessages: number,
): Promise<StackCollapser | undefined> {
  const fd = openSync(path, 'r');
  try {
    const split = findSplit(fd, Math.floor(size / 2), size);
    if (split < 0) return undefined;
    const event = options.eventFilter ?? firstEvent(fd, split, options);
    if (event === '') return undefined;
    const job: WorkerJob = {
      path,
      start: split,
      options: { ...options, eventFilter: event, eventFilterDefaulted: options.eventFilter === undefined },
      maxMessages,
    };
    const tail = runWorker(job);
    // Catch now so a failure while this thread is busy is not an unhandled rejection.
    tail.catch(() => {});
    let eventWarned = false;
    const head = new StackCollapser(options, (message) => {
      if (message.startsWith('Filtering for events')) eventWarned = true;
      warn(message);
    });
    readRange(fd, 0, split, head);
    head.end();
    const result = await tail;
    for (const message of result.messages) {
      if (eventWarned && message.startsWith('Filtering for events')) continue;
      warn(message);
    }
    for (let i = 0; i < result.unlisted; i++) warn('Unrecognized line');
    head.mergeStacks(result.stacks);
    return head;
  } finally {
    closeSync(fd);
  }
}
