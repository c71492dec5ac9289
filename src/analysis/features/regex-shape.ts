/**
 * Whether a regular expression's shape lets a backtracking engine (V8's irregexp, PCRE, Java,
 * Python's re) take super-linear time: nested or overlapping quantifiers, alternatives that
 * match the same text. A hot regex of a safe shape is doing linear work; only a risky shape
 * makes "regex matching is hot" a defect. redos-detector walks the pattern's backtracking
 * paths within a step and time budget.
 */
import { isSafePattern } from 'redos-detector';

/** CHECK_TIMEOUT_MS bounds one pattern's check; few patterns are hot enough to be checked. */
const CHECK_TIMEOUT_MS = 100;

/** RegexShape: `risky` when backtracking can blow up or could not be ruled out in the budget. */
export type RegexShape = 'risky' | 'safe' | 'unknown';

const cache = new Map<string, RegexShape>();

function check(source: string, unicode: boolean): RegexShape {
  const result = isSafePattern(source, { timeout: CHECK_TIMEOUT_MS, unicode });
  return result.safe ? 'safe' : 'risky';
}

/**
 * regexShape classifies a pattern source. A pattern the checker cannot parse (a syntax of
 * another engine) is `unknown`; one it could not clear within its budget counts as risky, as
 * the checker itself reports it: such patterns are the complex, overlapping ones.
 */
export function regexShape(source: string): RegexShape {
  const cached = cache.get(source);
  if (cached) return cached;
  let shape: RegexShape = 'unknown';
  for (const unicode of [false, true]) {
    try {
      shape = check(source, unicode);
      break;
    } catch {
      shape = 'unknown';
    }
  }
  cache.set(source, shape);
  return shape;
}

/** V8_REGEX_FRAME: V8 names compiled regex code after its source (`RegExp: ^\s+$`). */
const V8_REGEX_FRAME = /^RegExp: ([\s\S]+)$/;

/** regexSourceOfFrame: the pattern a frame is executing, when the frame's name says it. */
export function regexSourceOfFrame(name: string): string | undefined {
  return V8_REGEX_FRAME.exec(name)?.[1];
}
