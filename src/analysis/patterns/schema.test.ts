import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPatterns } from './loader.js';
import { formatProblem, parsePatternFile } from './schema.js';

const valid = `patterns:
  - id: my-pattern
    category: regex
    runtimes: [python]
    title: T
    description: D
    condition:
      frames:
        - function: '^_compile$'
      total_share: {min: 0.05}
    severity:
      - {level: medium, total_share: {min: 0.2}}
      - {level: low}
    suggestions: [Do less]
    verify: V
`;

test('the built-in knowledge base is valid and has 40+ patterns over every runtime', () => {
  const set = loadPatterns();
  assert.deepEqual(set.problems, []);
  assert.ok(set.patterns.length >= 40, `${set.patterns.length} patterns`);
  for (const r of ['node', 'python', 'jvm', 'go', 'native'])
    assert.ok(
      set.patterns.some((p) => p.runtimes.includes(r as never)),
      `a ${r} pattern`,
    );
});

test('a valid file compiles its regexes and defaults', () => {
  const r = parsePatternFile('x.yaml', valid);
  assert.deepEqual(r.problems, []);
  assert.equal(r.patterns[0].condition.sample, 'cpu');
  assert.ok(r.patterns[0].condition.frames[0].function.test('_compile'));
  assert.equal(r.patterns[0].origin.line, 2);
});

test('problems are one line each with file:line and the path', () => {
  const bad = valid
    .replace('category: regex', 'category: regexes')
    .replace("'^_compile$'", "'(open'")
    .replace('{min: 0.05}', '{min: 5}')
    .replace('      - {level: low}\n', '      - {level: low, total_share: {min: 0.1}}\n');
  const r = parsePatternFile('bad.yaml', bad);
  const lines = r.problems.map(formatProblem);
  assert.equal(r.patterns.length, 0);
  assert.ok(
    lines.some((l) => l.startsWith('bad.yaml:3: patterns[0].category: must be one of')),
    lines.join('\n'),
  );
  assert.ok(
    lines.some((l) =>
      l.startsWith('bad.yaml:9: patterns[0].condition.frames[0].function: invalid regular expression'),
    ),
  );
  assert.ok(
    lines.some((l) => /^bad\.yaml:10: patterns\[0\]\.condition\.total_share\.min: a share is 0\.\.1/.test(l)),
  );
  assert.ok(
    lines.some((l) =>
      l.startsWith('bad.yaml:13: patterns[0].severity[1]: the last rule must be unconditional'),
    ),
  );
  for (const l of lines) assert.ok(!l.includes('\n'));
});

test('no finding without numbers: frames need a share threshold; unknown keys and duplicate ids fail', () => {
  const noShare = valid.replace('      total_share: {min: 0.05}\n', '');
  assert.match(
    parsePatternFile('a.yaml', noShare).problems.map(formatProblem).join('\n'),
    /needs total_share or self_share/,
  );
  const extra = valid.replace('    verify: V\n', '    verify: V\n    colour: red\n');
  assert.match(
    parsePatternFile('a.yaml', extra).problems.map(formatProblem).join('\n'),
    /a\.yaml:16: patterns\[0\]\.colour: unknown key/,
  );
  const twice = `${valid}${valid.replace('patterns:\n', '')}`;
  assert.match(
    parsePatternFile('a.yaml', twice).problems.map(formatProblem).join('\n'),
    /duplicate id 'my-pattern'/,
  );
  assert.match(
    parsePatternFile('a.yaml', 'patterns: [').problems.map(formatProblem).join('\n'),
    /^a\.yaml:\d+: YAML: /,
  );
});

test('a severity rule may require backtracking evidence; the key takes only a boolean', () => {
  const ok = parsePatternFile(
    'x.yaml',
    valid.replace(
      '{level: medium, total_share: {min: 0.2}}',
      '{level: medium, total_share: {min: 0.2}, backtracking: true}',
    ),
  );
  assert.deepEqual(ok.problems, []);
  assert.equal(ok.patterns[0].severity[0].backtracking, true);
  const bad = parsePatternFile(
    'x.yaml',
    valid.replace('{level: medium, total_share: {min: 0.2}}', '{level: medium, backtracking: yes please}'),
  );
  assert.match(bad.problems.map(formatProblem).join('\n'), /backtracking.*true or false/);
});
