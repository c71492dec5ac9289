import type { UniversalHandlerFn, UniversalServerResponse } from '@connectrpc/connect/protocol';

/**
 * withDecodeErrorsAsInvalidArgument wraps a Connect handler so a request body that does not
 * decode is the client's fault: connect-es reports an undecodable binary message as `internal`
 * (HTTP 500, its serializer is shared with clients, where a bad message is the server's fault),
 * connect-go and Pyroscope as `invalid_argument`. Only answers whose message says the request
 * did not parse are rewritten: a Connect error body (HTTP 500 -> 400) or gRPC trailers (13 -> 3).
 */
export function withDecodeErrorsAsInvalidArgument(handler: UniversalHandlerFn): UniversalHandlerFn {
  return async (req) => rewrite(await handler(req));
}

const DECODE_FAILURE = /^(\[internal\] )?parse (binary|json)\b/;

async function rewrite(res: UniversalServerResponse): Promise<UniversalServerResponse> {
  const grpcStatus = res.trailer?.get('grpc-status');
  if (
    grpcStatus === '13' &&
    DECODE_FAILURE.test(decodeURIComponent(res.trailer?.get('grpc-message') ?? ''))
  ) {
    res.trailer?.set('grpc-status', '3');
    return res;
  }
  if (res.status !== 500 || !res.body || res.header?.has('content-encoding')) return res;
  const chunks: Uint8Array[] = [];
  for await (const chunk of res.body) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  let error: { code?: unknown; message?: unknown } | undefined;
  try {
    error = JSON.parse(bytes.toString('utf8'));
  } catch {
    error = undefined;
  }
  const decodeFailure =
    error?.code === 'internal' && typeof error.message === 'string' && DECODE_FAILURE.test(error.message);
  const body = decodeFailure ? Buffer.from(JSON.stringify({ ...error, code: 'invalid_argument' })) : bytes;
  res.header?.delete('content-length');
  return { ...res, status: decodeFailure ? 400 : res.status, body: oneChunk(body) };
}

async function* oneChunk(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}
