import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type BenchResult,
  configValue,
  formatSyntaxError,
  parseBenchInputs,
  parseBenchText,
  type UnitMetadata,
  unitAssumption,
} from './benchfmt.js';

const results = (text: string, units: UnitMetadata = new Map()) =>
  parseBenchText(text, 'f.txt', { '.file': 'f.txt' }, units).filter(
    (r): r is BenchResult => r.kind === 'result',
  );

test('benchmark lines: name, iterations, tidied values', () => {
  const [r] = results('BenchmarkEncode/format=json-48   690848\t 1726 ns/op  32 B/op  3.5 MB/s\n');
  assert.equal(r.name, 'Encode/format=json-48');
  assert.equal(r.iters, 690848);
  assert.deepEqual(r.values, [
    { value: 1726e-9, unit: 'sec/op', origValue: 1726, origUnit: 'ns/op' },
    { value: 32, unit: 'B/op' },
    { value: 3.5e6, unit: 'B/s', origValue: 3.5, origUnit: 'MB/s' },
  ]);
  assert.equal(r.line, 1);
});

test('configuration lines apply to later results; an empty value deletes the key', () => {
  const rs = results(
    'goos: linux\ngoarch: amd64\nBenchmarkA 1 1 x\ngoos:\nnote: hi there\r\nBenchmarkB 1 2 x\n',
  );
  assert.deepEqual(
    rs[0].config.map((c) => [c.key, c.value, c.file]),
    [
      ['.file', 'f.txt', false],
      ['goos', 'linux', true],
      ['goarch', 'amd64', true],
    ],
  );
  assert.equal(configValue(rs[1], 'goos'), '');
  assert.equal(configValue(rs[1], 'note'), 'hi there');
  // Not configuration: upper case, spaces in the key, no blank after the colon.
  assert.equal(results('Goos: x\nBenchmarkA 1 1 x').at(0)?.config.length, 1);
  assert.equal(results('my key: x\nBenchmarkA 1 1 x').at(0)?.config.length, 1);
  assert.equal(results('url:http://x\nBenchmarkA 1 1 x').at(0)?.config.length, 1);
});

test('malformed benchmark lines become syntax errors and reading continues', () => {
  const recs = parseBenchText(
    'BenchmarkA\nBenchmarkB x 1 ns/op\nBenchmarkC 1\nBenchmarkD 1 zz ns/op\nBenchmarkE 1 5\nBenchmarkF 2 7 ns/op\n',
    'bad.txt',
    {},
    new Map(),
  );
  const errors = recs.filter((r) => r.kind === 'syntax-error').map((r) => formatSyntaxError(r as never));
  assert.deepEqual(errors, [
    'bad.txt:2: parsing iteration count: invalid syntax',
    'bad.txt:3: missing measurements',
    'bad.txt:4: parsing measurement: invalid syntax',
    'bad.txt:5: missing units',
  ]);
  assert.equal(recs.filter((r) => r.kind === 'result').length, 1);
});

test('unit metadata lines set assumptions across files and reject conflicts', () => {
  const units: UnitMetadata = new Map();
  parseBenchText('Unit text-bytes assume=exact\nUnit ns/op better=lower\n', 'a', {}, units);
  assert.equal(unitAssumption(units, 'text-bytes'), 'exact');
  assert.equal(unitAssumption(units, 'sec/op'), 'nothing');
  const recs = parseBenchText('Unit text-bytes assume=nothing junk\n', 'b', {}, units);
  assert.deepEqual(
    recs.map((r) => (r.kind === 'syntax-error' ? r.message : '')),
    ['metadata assume of unit text-bytes already set to exact', 'expected key=value'],
  );
});

test('inputs: labels and disambiguation of repeated paths', () => {
  assert.deepEqual(parseBenchInputs(['O=old.txt', 'new.txt']), [
    { path: 'old.txt', label: 'O' },
    { path: 'new.txt', label: 'new.txt' },
  ]);
  assert.deepEqual(
    parseBenchInputs(['a.txt', 'a.txt']).map((i) => i.label),
    ['a.txt#0', 'a.txt#1'],
  );
});
