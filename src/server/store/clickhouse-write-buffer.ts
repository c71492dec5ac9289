import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpError } from '../context.js';

/**
 * WriteBuffer batches the ClickHouse store's writes and rides out short ClickHouse outages.
 *
 * ClickHouse wants few large INSERTs, not one per agent push, so writes that arrive within
 * `flushMs` of each other share one flush. One flush runs at a time (order is kept and the
 * server is never hit with a pile of parallel INSERTs after an outage).
 *
 * What "acknowledged" means (the promise `add` returns resolves):
 * - while ClickHouse answers: the flush holding the write succeeded, i.e. ClickHouse returned 200
 *   for every INSERT of it (its parts are on ClickHouse's disk and survive a kill -9 of ClickHouse);
 * - while ClickHouse does not answer (a flush failed twice in a row with a network or transient
 *   error): the write is in this bounded in-memory buffer, which is flushed, oldest first, as
 *   soon as ClickHouse answers again. Writes already waiting when the outage is detected are
 *   acknowledged then too. A crash of autoprof itself during an outage loses the buffer; that
 *   is the price of accepting ingest at all while the database is down.
 * When the buffer would exceed `maxBytes`, `add` throws an HttpError 503 with Retry-After, which
 * Pyroscope agents treat as "try again". A batch that fails with a non-transient ClickHouse error
 * (the data itself is refused) is dropped and its waiting writers get the error.
 */
export interface BufferedChunk {
  /** bytes is the estimated memory the chunk holds. */
  bytes: number;
  profiles: number;
  /** rows is the number of sample rows (a batch stays under ClickHouse's insert block size). */
  rows: number;
}

/** WriteBufferOptions: the flush callback and the bounds. */
export interface WriteBufferOptions<C extends BufferedChunk> {
  maxBytes: number;
  flushMs: number;
  maxBatchRows: number;
  /** flush writes chunks as batch `batchId`; `attempt` > 1 means an earlier attempt may have landed. */
  flush(chunks: C[], batchId: string, attempt: number): Promise<void>;
  /** isTransient: retry (network down, server busy) rather than drop the batch. */
  isTransient(err: unknown): boolean;
  log?(message: string): void;
}

/** WriteBufferHealth is what /readyz and /metrics report. */
export interface WriteBufferHealth {
  /** state: ok = flushing normally; buffering = ClickHouse unavailable, ingest held in memory. */
  state: 'ok' | 'buffering';
  /** ready is false only when the buffer is full (ingest answers 503). */
  ready: boolean;
  bufferedBytes: number;
  bufferedProfiles: number;
  maxBufferBytes: number;
  flushFailures: number;
  rejectedProfiles: number;
  droppedProfiles: number;
  lastError?: string;
}

interface Entry<C> {
  chunk: C;
  resolve?: () => void;
  reject?: (err: unknown) => void;
}

const MAX_BACKOFF_MS = 5000;

/** WriteBuffer: see the file comment. */
export class WriteBuffer<C extends BufferedChunk> {
  private pending: Array<Entry<C>> = [];
  private inflight: { entries: Array<Entry<C>>; batchId: string; attempt: number } | undefined;
  private bytes = 0;
  private profiles = 0;
  private state: 'ok' | 'buffering' = 'ok';
  private running: Promise<void> | undefined;
  private wake: AbortController | undefined;
  private stopped = false;
  private flushFailures = 0;
  private rejectedProfiles = 0;
  private droppedProfiles = 0;
  private lastError: string | undefined;

  constructor(private readonly options: WriteBufferOptions<C>) {}

