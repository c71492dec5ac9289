/// <reference lib="dom" />
/**
 * The UI's one way to call the server. Failures become an ApiFailure whose `kind` picks the
 * empty/error state the page shows: the server is unreachable, it wants a token, the query is too
 * large, or the request itself was wrong. Embedded in the page with Function.prototype.toString.
 */

/** ApiFailure is a failed call, classified for the reader. */
export interface ApiFailure {
  kind: 'unreachable' | 'auth' | 'too-large' | 'bad-request' | 'server';
  status: number;
  message: string;
}

/** apiToken is the read token the user typed after a 401 (kept for this tab only). */
export function apiToken(): string {
  try {
    return sessionStorage.getItem('autoprof.token') ?? '';
  } catch {
    return '';
  }
}

/** fetchApi GETs a path with query parameters and parses JSON; it rejects with an ApiFailure. */
export async function fetchApi<T>(
  path: string,
  params: Record<string, string>,
  signal?: AbortSignal,
): Promise<T> {
  const url = `${path}?${new URLSearchParams(params).toString()}`;
  const headers: Record<string, string> = {};
  const token = apiToken();
  if (token) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(url, { headers, signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    const failure: ApiFailure = {
      kind: 'unreachable',
      status: 0,
      message:
        'The autoprof server is unreachable. Is it running? The page retries when you change the view.',
    };
    throw failure;
  }
  if (response.ok) return (await response.json()) as T;
  let message = `HTTP ${response.status}`;
  try {
    const body = (await response.json()) as { message?: string };
    if (body.message) message = body.message;
  } catch {
    // A proxy's HTML error page: the status says enough.
  }
  const kind: ApiFailure['kind'] =
    response.status === 401 || response.status === 403
      ? 'auth'
      : response.status === 413 || /too large/i.test(message)
        ? 'too-large'
        : response.status >= 500
          ? 'server'
          : 'bad-request';
  const failure: ApiFailure = { kind, status: response.status, message };
  throw failure;
}

/** isApiFailure tells an ApiFailure from an abort or a programming error. */
export function isApiFailure(err: unknown): err is ApiFailure {
  return typeof err === 'object' && err !== null && 'kind' in err && 'status' in err;
}

/** failureTitle is the headline of an error state. */
export function failureTitle(f: ApiFailure): string {
  switch (f.kind) {
    case 'unreachable':
      return 'Server unreachable';
    case 'auth':
      return 'This server needs a read token';
    case 'too-large':
      return 'Query too large';
    case 'bad-request':
      return 'The server could not read this query';
    default:
      return 'The server failed to answer';
  }
}
