import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sqlIdentifier, sqlInt, sqlString, sqlStringArray } from './sql-escape.js';

// clickhouse.test.ts sends the same kind of strings through a real server; these pin the text.

/** unquote reads a literal back the way ClickHouse's lexer does, to prove it cannot end early. */
function unquote(literal: string, quote: string): string {
  assert.equal(literal[0], quote);
  let out = '';
  let i = 1;
  const map: Record<string, string> = { n: '\n', r: '\r', t: '\t', '0': '\0', b: '\b', f: '\f' };
  for (; i < literal.length; i++) {
    const c = literal[i];
    if (c === '\\') {
      const e = literal[++i];
      out += map[e] ?? e;
    } else if (c === quote) break;
    else out += c;
  }
  assert.equal(i, literal.length - 1, `literal ends at its last character: ${literal}`);
  return out;
}

const NASTY = [
  '',
  "'",
  "\\'",
  "\\\\'",
  "x'; DROP DATABASE d; --",
  '`',
  '\\`',
  'a\nb\rc\td\0e\bf\fg',
  'é€😀',
  '\ud800',
  "''''",
  '\\',
];

test('sqlString: every string round-trips and cannot close the literal early', () => {
  for (const s of NASTY) assert.equal(unquote(sqlString(s), "'"), s);
  assert.equal(sqlString("it's"), "'it\\'s'");
  assert.equal(sqlString('a\\b'), "'a\\\\b'");
  assert.equal(sqlString('line\nnext'), "'line\\nnext'");
});

test('sqlIdentifier: backquoted, same escapes, empty refused', () => {
  for (const s of NASTY.filter((x) => x !== '')) assert.equal(unquote(sqlIdentifier(s), '`'), s);
  assert.equal(sqlIdentifier('my`db'), '`my\\`db`');
  assert.throws(() => sqlIdentifier(''));
});

test('sqlStringArray and sqlInt', () => {
  assert.equal(sqlStringArray(['a', "b'"]), "['a', 'b\\'']");
  assert.equal(sqlStringArray([]), '[]');
  assert.equal(sqlInt(1_700_000_000_000_000_000), '1700000000000000000');
  assert.equal(sqlInt(2.6), '3');
  assert.equal(sqlInt(12n), '12');
  assert.equal(sqlInt('18446744073709551615'), '18446744073709551615');
  assert.throws(() => sqlInt('1; DROP'));
  assert.throws(() => sqlInt(Number.NaN));
  assert.throws(() => sqlInt(Number.POSITIVE_INFINITY));
});
