import { closeSync, openSync, writeSync } from 'node:fs';

/** DEFAULT_CAPTURE_BYTES is how much of the head and of the tail of a stream is kept (each). */
export const DEFAULT_CAPTURE_BYTES = 4 * 1024 * 1024;

/** CaptureSummary says how much of a stream reached the file. */
export interface CaptureSummary {
  /** totalBytes is everything the target wrote. */
  totalBytes: number;
  /** keptBytes is what the file holds, the marker line excluded. */
  keptBytes: number;
  /** droppedBytes were neither in the head nor in the tail. */
  droppedBytes: number;
}

/**
 * BoundedCapture writes a stream to a file keeping only its first `headBytes` and its last
 * `tailBytes`, so a target printing gigabytes fills neither memory nor disk. The head goes
 * straight to disk; the tail lives in a fixed ring buffer until `close`, which appends a
 * one-line marker with the dropped byte count (only when something was dropped) and the tail.
 * Bytes are kept as bytes: non-UTF-8 output survives unchanged.
 */
export class BoundedCapture {
  private readonly fd: number;
  private readonly ring: Buffer;
  private headWritten = 0;
  private ringStart = 0;
  private ringLength = 0;
  private total = 0;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly headBytes = DEFAULT_CAPTURE_BYTES,
    tailBytes = DEFAULT_CAPTURE_BYTES,
  ) {
    this.fd = openSync(path, 'w');
    this.ring = Buffer.alloc(tailBytes);
  }

  /** write accepts the next chunk of the stream. */
  write(chunk: Uint8Array): void {
    if (this.closed) return;
    this.total += chunk.length;
    let rest = chunk;
    if (this.headWritten < this.headBytes) {
      const n = Math.min(rest.length, this.headBytes - this.headWritten);
      writeSync(this.fd, rest, 0, n);
      this.headWritten += n;
      rest = rest.subarray(n);
    }
    if (rest.length > 0) this.pushTail(rest);
  }

  /** close writes the tail, closes the file and reports what was kept. */
  close(): CaptureSummary {
    const summary = this.summary();
    if (this.closed) return summary;
    this.closed = true;
    try {
      if (summary.droppedBytes > 0) {
        writeSync(
          this.fd,
          `\n[autoprof: ${summary.droppedBytes} bytes dropped here; first and last bytes kept]\n`,
        );
      }
      if (this.ringLength > 0) {
        const firstPart = this.ring.subarray(
          this.ringStart,
          Math.min(this.ringStart + this.ringLength, this.ring.length),
        );
        writeSync(this.fd, firstPart);
        const wrapped = this.ringLength - firstPart.length;
        if (wrapped > 0) writeSync(this.fd, this.ring, 0, wrapped);
      }
    } finally {
      closeSync(this.fd);
    }
    return summary;
  }

  /** summary reports the counts so far. */
  summary(): CaptureSummary {
    const kept = this.headWritten + this.ringLength;
    return { totalBytes: this.total, keptBytes: kept, droppedBytes: this.total - kept };
  }

  private pushTail(bytes: Uint8Array): void {
    const cap = this.ring.length;
    if (cap === 0) return;
    if (bytes.length >= cap) {
      // Only the last `cap` bytes of this chunk can survive; older tail content is gone.
      this.ring.set(bytes.subarray(bytes.length - cap));
      this.ringStart = 0;
      this.ringLength = cap;
      return;
    }
    let writeAt = (this.ringStart + this.ringLength) % cap;
    let offset = 0;
    while (offset < bytes.length) {
      const n = Math.min(bytes.length - offset, cap - writeAt);
      this.ring.set(bytes.subarray(offset, offset + n), writeAt);
      offset += n;
      writeAt = (writeAt + n) % cap;
    }
    const overflow = this.ringLength + bytes.length - cap;
    if (overflow > 0) {
      this.ringStart = (this.ringStart + overflow) % cap;
      this.ringLength = cap;
    } else {
      this.ringLength += bytes.length;
    }
  }
}
