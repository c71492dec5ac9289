import { compileFullMatch, UserRegexError } from './safe-regex.js';
import type { LabelMatcher, SeriesLabels } from './types.js';

/**
 * Label selectors as Prometheus and Pyroscope write them: `{name="v", other!~"re.*"}`. A missing
 * label matches as the empty string (so `x=""` selects series without `x`), and regexes are
 * fully anchored, both as in Prometheus. Regexes use RE2 semantics in linear time (safe-regex.ts).
 */

/** compileMatchers turns matchers into one predicate over a label set. */
export function compileMatchers(matchers: readonly LabelMatcher[]): (labels: SeriesLabels) => boolean {
  const tests = matchers.map((m) => {
    if (m.op === '=' || m.op === '!=') {
      const eq = m.op === '=';
      return (labels: SeriesLabels) => ((labels[m.name] ?? '') === m.value) === eq;
    }
    const matches = compileOrSyntaxError(m.value, m.name);
    const positive = m.op === '=~';
    return (labels: SeriesLabels) => matches(labels[m.name] ?? '') === positive;
  });
  return (labels) => tests.every((t) => t(labels));
}

/** SelectorSyntaxError: a selector that does not parse; the HTTP layer answers 400. */
export class SelectorSyntaxError extends Error {}

function compileOrSyntaxError(pattern: string, label: string): (value: string) => boolean {
  try {
    return compileFullMatch(pattern, `bad regex for ${label}`);
  } catch (err) {
    if (err instanceof UserRegexError) throw new SelectorSyntaxError(err.message);
    throw err;
  }
}

/** ParsedSelector is the part before `{` (a profile type ID or `app.suffix`, may be empty) and the matchers. */
export interface ParsedSelector {
  head: string;
  matchers: LabelMatcher[];
}

const NAME = /^[a-zA-Z_][a-zA-Z0-9_.]*$/;

/**
 * parseSelector reads `head{name="value",...}`. Values are double-quoted (with backslash
 * escapes), single-quoted or, as in Pyroscope's legacy `name` parameter, bare up to `,` or `}`.
 * With `quotedValues` (Pyroscope's v1 query API and PromQL), a bare value is a syntax error,
 * so `{service_name=}` is refused instead of selecting the empty string.
 */
export function parseSelector(text: string, options: { quotedValues?: boolean } = {}): ParsedSelector {
  const brace = text.indexOf('{');
  if (brace < 0) return { head: text.trim(), matchers: [] };
  const head = text.slice(0, brace).trim();
  const matchers: LabelMatcher[] = [];
  let i = brace + 1;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  for (;;) {
    skipSpace();
    if (text[i] === '}') break;
    if (i >= text.length) throw new SelectorSyntaxError(`unterminated selector: ${text}`);
    const nameStart = i;
    while (i < text.length && /[a-zA-Z0-9_.]/.test(text[i])) i++;
    const name = text.slice(nameStart, i);
    if (!NAME.test(name)) throw new SelectorSyntaxError(`bad label name at offset ${nameStart}: ${text}`);
    skipSpace();
    const op = /^(=~|!~|!=|=)/.exec(text.slice(i, i + 2))?.[1] as LabelMatcher['op'] | undefined;
    if (!op) throw new SelectorSyntaxError(`expected =, !=, =~ or !~ at offset ${i}: ${text}`);
    i += op.length;
    skipSpace();
    let value = '';
    const quote = text[i];
    if (quote === '"' || quote === "'") {
      i++;
      while (i < text.length && text[i] !== quote) {
        if (text[i] === '\\' && i + 1 < text.length) {
          const c = text[i + 1];
          value += c === 'n' ? '\n' : c === 't' ? '\t' : c;
          i += 2;
        } else value += text[i++];
      }
      if (text[i] !== quote) throw new SelectorSyntaxError(`unterminated string: ${text}`);
      i++;
    } else {
      if (options.quotedValues)
        throw new SelectorSyntaxError(`expected a quoted value at offset ${i}: ${text}`);
      const start = i;
      while (i < text.length && text[i] !== ',' && text[i] !== '}') i++;
      value = text.slice(start, i).trim();
    }
    if (op === '=~' || op === '!~') compileOrSyntaxError(value, name);
    matchers.push({ name, op, value });
    skipSpace();
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new SelectorSyntaxError(`expected , or } at offset ${i}: ${text}`);
  }
  if (text.slice(i + 1).trim() !== '') throw new SelectorSyntaxError(`text after }: ${text}`);
  return { head, matchers };
}
