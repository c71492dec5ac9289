import type { Attempt } from './provider.js';
import { ProviderError } from './provider.js';

/**
 * postJson is the one HTTP client the providers share: a timeout per attempt, retries with
 * exponential backoff for what retrying can fix (network errors, timeouts, 408, 429, 5xx),
 * Retry-After honoured up to a cap, and a cap on the response size so a runaway server cannot
 * fill memory. A 4xx other than 408/429 is final: the request itself is wrong.
 */

/** PostOptions tune postJson; `attempts` collects every try for the audit file. */
export interface PostOptions {
  headers?: Record<string, string>;
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  maxResponseBytes?: number;
  attempts: Attempt[];
}

/** PostResult is the final response. */
export interface PostResult {
  status: number;
  text: string;
}

const RETRY_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);
const MAX_RETRY_AFTER_MS = 10_000;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function readCapped(res: Response, max: number, signal: AbortSignal): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const onAbort = () => reader.cancel().catch(() => {});
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (signal.aborted) throw new ProviderError('timed out reading the response');
      size += value.byteLength;
      if (size > max) {
        await reader.cancel();
        throw new ProviderError(`response larger than ${max} bytes`);
      }
      chunks.push(value);
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (signal.aborted) throw new ProviderError('timed out reading the response');
  return Buffer.concat(chunks).toString('utf8');
}

/** postJson POSTs a JSON body and returns the first final response, or throws ProviderError. */
export async function postJson(url: string, body: unknown, options: PostOptions): Promise<PostResult> {
  const payload = JSON.stringify(body);
  let last = 'no attempt made';
  for (let i = 0; i <= options.retries; i++) {
    const started = Date.now();
    const signal = AbortSignal.timeout(options.timeoutMs);
    let res: Response | undefined;
    let text = '';
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...options.headers },
        body: payload,
        signal,
      });
      text = await readCapped(res, options.maxResponseBytes ?? 1024 * 1024, signal);
    } catch (err) {
      last = signal.aborted ? `timed out after ${options.timeoutMs} ms` : describe(err);
      options.attempts.push({
        attempt: i + 1,
        status: res?.status ?? null,
        duration_ms: Date.now() - started,
        error: last,
      });
      if (i < options.retries) await sleep(options.backoffMs * 2 ** i);
      continue;
    }
    options.attempts.push({ attempt: i + 1, status: res.status, duration_ms: Date.now() - started });
    if (res.ok) return { status: res.status, text };
    last = `HTTP ${res.status}`;
    if (!RETRY_STATUS.has(res.status)) throw new ProviderError(last);
    const retryAfter = Number(res.headers.get('retry-after'));
    const retryAfterMs =
      Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, MAX_RETRY_AFTER_MS) : 0;
    if (i < options.retries) await sleep(Math.max(retryAfterMs, options.backoffMs * 2 ** i));
  }
  throw new ProviderError(`${last} (after ${options.retries + 1} attempts)`);
}

function describe(err: unknown): string {
  const e = err as Error & { cause?: Error };
  return e.cause?.message ? `${e.message} (${e.cause.message})` : e.message;
}
