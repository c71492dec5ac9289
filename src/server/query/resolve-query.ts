import { formatProfileTypeId, legacyTypeOf, parseProfileTypeId } from '../profile-type.js';
import { parseSelector } from '../store/label-matchers.js';
import type { LabelMatcher } from '../store/types.js';
import { PROFILE_TYPE_LABEL, SERVICE_NAME_LABEL } from '../store/types.js';

/** ResolvedQuery is a render query reduced to what the store understands. */
export interface ResolvedQuery {
  profileType: string;
  matchers: LabelMatcher[];
}

/** QueryError: a query the server cannot read; the HTTP layer answers 400. */
export class QueryError extends Error {}

/**
 * resolveQuery reads a render `query`: `<profileTypeID>{matchers}` (Pyroscope v1 and Grafana),
 * `app.suffix{matchers}` (Pyroscope's legacy UI: service_name=app and the suffix's type), or
 * `{__profile_type__="...", ...}`. Throws QueryError (or SelectorSyntaxError) when it cannot.
 */
export function resolveQuery(query: string): ResolvedQuery {
  const { head, matchers } = parseSelector(query);
  if (head === '') {
    const typeMatcher = matchers.find((m) => m.name === PROFILE_TYPE_LABEL && m.op === '=');
    if (!typeMatcher) throw new QueryError(`query needs a profile type: ${query}`);
    return { profileType: typeMatcher.value, matchers: matchers.filter((m) => m !== typeMatcher) };
  }
  const id = parseProfileTypeId(head);
  if (id) return { profileType: formatProfileTypeId(id), matchers };
  const { service, legacy } = legacyTypeOf(head);
  return {
    profileType: formatProfileTypeId(legacy.type),
    matchers: [{ name: SERVICE_NAME_LABEL, op: '=', value: service }, ...matchers],
  };
}

/** timelineStepNanos picks a step giving at most ~1000 points, never below 10 s. */
export function timelineStepNanos(startNanos: number, endNanos: number): number {
  const minStep = 10e9;
  const span = Math.max(0, endNanos - startNanos);
  return Math.max(minStep, Math.ceil(span / 1000 / 1e9) * 1e9);
}