  /** add queues a chunk; see the file comment for when the promise resolves. */
  add(chunk: C): Promise<void> {
    if (this.stopped) return Promise.reject(new Error('store is closed'));
    if (this.bytes + chunk.bytes > this.options.maxBytes && this.bytes > 0) {
      this.rejectedProfiles += chunk.profiles;
      return Promise.reject(
        new HttpError(
          503,
          `ClickHouse ${this.state === 'buffering' ? 'is unavailable and' : 'is behind;'} the ingest buffer is full (${this.bytes} bytes); retry later`,
          { 'Retry-After': '5' },
        ),
      );
    }
    this.bytes += chunk.bytes;
    this.profiles += chunk.profiles;
    const entry: Entry<C> = { chunk };
    const done =
      this.state === 'buffering'
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            entry.resolve = resolve;
            entry.reject = reject;
          });
    this.pending.push(entry);
    this.kick();
    return done;
  }

  /** health is cheap (no I/O), so /readyz and /metrics can call it freely. */
  health(): WriteBufferHealth {
    return {
      state: this.state,
      ready: this.bytes < this.options.maxBytes * 0.95,
      bufferedBytes: this.bytes,
      bufferedProfiles: this.profiles,
      maxBufferBytes: this.options.maxBytes,
      flushFailures: this.flushFailures,
      rejectedProfiles: this.rejectedProfiles,
      droppedProfiles: this.droppedProfiles,
      lastError: this.lastError,
    };
  }

  /** drain waits until everything queued so far is flushed (or the buffer is closed). */
  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  /**
   * close stops accepting writes and flushes what is held, for up to `timeoutMs`; what could not
   * be flushed by then is lost, and the error says how much.
   */
  async close(timeoutMs: number): Promise<void> {
    if (this.stopped) return;
    const deadline = sleep(timeoutMs, 'timeout' as const, { ref: false });
    const result = await Promise.race([this.drain().then(() => 'drained' as const), deadline]);
    this.stopped = true;
    this.wake?.abort();
    await this.running;
    if (result === 'timeout' && this.profiles > 0) {
      const lost = this.profiles;
      const err = new Error(`ClickHouse unavailable at shutdown: ${lost} buffered profiles not written`);
      for (const e of [...(this.inflight?.entries ?? []), ...this.pending]) e.reject?.(err);
      this.droppedProfiles += lost;
      this.pending = [];
      this.inflight = undefined;
      throw err;
    }
  }

  private kick(): void {
    // A running pump picks new entries up itself; during an outage its retry clock decides
    // when to try again, not the arrival of more writes.
    if (this.running) return;
    this.running = this.pump().finally(() => {
      this.running = undefined;
      if (!this.stopped && (this.pending.length > 0 || this.inflight)) this.kick();
    });
  }

  private async pump(): Promise<void> {
    let backoff = 100;
    while (!this.stopped) {
      if (!this.inflight) {
        if (this.pending.length === 0) return;
        // Let writes arriving in the next few milliseconds share this INSERT.
        if (this.options.flushMs > 0 && this.state === 'ok') await sleep(this.options.flushMs);
        const entries: Array<Entry<C>> = [];
        let rows = 0;
        while (this.pending.length > 0) {
          const next = this.pending[0];
          if (entries.length > 0 && rows + next.chunk.rows > this.options.maxBatchRows) break;
          entries.push(next);
          rows += next.chunk.rows;
          this.pending.shift();
        }
        this.inflight = { entries, batchId: randomBytes(8).readBigUInt64BE(0).toString(), attempt: 0 };
      }
      const batch = this.inflight;
      batch.attempt++;
      try {
        await this.options.flush(
          batch.entries.map((e) => e.chunk),
          batch.batchId,
          batch.attempt,
        );
      } catch (err) {
        if (!this.options.isTransient(err)) {
          this.finish(batch.entries, err);
          this.log(`dropping a batch ClickHouse refused: ${(err as Error).message}`);
          continue;
        }
        this.flushFailures++;
        this.lastError = (err as Error).message;
        if (batch.attempt >= 2) {
          if (this.state === 'ok') this.log(`ClickHouse unavailable, buffering ingest: ${this.lastError}`);
          this.state = 'buffering';
          // From now on these writes are acknowledged by being held here (see the file comment).
          for (const e of [...batch.entries, ...this.pending]) {
            e.resolve?.();
            e.resolve = undefined;
            e.reject = undefined;
          }
        }
        this.wake = new AbortController();
        await sleep(backoff, undefined, { signal: this.wake.signal }).catch(() => undefined);
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
        continue;
      }
      if (this.state === 'buffering') this.log('ClickHouse is back; flushing the ingest buffer');
      this.state = 'ok';
      this.lastError = undefined;
      backoff = 100;
      this.finish(batch.entries);
    }
  }

  private finish(entries: Array<Entry<C>>, err?: unknown): void {
    this.inflight = undefined;
    for (const e of entries) {
      this.bytes -= e.chunk.bytes;
      this.profiles -= e.chunk.profiles;
      if (err === undefined) e.resolve?.();
      else if (e.reject) e.reject(err);
      else this.droppedProfiles += e.chunk.profiles;
    }
  }

  private log(message: string): void {
    (this.options.log ?? ((m: string) => process.stderr.write(`autoprof clickhouse: ${m}\n`)))(message);
  }
}
