import assert from 'node:assert/strict';
import { test } from 'node:test';
import { enclosingLoops, iteratesOverCollection, iteratesOverItem } from './loop-nesting.js';

// CPython 3.11 http/cookies.py, _unquote (lines 1.. of this excerpt)
const UNQUOTE = `def _unquote(str):
    if str is None or len(str) < 2:
        return str
    str = str[1:-1]
    i = 0
    n = len(str)
    res = []
    while 0 <= i < n:
        o_match = _OctalPatt.search(str, i)
        q_match = _QuotePatt.search(str, i)
        if not o_match and not q_match:              # Neither matched
            res.append(str[i:])
            break
    return _nulljoin(res)`.split('\n');

// CPython 3.11 difflib.py, SequenceMatcher.find_longest_match (inner loop)
const LONGEST = `    def find_longest_match(self, alo=0, ahi=None, blo=0, bhi=None):
        a, b, b2j, isbjunk = self.a, self.b, self.b2j, self.bjunk.__contains__
        j2len = {}
        nothing = []
        for i in range(alo, ahi):
            # look at all instances of a[i] in b; note that because
            j2lenget = j2len.get
            newj2len = {}
            for j in b2j.get(a[i], nothing):
                # a[i] matches b[j]
                if j < blo:
                    continue
                k = newj2len[j] = j2lenget(j-1, 0) + 1
            j2len = newj2len
        return besti`.split('\n');

// The diagnosis fixtures' clean Mandelbrot: nested counted loops, linear in the pixels drawn.
const MANDELBROT = `def render_mandelbrot(width, height, max_iter):
    rows = []
    for py in range(height):
        row = []
        for px in range(width):
            x = y = 0.0
            n = 0
            while x * x + y * y <= 4.0 and n < max_iter:
                x, y = x * x - y * y + x0, 2 * x * y + y0
                n += 1
        rows.append(''.join(row))
    return rows`.split('\n');

test('Python loops around a line are found by indentation, innermost first', () => {
  const loops = enclosingLoops(UNQUOTE, 1, 9, 'python');
  assert.deepEqual(
    loops.map((l) => [l.line, l.kind]),
    [[8, 'while']],
  );
  assert.deepEqual(enclosingLoops(UNQUOTE, 1, 14, 'python'), []);
  const nested = enclosingLoops(LONGEST, 1, 13, 'python');
  assert.deepEqual(
    nested.map((l) => [l.line, l.variables, l.iterable]),
    [
      [9, ['j'], 'b2j.get(a[i], nothing)'],
      [5, ['i'], 'range(alo, ahi)'],
    ],
  );
  assert.ok(iteratesOverCollection(nested[0]));
  assert.ok(!iteratesOverCollection(nested[1]));
  assert.ok(!iteratesOverItem(nested[0], nested[1]), 'b2j is another input than the outer index');
  const mandel = enclosingLoops(MANDELBROT, 1, 9, 'python');
  assert.deepEqual(
    mandel.map((l) => l.kind),
    ['while', 'for', 'for'],
  );
  assert.ok(!iteratesOverCollection(mandel[0]));
});

test('a loop over the outer loop item is per item, a comprehension or while header counts', () => {
  const rows = `def total(rows):
    s = 0
    for row in rows:
        for cell in row.cells:
            s += cell
    return s`.split('\n');
  const loops = enclosingLoops(rows, 1, 5, 'python');
  assert.ok(iteratesOverCollection(loops[0]));
  assert.ok(iteratesOverItem(loops[0], loops[1]));
  const inline = ['def f(words, text):', '    return [w for w in words if text.find(w) >= 0]'];
  assert.equal(enclosingLoops(inline, 1, 2, 'python').length, 1);
  const header = ['def g(s):', '    while s.find("  ") >= 0:', '        s = s.replace("  ", " ")'];
  assert.equal(enclosingLoops(header, 1, 2, 'python')[0]?.kind, 'while');
});

test('JavaScript loops are found by braces, with brace-less bodies and callbacks', () => {
  // js-yaml 3.12.2 readBlockMapping, shortened: the call sits in `while (ch !== 0) {`
  const yaml = `function readBlockMapping(state, nodeIndent, flowIndent) {
  var _result = {}, ch;
  ch = state.input.charCodeAt(state.position);
  while (ch !== 0) {
    if (state.line === _line || state.lineIndent > nodeIndent) {
      if (!atExplicitKey) {
        storeMappingPair(state, _result, overridableKeys, keyTag, keyNode, valueNode, _line, _pos);
      }
    }
  }
  if (atExplicitKey) {
    storeMappingPair(state, _result, overridableKeys, keyTag, keyNode, null);
  }
  return true;
}`.split('\n');
  assert.deepEqual(
    enclosingLoops(yaml, 1, 7, 'js').map((l) => [l.line, l.kind]),
    [[4, 'while']],
  );
  assert.deepEqual(enclosingLoops(yaml, 1, 12, 'js'), []);
  const js = `function index(items, seen) {
  for (const item of items)
    if (seen.indexOf(item.id) < 0) seen.push(item.id);
  items.forEach((item) => {
    out.push(item.tags.join(','));
  });
  for (let i = 0; i < n; i++) {
    total += i;
  }
}`.split('\n');
  const bare = enclosingLoops(js, 1, 3, 'js');
  assert.deepEqual(
    bare.map((l) => [l.kind, l.variables, l.iterable]),
    [['for', ['item'], 'items']],
  );
  const callback = enclosingLoops(js, 1, 5, 'js');
  assert.deepEqual(
    callback.map((l) => [l.kind, l.variables, l.iterable]),
    [['callback', ['item'], 'items']],
  );
  const counted = enclosingLoops(js, 1, 8, 'js');
  assert.equal(counted[0]?.kind, 'for');
  assert.ok(!iteratesOverCollection(counted[0]));
});
