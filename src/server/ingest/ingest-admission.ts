import { InputLimitError } from '../../errors.js';
import { StoreBusyError } from '../store/store-busy.js';

/**
 * IngestAdmission bounds the work ingest may hold at once, in requests and in bytes, so a burst
 * is answered 503 + Retry-After within milliseconds instead of queueing into minutes of latency
 * and gigabytes of RSS. A request is admitted on its headers (its Content-Length, or the body
 * cap when it has none) before its body is read; while it decodes, every decompressed byte is
 * charged at `decodeExpansion` times its size (what the decoded JS objects cost), so a small
 * body that inflates into a huge profile is refused before the decoder allocates.
 */
export interface AdmissionLimits {
  /** maxInflightBytes bounds bodies + charged decode memory of all admitted requests. */
  maxInflightBytes: number;
  /** maxConcurrent bounds requests between admission and their durable write (decode slots). */
  maxConcurrent: number;
  /** decodeExpansion: bytes of heap per decompressed byte that decoding is charged. */
  decodeExpansion: number;
}

/** AdmissionTicket is one admitted request's share; `release` must run exactly once at its end. */
export interface AdmissionTicket {
  /** chargeDecoded charges decompressed bytes; throws StoreBusyError when the budget has no room. */
  chargeDecoded(bytes: number): void;
  release(): void;
}

/** RETRY_AFTER_SECONDS: agents retry busy ingest after this long (they add jitter themselves). */
const RETRY_AFTER_SECONDS = 2;

export class IngestAdmission {
  private bytes = 0;
  private requests = 0;

  constructor(readonly limits: AdmissionLimits) {}

  /** inFlight reports the admitted requests and their charged bytes (for /metrics). */
  inFlight(): { requests: number; bytes: number } {
    return { requests: this.requests, bytes: this.bytes };
  }

  /** admit reserves `bodyBytes` and a slot; throws StoreBusyError when either is exhausted. */
  admit(bodyBytes: number): AdmissionTicket {
    if (this.requests >= this.limits.maxConcurrent) {
      throw new StoreBusyError(
        `${this.requests} ingest requests in flight (limit ${this.limits.maxConcurrent})`,
        RETRY_AFTER_SECONDS,
      );
    }
    this.reserve(bodyBytes);
    this.requests++;
    let held = bodyBytes;
    let released = false;
    return {
      chargeDecoded: (bytes) => {
        const cost = bytes * this.limits.decodeExpansion;
        this.reserve(cost);
        held += cost;
      },
      release: () => {
        if (released) return;
        released = true;
        this.bytes -= held;
        this.requests--;
      },
    };
  }

  private reserve(bytes: number): void {
    if (bytes > this.limits.maxInflightBytes) {
      throw new InputLimitError(
        `request needs ${mib(bytes)} MiB to decode, over the ingest memory budget of ${mib(this.limits.maxInflightBytes)} MiB`,
      );
    }
    if (this.bytes + bytes > this.limits.maxInflightBytes) {
      throw new StoreBusyError(
        `ingest memory budget in use (${mib(this.bytes)} of ${mib(this.limits.maxInflightBytes)} MiB)`,
        RETRY_AFTER_SECONDS,
      );
    }
    this.bytes += bytes;
  }
}

function mib(bytes: number): string {
  return (bytes / 1048576).toFixed(0);
}
