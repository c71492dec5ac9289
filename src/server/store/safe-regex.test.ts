import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileMatchers, parseSelector, SelectorSyntaxError } from './label-matchers.js';
import { compileFullMatch, UserRegexError } from './safe-regex.js';

test('nested quantifiers run in linear time (a backtracking engine needs hours here)', () => {
  const started = performance.now();
  const { matchers } = parseSelector('{env=~"(a+)+$", pod=~"(a|aa)*c"}');
  const match = compileMatchers(matchers);
  for (let i = 0; i < 1000; i++) match({ env: `${'a'.repeat(60)}b`, pod: 'a'.repeat(60) });
  assert.ok(performance.now() - started < 2000, 'took more than 2 s');
});

test('label regexes stay fully anchored, as in Prometheus', () => {
  const m = compileMatchers(parseSelector('{env=~"prod|stag", x!~"a.*"}').matchers);
  assert.equal(m({ env: 'prod', x: 'b' }), true);
  assert.equal(m({ env: 'production', x: 'b' }), false);
  assert.equal(m({ env: 'stag', x: 'abc' }), false);
  assert.equal(m({ env: 'stag' }), true, 'a missing label matches as the empty string');
});

test('lookaround, backreferences and over-long patterns are refused with a clear error', () => {
  assert.throws(() => parseSelector('{a=~"(?<=x)y"}'), SelectorSyntaxError);
  assert.throws(() => parseSelector('{a=~"(x)\\\\1"}'), /invalid regex \(RE2 syntax\)/);
  assert.throws(() => compileFullMatch('a'.repeat(2000), 'q'), UserRegexError);
});
