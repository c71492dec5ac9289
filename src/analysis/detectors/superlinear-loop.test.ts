import assert from 'node:assert/strict';
import { test } from 'node:test';
import { enclosingLoops } from '../features/loop-nesting.js';
import { shapeOf } from './superlinear-loop.js';

// Each case: a real function's lines, the hot line, and the shape the detector must read.
function shape(src: string, hot: number, caller?: { name: string; src: string; line: number }) {
  const lines = src.split('\n');
  const language = /^\s*(def|class)\s/.test(lines[0]) ? 'python' : 'js';
  const callerLines = caller?.src.split('\n');
  return shapeOf(
    lines[hot - 1].trim(),
    language,
    'f',
    enclosingLoops(lines, 1, hot, language),
    caller && callerLines
      ? { name: caller.name, loops: enclosingLoops(callerLines, 1, caller.line, language) }
      : undefined,
  );
}

test('a regex search from an offset inside a while loop is a quadratic scan (CPython http.cookies._unquote)', () => {
  const src = `def _unquote(str):
    i = 0
    n = len(str)
    res = []
    while 0 <= i < n:
        o_match = _OctalPatt.search(str, i)
        q_match = _QuotePatt.search(str, i)`;
  const s = shape(src, 6);
  assert.equal(s?.kind, 'scan-in-loop');
  assert.equal(s?.op?.what, 'regex search');
  assert.equal(s?.severity(0.9), 'high');
});

test("a scan repeated by the library caller's loop counts (CPython html.parser goahead -> parse_comment)", () => {
  const callee = `    def parse_comment(self, i, report=1):
        rawdata = self.rawdata
        if rawdata[i:i+4] != '<!--':
            raise AssertionError('unexpected call to parse_comment()')
        match = _commentclose.search(rawdata, i+4)`;
  const goahead = `    def goahead(self, end):
        rawdata = self.rawdata
        i = 0
        n = len(rawdata)
        while i < n:
            startswith = rawdata.startswith
            if startswith('<', i):
                if starttagopen.match(rawdata, i): # < + letter
                    k = self.parse_starttag(i)
                elif startswith("<!--", i):
                    k = self.parse_comment(i)`;
  const s = shape(callee, 5, { name: 'HTMLParser.goahead', src: goahead, line: 11 });
  assert.equal(s?.kind, 'scan-in-caller-loop');
  assert.equal(s?.loopOwner, 'HTMLParser.goahead');
  // Weaker evidence than a loop in the same function: at most medium.
  assert.equal(s?.severity(0.9), 'medium');
  assert.equal(shape(callee, 5), undefined, 'no loop anywhere: one scan is linear');
});

test('String() of a container called from a parsing loop counts (js-yaml 3.12.2 storeMappingPair)', () => {
  const store = `function storeMappingPair(state, _result, overridableKeys, keyTag, keyNode, valueNode, startLine, startPos) {
  var index, quantity;

  keyNode = String(keyNode);`;
  const reader = `function readBlockMapping(state, nodeIndent, flowIndent) {
  ch = state.input.charCodeAt(state.position);
  while (ch !== 0) {
    if (!atExplicitKey) {
      storeMappingPair(state, _result, overridableKeys, keyTag, keyNode, valueNode, _line, _pos);
    }
  }
}`;
  const s = shape(store, 4, { name: 'readBlockMapping', src: reader, line: 5 });
  assert.equal(s?.kind, 'scan-in-caller-loop');
  assert.equal(s?.op?.subject, 'keyNode');
});

test('a line in a loop over one collection nested in a loop over another is a product (difflib find_longest_match)', () => {
  const src = `    def find_longest_match(self, alo=0, ahi=None, blo=0, bhi=None):
        j2len = {}
        for i in range(alo, ahi):
            j2lenget = j2len.get
            newj2len = {}
            for j in b2j.get(a[i], nothing):
                if j < blo:
                    continue
                k = newj2len[j] = j2lenget(j-1, 0) + 1`;
  const s = shape(src, 9);
  assert.equal(s?.kind, 'nested-loops');
  assert.equal(s?.severity(0.9), 'medium');
  assert.equal(s?.severity(0.3), 'low');
});

test('linear programs keep no super-linear shape', () => {
  // Per-item work: splitting each line of a file, the cells of each row.
  const perLine = `def parse(lines):
    out = []
    for line in lines:
        fields = line.split(',')
        out.append(fields)`;
  assert.equal(shape(perLine, 4), undefined);
  const cells = `def total(rows):
    s = 0
    for row in rows:
        for cell in row.cells:
            s += cell.value`;
  assert.equal(shape(cells, 5), undefined);
  // The diagnosis fixtures' clean Mandelbrot: counted loops, linear in pixels.
  const mandel = `def render_mandelbrot(width, height, max_iter):
    for py in range(height):
        for px in range(width):
            while x * x + y * y <= 4.0 and n < max_iter:
                x, y = x * x - y * y + x0, 2 * x * y + y0`;
  assert.equal(shape(mandel, 5), undefined);
  // Pygments 2.14 RegexLexer.get_tokens_unprocessed: every rule of a fixed table at each
  // position, linear in the text (its ReDoS is in the regexes, not in these loops).
  const lexer = `    def get_tokens_unprocessed(self, text, stack=('root',)):
        pos = 0
        statetokens = tokendefs[statestack[-1]]
        while 1:
            for rexmatch, action, new_state in statetokens:
                m = rexmatch(text, pos)`;
  assert.equal(shape(lexer, 6), undefined);
  // CPython csv.DictReader.__next__: no scan, no loop around the hot line.
  const dictReader = `    def __next__(self):
        if self.line_num == 0:
            self.fieldnames
        row = next(self.reader)
        self.line_num = self.reader.line_num
        while row == []:
            row = next(self.reader)
        d = dict(zip(self.fieldnames, row))`;
  assert.equal(shape(dictReader, 8), undefined);
  // marked 12 Lexer.blockTokens: substring is O(1) in V8.
  const marked = `function blockTokens(src, tokens = []) {
  while (src) {
    if (token = this.tokenizer.space(src)) {
      src = src.substring(token.raw.length);
    }
  }
}`;
  assert.equal(shape(marked, 4), undefined);
});
