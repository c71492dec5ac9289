import { parentPort, workerData } from 'node:worker_threads';
import { CHARGE_PENDING, CHARGE_REFUSED, type DecodeJob, runDecodeJob } from './decode-job.js';
import { IngestError } from './ingest-request.js';

/**
 * The body of a decode worker (decode-pool.ts): it decodes one job at a time and posts the
 * writes back. Before each payload is decoded it asks the main thread to charge its size to the
 * server's ingest budget and blocks until the answer (Atomics.wait on a shared flag), so a
 * refused payload is never decoded, as on the main thread.
 */

/** ChargeRefused unwinds the decoding; the main thread answers with its own error. */
class ChargeRefused extends Error {}

const port = parentPort;
if (port) {
  const flag = new Int32Array(workerData.flag as SharedArrayBuffer);
  const charge = (bytes: number) => {
    Atomics.store(flag, 0, CHARGE_PENDING);
    port.postMessage({ type: 'charge', bytes });
    Atomics.wait(flag, 0, CHARGE_PENDING);
    if (Atomics.load(flag, 0) === CHARGE_REFUSED) throw new ChargeRefused();
  };
  port.on('message', (job: DecodeJob) => {
    try {
      port.postMessage({ type: 'done', writes: runDecodeJob(job, charge) });
    } catch (err) {
      port.postMessage({
        type: 'error',
        refused: err instanceof ChargeRefused,
        status: err instanceof IngestError ? err.status : undefined,
        message: (err as Error)?.message ?? String(err),
      });
    }
  });
}
