import assert from 'node:assert/strict';
import { test } from 'node:test';
import { regexShape, regexSourceOfFrame } from './regex-shape.js';

test('regex shape: overlapping or nested quantifiers are risky, plain classes are safe', () => {
  // Documented ReDoS patterns: validator's rtrim (CVE-2021-3765) and a nested quantifier.
  assert.equal(regexShape(String.raw`(\s)+$`), 'risky');
  assert.equal(regexShape('^(a+)+$'), 'risky');
  assert.equal(regexShape(String.raw`^\S*`), 'safe');
  assert.equal(regexShape('^[a-z]+$'), 'safe');
  // Unicode property escapes need the u flag; the check retries with it.
  assert.equal(regexShape(String.raw`^\p{L}+$`), 'safe');
  assert.equal(regexShape('(?<'), 'unknown');
});

test('regex shape: V8 frames carry their pattern source', () => {
  assert.equal(regexSourceOfFrame(String.raw`RegExp: (\s)+$`), String.raw`(\s)+$`);
  assert.equal(regexSourceOfFrame('parse'), undefined);
});
