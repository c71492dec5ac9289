import { RE2JS } from 're2js';

/**
 * User-supplied regexes (label matchers `=~`/`!~`, and any other pattern a request carries) are
 * compiled with RE2JS, a linear-time engine with RE2 semantics — what Prometheus, Pyroscope and
 * ClickHouse use — so a pattern such as `(a+)+$` costs time proportional to the input, never
 * exponential backtracking on the event loop. Backreferences and lookaround do not exist in RE2
 * and are refused, as Prometheus refuses them.
 */

/** MAX_USER_REGEX_LENGTH bounds the compiled program (RE2 is linear in pattern x input). */
export const MAX_USER_REGEX_LENGTH = 1024;

/** UserRegexError: a pattern that is invalid in RE2 syntax or too long; the HTTP layer answers 400. */
export class UserRegexError extends Error {}

/** FullMatcher tests whether the whole of a string matches (Prometheus anchors label regexes). */
export type FullMatcher = (value: string) => boolean;

/** compileFullMatch compiles `pattern` anchored at both ends; throws UserRegexError when it cannot. */
export function compileFullMatch(pattern: string, what: string): FullMatcher {
  const re = compileUserRegex(pattern, what);
  return (value) => re.matches(value);
}

/** compileUserRegex compiles an unanchored RE2 pattern (for `find`-style searches). */
export function compileUserRegex(pattern: string, what: string): RE2JS {
  if (pattern.length > MAX_USER_REGEX_LENGTH) {
    throw new UserRegexError(
      `${what}: regex longer than ${MAX_USER_REGEX_LENGTH} characters (${pattern.length})`,
    );
  }
  try {
    return RE2JS.compile(pattern);
  } catch (err) {
    throw new UserRegexError(`${what}: invalid regex (RE2 syntax): ${(err as Error).message}`);
  }
}
