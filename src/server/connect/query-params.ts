import { Code, ConnectError } from '@connectrpc/connect';
import { parseProfileTypeId } from '../profile-type.js';
import { checkTimeRange, clampMaxNodes, type QueryLimits } from '../query/query-limits.js';
import { parseSelector } from '../store/label-matchers.js';
import type { LabelMatcher, SelectQuery, TimeRange } from '../store/types.js';

/**
 * Readers for the fields the querier.v1 requests share. Times are Unix milliseconds (int64,
 * bigint here); selectors are Pyroscope's, with quoted values only. Anything malformed is an
 * `invalid_argument`, as in Pyroscope.
 */

/** MAX_SELECTORS bounds the store queries one request fans out to. */
const MAX_SELECTORS = 100;

/** DEFAULT_MAX_NODES is Pyroscope's default flame graph size when a request does not say. */
export const DEFAULT_MAX_NODES = 8192;

export function invalidArgument(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}

/** optionalRange: both ends set means that range; none (zeros) means unbounded. */
export function optionalRange(start: bigint, end: bigint, limits: QueryLimits): TimeRange | undefined {
  if (start === 0n && end === 0n) return undefined;
  return requiredRange(start, end, limits);
}

/**
 * requiredRange: a missing end is now, a missing start one hour before the end; the range must
 * lie within the server's query limits (the same check the HTTP routes make).
 */
export function requiredRange(start: bigint, end: bigint, limits: QueryLimits): TimeRange {
  const endMs = end === 0n ? Date.now() : Number(end);
  const startMs = start === 0n ? endMs - 3600_000 : Number(start);
  if (startMs < 0 || endMs <= startMs) throw invalidArgument(`end (${end}) must be after start (${start})`);
  return checkTimeRange({ startNanos: startMs * 1e6, endNanos: endMs * 1e6 }, limits);
}

/** selectorMatchers reads one label selector (`{a="b"}`, `{}` or empty) into matchers. */
export function selectorMatchers(selector: string): LabelMatcher[] {
  if (selector.trim() === '') return [];
  const { head, matchers } = parseSelector(selector, { quotedValues: true });
  if (head !== '') throw invalidArgument(`a label selector starts with '{': ${selector}`);
  return matchers;
}

/** selectorList reads `matchers` (selectors ORed); none means every series. */
export function selectorList(selectors: readonly string[]): LabelMatcher[][] {
  if (selectors.length === 0) return [[]];
  if (selectors.length > MAX_SELECTORS) throw invalidArgument(`more than ${MAX_SELECTORS} matchers`);
  return selectors.map(selectorMatchers);
}

/** profileTypeOf checks `<name>:<sample type>:<sample unit>:<period type>:<period unit>`. */
export function profileTypeOf(id: string): string {
  if (id === '') throw invalidArgument('profile_typeID is required');
  if (!parseProfileTypeId(id)) throw invalidArgument(`invalid profile type ID: ${id}`);
  return id;
}

/** selectQueryOf reads the profile type, selector and range of a Select* request. */
export function selectQueryOf(
  req: {
    profileTypeID: string;
    labelSelector: string;
    start: bigint;
    end: bigint;
  },
  limits: QueryLimits,
): SelectQuery {
  return {
    profileType: profileTypeOf(req.profileTypeID),
    matchers: selectorMatchers(req.labelSelector),
    ...requiredRange(req.start, req.end, limits),
  };
}

/** maxNodesOf: absent or non-positive means Pyroscope's default; never above the server's limit. */
export function maxNodesOf(maxNodes: bigint | undefined, limits: QueryLimits): number {
  const requested = maxNodes === undefined ? 0 : Number(maxNodes);
  return clampMaxNodes(requested, DEFAULT_MAX_NODES, limits);
}

/** sortedUnion merges sorted lists of names without duplicates. */
export function sortedUnion(lists: readonly string[][]): string[] {
  if (lists.length === 1) return lists[0];
  return [...new Set(lists.flat())].sort();
}
