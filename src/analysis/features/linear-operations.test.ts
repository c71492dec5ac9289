import assert from 'node:assert/strict';
import { test } from 'node:test';
import { languageOf, linearOperation } from './linear-operations.js';

test('languageOf reads Python and JavaScript files, file URLs included', () => {
  assert.equal(languageOf('/usr/lib/python3.11/http/cookies.py'), 'python');
  assert.equal(languageOf('file:///srv/app/node_modules/js-yaml/lib/js-yaml/loader.js'), 'js');
  assert.equal(languageOf('/srv/app/render.mjs'), 'js');
  assert.equal(languageOf('/srv/app/Main.java'), undefined);
});

test('Python scans, copies and serialisations are recognised with what they scan', () => {
  // CPython 3.11 http/cookies.py _unquote (CVE-2024-7592)
  assert.deepEqual(
    { ...linearOperation('o_match = _OctalPatt.search(str, i)', 'python'), instead: '' },
    { what: 'regex search', subject: 'str', instead: '' },
  );
  // CPython 3.11 _markupbase.py parse_comment (CVE-2025-6069)
  assert.equal(linearOperation('match = _commentclose.search(rawdata, i+4)', 'python')?.subject, 'rawdata');
  // CPython 3.11 html/parser.py goahead
  assert.equal(linearOperation("j = rawdata.find('<', i)", 'python')?.what, 'linear search');
  assert.equal(linearOperation("parts = line.split(',')", 'python')?.subject, 'line');
  assert.equal(linearOperation("text = ''.join(parts)", 'python')?.subject, 'parts');
  assert.equal(linearOperation('rest = buf[pos:]', 'python')?.what, 'slice copy to the end');
  assert.equal(linearOperation('item = queue.pop(0)', 'python')?.what, 'front insert/removal on a list');
});

test('anchored matches, bounded slices and mentions in text or comments are not scans', () => {
  // re.match stops at the first mismatch: CPython html/parser.py `starttagopen.match(rawdata, i)`
  assert.equal(linearOperation('if starttagopen.match(rawdata, i): # < + letter', 'python'), undefined);
  // http/cookies.py: a three-character slice
  assert.equal(linearOperation('res.append(chr(int(str[j+1:j+4], 8)))', 'python'), undefined);
  assert.equal(linearOperation('str = str[1:-1]', 'python'), undefined);
  assert.equal(linearOperation("log('call .find( here')  # s.find(x)", 'python'), undefined);
  // difflib find_longest_match's inner line does no scan of its own
  assert.equal(linearOperation('k = newj2len[j] = j2lenget(j-1, 0) + 1', 'python'), undefined);
});

test('JavaScript builtins that walk a whole container are recognised; O(1) string slicing is not', () => {
  // js-yaml 3.12.2 loader.js storeMappingPair (issue #475)
  assert.deepEqual(
    { ...linearOperation('keyNode = String(keyNode);', 'js'), instead: '' },
    { what: 'conversion of a whole container', subject: 'keyNode', instead: '' },
  );
  assert.equal(linearOperation('if (seen.indexOf(id) === -1) seen.push(id);', 'js')?.subject, 'seen');
  assert.equal(linearOperation('const first = queue.shift();', 'js')?.what, 'shift of every array element');
  assert.equal(linearOperation('const snapshot = JSON.stringify(state);', 'js')?.subject, 'state');
  // marked 12 Lexer.blockTokens: V8 substrings are sliced strings, O(1)
  assert.equal(linearOperation('src = src.substring(token.raw.length);', 'js'), undefined);
  assert.equal(linearOperation("const label = String('x') // String(big)", 'js'), undefined);
});
