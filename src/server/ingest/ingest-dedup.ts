import { createHash } from 'node:crypto';

/**
 * IngestDedup makes a retried ingest store its profile once. An agent whose request timed out
 * on its side retries the same bytes, though the server may have stored the first copy; the
 * key is a content hash of the tenant, the route, the query string and the body (or the
 * client's `Idempotency-Key`), so a retry inside the window is answered 200 without a second
 * write, and a retry that arrives while the first copy is still being written waits for it.
 * Only requests that carry their own time are keyed (a push's profiles, `from=` on /ingest):
 * two identical bodies sent without a time are two samples of "now", not a retry.
 */
export class IngestDedup {
  private readonly done = new Map<string, number>();
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    readonly windowMs = 10 * 60_000,
    readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * once runs `write` unless the same key was written inside the window; a concurrent duplicate
   * waits for the first and shares its outcome. Failed writes are not remembered.
   */
  async once(key: string, write: () => Promise<void>): Promise<'written' | 'duplicate'> {
    const at = this.done.get(key);
    if (at !== undefined && this.now() - at < this.windowMs) return 'duplicate';
    const running = this.pending.get(key);
    if (running) {
      await running;
      return 'duplicate';
    }
    const p = write();
    this.pending.set(key, p);
    try {
      await p;
      this.remember(key);
      return 'written';
    } finally {
      this.pending.delete(key);
    }
  }

  private remember(key: string): void {
    this.done.delete(key);
    this.done.set(key, this.now());
    // Map keeps insertion order: the first keys are the oldest.
    while (this.done.size > this.maxKeys) {
      const oldest = this.done.keys().next().value;
      if (oldest === undefined) break;
      this.done.delete(oldest);
    }
  }
}

/** ingestKey hashes what makes two requests the same ingest. */
export function ingestKey(parts: { tenant: string; route: string; query: string; body: Uint8Array }): string {
  return createHash('sha256')
    .update(parts.tenant)
    .update('\0')
    .update(parts.route)
    .update('\0')
    .update(parts.query)
    .update('\0')
    .update(parts.body)
    .digest('hex');
}
