/**
 * StoreBusyError says the store's write queue is full: the write was not taken, and the caller
 * should try again after `retryAfterSeconds`. Ingest answers it as 503 with Retry-After, which
 * Pyroscope agents and the autoprof agent treat as "back off", not as a bad request.
 */
export class StoreBusyError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = 'StoreBusyError';
  }
}
