/**
 * SQL literals for ClickHouse, built by hand because ClickHouse 18.16 (Debian 12's package) has
 * no query parameters: every value a user controls (tenant, label names and values, regexes,
 * frame names in lookups) reaches SQL through exactly these functions and nowhere else.
 *
 * ClickHouse's lexer reads a backslash escape in both quoted strings and quoted identifiers
 * (`\\`, `\'`, `` \` ``, `\n`, `\t`, `\r`, `\0`, `\b`, `\f`), and ends the token at the first
 * unescaped quote. So escaping the backslash first, then the quote, then the control characters
 * (so logs and error messages stay on one line) is enough for any JavaScript string: the result
 * can never close the literal early. Strings are sent as UTF-8; a lone surrogate becomes U+FFFD
 * in the encoder, never a quote.
 */

const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '`': '\\`',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\0': '\\0',
  '\b': '\\b',
  '\f': '\\f',
};

function escapeBody(text: string): string {
  return text.replace(/[\\'`\n\r\t\0\b\f]/g, (c) => ESCAPES[c]);
}

/** sqlString quotes text as a ClickHouse string literal: `'...'`. */
export function sqlString(text: string): string {
  return `'${escapeBody(String(text))}'`;
}

/** sqlIdentifier quotes a database, table or cluster name: `` `...` ``. */
export function sqlIdentifier(name: string): string {
  if (name === '') throw new Error('empty SQL identifier');
  return `\`${escapeBody(String(name))}\``;
}

/** sqlStringArray is an array literal of strings: `['a', 'b']`. */
export function sqlStringArray(values: readonly string[]): string {
  return `[${values.map(sqlString).join(', ')}]`;
}

/**
 * sqlInt renders an integer literal. Nanosecond times (~1.7e18) are past 2^53, so numbers are
 * rounded and printed through BigInt, never in exponent form; anything else is refused.
 */
export function sqlInt(value: number | bigint | string): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') {
    if (!/^-?\d+$/.test(value)) throw new Error(`not an integer: ${JSON.stringify(value)}`);
    return value;
  }
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return BigInt(Math.round(value)).toString();
}
