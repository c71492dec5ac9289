import { Code, ConnectError } from '@connectrpc/connect';
import { DeadlineExceededError } from '../../model/work-deadline.js';
import { AccessError } from '../access.js';
import { HttpError } from '../context.js';
import { IngestError } from '../ingest/ingest-request.js';
import { DEADLINE_RETRY_AFTER_SECONDS } from '../query/query-deadline-routes.js';
import { QueryLimitError } from '../query/query-limits.js';
import { QueryError } from '../query/resolve-query.js';
import { SelectorSyntaxError } from '../store/label-matchers.js';
import { UserRegexError } from '../store/safe-regex.js';

/**
 * toConnectError turns what the store, ingest and query code throw into the ConnectError the
 * client should see: the HTTP status those errors carry maps to the Connect code with the same
 * meaning (Connect then answers with that code's own HTTP status and a `{code, message}` body in
 * string form, or gRPC status trailers). Unknown errors become `internal` without their message,
 * as the HTTP routes answer `internal error`, so internals never leak to clients.
 */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  const message = (err as Error)?.message ?? String(err);
  if (
    err instanceof QueryError ||
    err instanceof SelectorSyntaxError ||
    err instanceof QueryLimitError ||
    err instanceof UserRegexError
  )
    return new ConnectError(message, Code.InvalidArgument);
  if (err instanceof DeadlineExceededError)
    return new ConnectError(message, Code.Unavailable, {
      'retry-after': String(DEADLINE_RETRY_AFTER_SECONDS),
    });
  if (err instanceof HttpError) return new ConnectError(message, codeOfStatus(err.status), err.headers);
  if (err instanceof IngestError || err instanceof AccessError)
    return new ConnectError(message, codeOfStatus(err.status));
  return new ConnectError('internal error', Code.Internal);
}

/** codeOfStatus is the inverse of Connect's code -> HTTP status table, for the statuses we raise. */
export function codeOfStatus(status: number): Code {
  switch (status) {
    case 401:
      return Code.Unauthenticated;
    case 403:
      return Code.PermissionDenied;
    case 404:
      return Code.NotFound;
    case 408:
      return Code.DeadlineExceeded;
    case 409:
      return Code.AlreadyExists;
    case 413:
    case 429:
      return Code.ResourceExhausted;
    case 501:
      return Code.Unimplemented;
    case 503:
      return Code.Unavailable;
    case 504:
      return Code.DeadlineExceeded;
    default:
      return status >= 500 ? Code.Internal : Code.InvalidArgument;
  }
}
