import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ProfileWrite } from '../store/types.js';
import { CHARGE_GRANTED, CHARGE_REFUSED, type DecodeJob } from './decode-job.js';
import { IngestError } from './ingest-request.js';

/**
 * WORKER_HEAP_MB bounds each worker's heap: a profile whose decoding needs more ends that worker
 * (the request answers 413) instead of the server. The ingest budget keeps real requests far below.
 */
const WORKER_HEAP_MB = 1024;

/** The worker's file beside this one: .ts when run from source (tsx), .js when built. */
const OWN_EXTENSION = extname(fileURLToPath(import.meta.url));
const WORKER_URL = new URL(`./decode-worker${OWN_EXTENSION}`, import.meta.url);

/**
 * workerEntry: the built worker file, or, when running from source, a bootstrap that registers
 * the TypeScript loader in the worker first (loader hooks of this thread do not reach workers).
 */
function workerEntry(): { entry: URL | string; eval: boolean } {
  if (OWN_EXTENSION !== '.ts') return { entry: WORKER_URL, eval: false };
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const worker = JSON.stringify(WORKER_URL.href);
  return { entry: `import(${api}).then((t) => { t.register(); return import(${worker}); });`, eval: true };
}

interface Task {
  job: DecodeJob;
  chargeDecoded?: (bytes: number) => void;
  resolve: (writes: ProfileWrite[]) => void;
  reject: (err: unknown) => void;
  /** refusal: what chargeDecoded threw, answered instead of the worker's unwinding error. */
  refusal?: unknown;
}

interface Slot {
  worker: Worker;
  flag: Int32Array;
  task?: Task;
}

/**
 * DecodePool decodes ingest bodies on worker threads, so a large profile being decoded never
 * holds the event loop: /healthz, queries and other ingests keep answering. Jobs queue for the
 * next free worker; a worker that dies (its heap bound, a crash) fails its job and is replaced.
 */
export class DecodePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private closed = false;

  constructor(readonly size: number) {}

  /** decode runs the job on a worker; `chargeDecoded` is called on this thread before each payload. */
  decode(job: DecodeJob, chargeDecoded?: (bytes: number) => void): Promise<ProfileWrite[]> {
    if (this.closed) return Promise.reject(new Error('decode pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ job, chargeDecoded, resolve, reject });
      this.dispatch();
    });
  }

  /** close ends every worker; queued jobs fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new Error('decode pool is closed'));
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => !s.task) ?? this.spawn();
      if (!slot) return;
      const task = this.queue.shift() as Task;
      slot.task = task;
      slot.worker.postMessage(task.job);
    }
  }

  private spawn(): Slot | undefined {
    if (this.slots.length >= this.size) return undefined;
    const shared = new SharedArrayBuffer(4);
    const { entry, eval: isEval } = workerEntry();
    const worker = new Worker(entry, {
      eval: isEval,
      workerData: { flag: shared },
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    // An idle worker must not keep the process alive (the CLI exits when the server closes).
    worker.unref();
    const slot: Slot = { worker, flag: new Int32Array(shared) };
    worker.on('message', (m: WorkerMessage) => this.onMessage(slot, m));
    worker.on('error', (err) => this.retire(slot, err));
    worker.on('exit', () => this.retire(slot, new Error('decode worker exited')));
    this.slots.push(slot);
    return slot;
  }

  private onMessage(slot: Slot, m: WorkerMessage): void {
    const task = slot.task;
    if (!task) return;
    if (m.type === 'charge') {
      let answer = CHARGE_GRANTED;
      try {
        task.chargeDecoded?.(m.bytes);
      } catch (err) {
        task.refusal = err;
        answer = CHARGE_REFUSED;
      }
      Atomics.store(slot.flag, 0, answer);
      Atomics.notify(slot.flag, 0);
      return;
    }
    slot.task = undefined;
    if (m.type === 'done') task.resolve(m.writes);
    else if (m.refused) task.reject(task.refusal);
    else if (m.status !== undefined) task.reject(new IngestError(m.status, m.message));
    else task.reject(new Error(m.message));
    this.dispatch();
  }

  /** retire drops a dead worker; its job fails as too large to decode, the next job gets a new one. */
  private retire(slot: Slot, err: Error): void {
    const at = this.slots.indexOf(slot);
    if (at < 0) return;
    this.slots.splice(at, 1);
    const task = slot.task;
    slot.task = undefined;
    if (task) {
      const oom = /memory|heap/i.test(err.message);
      task.reject(
        oom ? new IngestError(413, 'profile too large to decode within the worker heap bound') : err,
      );
    }
    if (!this.closed) this.dispatch();
  }
}

type WorkerMessage =
  | { type: 'charge'; bytes: number }
  | { type: 'done'; writes: ProfileWrite[] }
  | { type: 'error'; refused: boolean; status?: number; message: string };
