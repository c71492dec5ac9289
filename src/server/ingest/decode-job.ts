import type { ProfileWrite } from '../store/types.js';
import { decodeIngest, decodePushSeries, type IngestInput } from './ingest-request.js';
import type { PushSeries } from './push-request.js';

/** CHARGE_*: values of the flag a worker waits on while it asks the main thread for a charge. */
export const CHARGE_PENDING = 0;
export const CHARGE_GRANTED = 1;
export const CHARGE_REFUSED = 2;

/**
 * DecodeJob is one request's decoding, in a form that crosses to a worker thread (plain data, no
 * callbacks): the legacy `/ingest` body or a push's series. The memory charge callback is
 * passed beside it (see decode-pool.ts).
 */
export type DecodeJob =
  | { kind: 'ingest'; input: Omit<IngestInput, 'chargeDecoded'> }
  | { kind: 'push'; series: PushSeries[]; maxDecompressedBytes: number };

/** runDecodeJob decodes a job on the current thread. */
export function runDecodeJob(job: DecodeJob, chargeDecoded?: (bytes: number) => void): ProfileWrite[] {
  return job.kind === 'ingest'
    ? decodeIngest({ ...job.input, chargeDecoded })
    : decodePushSeries(job.series, { maxDecompressedBytes: job.maxDecompressedBytes, chargeDecoded });
}
