import { backoffDelayMs } from './backoff.cjs';

/** PushItem is one profile waiting to be sent. */
export interface PushItem {
  kind: string;
  body: Buffer;
  fromSec: number;
  untilSec: number;
}

/**
 * SendResult: `ok`, `retry` (server away, 5xx, 429: try again later; `reason` says why, for the
 * debug log) or `drop` (a 4xx: it never will).
 */
export type SendResult =
  | { outcome: 'ok' }
  | { outcome: 'retry'; retryAfterMs?: number; reason?: string }
  | { outcome: 'drop' };

/**
 * PushCounters are the agent's own numbers; every profile queued ends in exactly one of sent,
 * dropped (no room while the server was away) or rejected (a 4xx), or is still pending.
 */
export interface PushCounters {
  queued: number;
  sent: number;
  dropped: number;
  rejected: number;
  failures: number;
  retries: number;
}

export interface PushQueueOptions {
  maxItems: number;
  /** maxBytes bounds the bodies held while the server is away, whatever their number. */
  maxBytes: number;
  backoffMs: number;
  backoffMaxMs: number;
  send: (item: PushItem) => Promise<SendResult>;
  onFailure?: (message: string) => void;
  /** onRetry hears every failed attempt and when the next one is due (the agent's debug log). */
  onRetry?: (message: string) => void;
  random?: () => number;
}

/**
 * PushQueue holds profiles until the server takes them, in order, one request at a time. It is
 * bounded in profiles and in bytes: when full, the oldest profile is dropped (recent data is
 * worth more to a dashboard) and counted. A failed send is retried for as long as the app runs,
 * with exponential backoff and jitter capped at `backoffMaxMs`, so a server that comes back gets
 * everything still held; the timer is unref'd so a waiting retry never keeps the app alive.
 */
export class PushQueue {
  readonly counters: PushCounters = { queued: 0, sent: 0, dropped: 0, rejected: 0, failures: 0, retries: 0 };
  private readonly items: PushItem[] = [];
  private bytes = 0;
  private sending = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: PushQueueOptions) {}

  get length(): number {
    return this.items.length;
  }

  /** heldBytes is the size of the bodies waiting to be sent. */
  get heldBytes(): number {
    return this.bytes;
  }

  add(item: PushItem): void {
    this.counters.queued++;
    if (item.body.length > this.options.maxBytes) {
      this.counters.dropped++;
      return;
    }
    this.items.push(item);
    this.bytes += item.body.length;
    // The oldest profile goes first, unless it is in flight (its answer settles it).
    while (this.items.length > this.options.maxItems || this.bytes > this.options.maxBytes) {
      this.removeAt(this.sending && this.items.length > 1 ? 1 : 0);
      this.counters.dropped++;
    }
    this.pump();
  }

  /** pump sends the head of the queue unless a send or a backoff wait is under way. */
  pump(): void {
    if (this.sending || this.timer || this.items.length === 0) return;
    const item = this.items[0];
    this.sendOne(item)
      .then((result) => {
        if (result.outcome !== 'retry') {
          this.attempt = 0;
          this.pump();
          return;
        }
        this.attempt++;
        const delay = backoffDelayMs(
          this.attempt,
          this.options.backoffMs,
          this.options.backoffMaxMs,
          this.options.random,
          result.retryAfterMs,
        );
        this.options.onRetry?.(
          `push failed (${result.reason ?? 'server unavailable'}), ${this.items.length} held, retry ${this.attempt} in ${delay} ms`,
        );
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.counters.retries++;
          this.pump();
        }, delay);
        this.timer.unref();
      })
      .catch(() => {
        // Only a throwing onRetry lands here; the agent never throws into the app.
      });
  }

  /** drain sends what is queued now, for at most `timeoutMs`, ignoring backoff (the exit flush). */
  async drain(timeoutMs: number): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const deadline = Date.now() + timeoutMs;
    while (this.items.length > 0 && Date.now() < deadline) {
      // A send already in flight finishes first: the same profile is never sent twice at once.
      if (this.sending) {
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      const result = await this.sendOne(this.items[0]);
      if (result.outcome === 'retry') return;
    }
  }

  /** sendOne sends `item` (the head) once and settles its counters; it never rejects. */
  private async sendOne(item: PushItem): Promise<SendResult> {
    this.sending = true;
    let result: SendResult;
    try {
      result = await this.options.send(item);
    } catch (err) {
      this.options.onFailure?.(`push: ${(err as Error)?.message ?? String(err)}`);
      result = { outcome: 'retry', reason: 'send threw' };
    }
    this.sending = false;
    if (result.outcome === 'retry') {
      this.counters.failures++;
      return result;
    }
    if (this.items[0] === item) this.removeAt(0);
    if (result.outcome === 'ok') this.counters.sent++;
    else this.counters.rejected++;
    return result;
  }

  private removeAt(index: number): void {
    const [removed] = this.items.splice(index, 1);
    if (removed) this.bytes -= removed.body.length;
  }
}
