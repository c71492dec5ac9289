import { backoffDelayMs } from './backoff.cjs';

/** PushItem is one profile waiting to be sent. */
export interface PushItem {
  kind: string;
  body: Buffer;
  fromSec: number;
  untilSec: number;
}

/** SendResult: `ok`, `retry` (server away, 5xx, 429: try again later) or `drop` (a 4xx: it never will). */
export type SendResult =
  | { outcome: 'ok' }
  | { outcome: 'retry'; retryAfterMs?: number }
  | { outcome: 'drop' };

/** PushCounters are the agent's own numbers; every failure lands in one of them. */
export interface PushCounters {
  sent: number;
  dropped: number;
  rejected: number;
  failures: number;
  retries: number;
}

export interface PushQueueOptions {
  maxItems: number;
  backoffMs: number;
  backoffMaxMs: number;
  send: (item: PushItem) => Promise<SendResult>;
  onFailure?: (message: string) => void;
  random?: () => number;
}

/**
 * PushQueue holds profiles until the server takes them, in order, one request at a time. It is
 * bounded: when full, the oldest profile is dropped (recent data is worth more to a dashboard)
 * and counted. A failed send is retried with exponential backoff and jitter; the timer is unref'd
 * so a waiting retry never keeps the app alive.
 */
export class PushQueue {
  readonly counters: PushCounters = { sent: 0, dropped: 0, rejected: 0, failures: 0, retries: 0 };
  private readonly items: PushItem[] = [];
  private sending = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: PushQueueOptions) {}

  get length(): number {
    return this.items.length;
  }

  add(item: PushItem): void {
    while (this.items.length >= this.options.maxItems) {
      this.items.shift();
      this.counters.dropped++;
    }
    this.items.push(item);
    if (this.attempt === 0) this.pump();
  }

  /** pump sends the head of the queue unless a send or a backoff wait is under way. */
  pump(): void {
    if (this.sending || this.timer || this.items.length === 0) return;
    const item = this.items[0];
    this.sending = true;
    this.options
      .send(item)
      .catch((err: unknown): SendResult => {
        this.options.onFailure?.(`push: ${(err as Error)?.message ?? String(err)}`);
        return { outcome: 'retry' };
      })
      .then((result) => {
        this.sending = false;
        if (result.outcome === 'retry') {
          this.counters.failures++;
          this.attempt++;
          const delay = backoffDelayMs(
            this.attempt,
            this.options.backoffMs,
            this.options.backoffMaxMs,
            this.options.random,
            result.retryAfterMs,
          );
          this.timer = setTimeout(() => {
            this.timer = undefined;
            this.counters.retries++;
            this.pump();
          }, delay);
          this.timer.unref();
          return;
        }
        // The head may have been dropped for space meanwhile; only remove it if it is still there.
        if (this.items[0] === item) this.items.shift();
        if (result.outcome === 'ok') this.counters.sent++;
        else this.counters.rejected++;
        this.attempt = 0;
        this.pump();
      })
      .catch(() => {
        this.sending = false;
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
      if (this.sending) {
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      const item = this.items[0];
      let result: SendResult;
      try {
        result = await this.options.send(item);
      } catch {
        result = { outcome: 'retry' };
      }
      if (result.outcome === 'retry') {
        this.counters.failures++;
        return;
      }
      if (this.items[0] === item) this.items.shift();
      if (result.outcome === 'ok') this.counters.sent++;
      else this.counters.rejected++;
    }
  }
}
