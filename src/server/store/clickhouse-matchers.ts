import { sqlString } from './sql-escape.js';
import type { LabelMatcher } from './types.js';

/**
 * Label matchers as ClickHouse conditions over the `series` table, so selection happens in the
 * engine. Semantics follow label-matchers.ts (Prometheus): a missing label is '' (ClickHouse's
 * `arr[0]` is the type's default, and indexOf gives 0 when absent), and regexes are fully
 * anchored (see `anchored`) for RE2, which accepts the regex syntax agents send
 * (no lookaround or backreferences, which RE2 refuses with an error rather than a wrong answer).
 */

/** labelValueSql is the value of one label of a series row, '' when absent. */
export function labelValueSql(name: string): string {
  return `arrayElement(label_values, indexOf(label_names, ${sqlString(name)}))`;
}

/** matcherSql is one matcher as a boolean expression. */
export function matcherSql(m: LabelMatcher): string {
  const value = labelValueSql(m.name);
  switch (m.op) {
    case '=':
      return `${value} = ${sqlString(m.value)}`;
    case '!=':
      return `${value} != ${sqlString(m.value)}`;
    case '=~':
      return `match(${value}, ${sqlString(anchored(m.value))})`;
    case '!~':
      return `NOT match(${value}, ${sqlString(anchored(m.value))})`;
    default:
      throw new Error(`unknown matcher op ${(m as LabelMatcher).op}`);
  }
}

/**
 * anchored wraps a regex for RE2 as JavaScript reads it: fully anchored, and `(?-s)` because
 * ClickHouse compiles patterns with dot-matches-newline on, where JavaScript (and Prometheus)
 * keep `.` off line breaks.
 */
export function anchored(regex: string): string {
  return `(?-s)^(?:${regex})$`;
}

/** seriesWhereSql is the WHERE body selecting a tenant's series by matchers (and profile type). */
export function seriesWhereSql(
  tenant: string,
  matchers: readonly LabelMatcher[],
  profileType?: string,
): string {
  const conds = [`tenant = ${sqlString(tenant)}`];
  if (profileType !== undefined) conds.push(`profile_type = ${sqlString(profileType)}`);
  for (const m of matchers) conds.push(matcherSql(m));
  return conds.join(' AND ');
}
