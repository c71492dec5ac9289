import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BenchResult } from './benchfmt.js';
import {
  BenchQueryError,
  baseName,
  nameParts,
  nonSingularFields,
  ProjectionParser,
  parseBenchFilter,
  sortKeys,
} from './benchproc.js';

function result(name: string, config: Record<string, string> = {}, units = ['sec/op']): BenchResult {
  return {
    kind: 'result',
    config: [
      { key: '.file', value: 'f.txt', file: false },
      ...Object.entries(config).map(([key, value]) => ({ key, value, file: true })),
    ],
    name,
    iters: 1,
    values: units.map((unit, i) => ({ value: i + 1, unit })),
    fileName: 'f.txt',
    line: 1,
  };
}

test('benchmark names split into base, sub-name parts and GOMAXPROCS', () => {
  assert.deepEqual(nameParts('Encode/format=json/size=1k-48'), {
    base: 'Encode',
    parts: ['/format=json', '/size=1k', '-48'],
  });
  assert.equal(baseName('Encode/format=json-48'), 'Encode');
  assert.equal(baseName('Encode-8'), 'Encode');
  assert.equal(baseName('Encode-'), 'Encode-');
});

test('filters: key:value, regexps, OR lists, negation and .unit masks', () => {
  const json = result('Encode/format=json-48', { goos: 'linux' }, ['sec/op', 'B/op', 'allocs/op']);
  const gob = result('Encode/format=gob-48', { goos: 'darwin' });
  const f = parseBenchFilter('/format:json goos:linux .unit:(ns/op OR B/op)');
  assert.deepEqual(
    f.apply(json)?.values.map((v) => v.unit),
    ['B/op'],
  );
  assert.equal(f.apply(gob), undefined);
  assert.ok(parseBenchFilter('.name:/^Enc/ -goos:darwin').apply(json));
  assert.equal(parseBenchFilter('.name:/^Enc/ -goos:darwin').apply(gob), undefined);
  assert.ok(parseBenchFilter('goos:darwin OR /format:json').apply(json));
  assert.ok(parseBenchFilter('*').apply(gob));
  assert.ok(parseBenchFilter('"goos":"linux" AND (.fullname:Encode/format=json-48)').apply(json));
});

test('filter syntax errors name the problem and position', () => {
  for (const bad of ['goos', 'goos:(a b)', '(goos:x', 'x:/[/', '.config:x']) {
    assert.throws(() => parseBenchFilter(bad), BenchQueryError, bad);
  }
  assert.throws(() => parseBenchFilter('goos'), /expected key:value \(in 'goos' at column 1\)/);
});

test('projections exclude keys claimed elsewhere from .config and .fullname', () => {
  const filter = parseBenchFilter('*');
  const p = new ProjectionParser();
  const table = p.parseWithUnit('.config', filter);
  const row = p.parse('.fullname', filter);
  const col = p.parse('/format', filter);
  p.parse('note', filter);
  const r = result('Encode/format=json-48', { goos: 'linux', note: 'x' });
  assert.equal(row.project(r).stringValues(), 'Encode-48');
  assert.equal(col.project(r).stringValues(), 'json');
  const [tk] = table.projectValues(r);
  assert.deepEqual(
    tk.proj.flattenedFields().map((f) => `${f.name}=${tk.get(f)}`),
    ['goos=linux', '.unit=sec/op'],
  );
});

test('fixed orders sort and filter; num orders understand prefixes; first is observation order', () => {
  const filter = parseBenchFilter('*');
  const p = new ProjectionParser();
  const fixed = p.parse('/format@(gob json)', filter);
  const num = p.parse('/size@num', filter);
  const first = p.parse('.name', filter);
  const rs = [
    result('B/format=json/size=4k'),
    result('A/format=gob/size=512'),
    result('A/format=xml/size=1Mi'),
  ];
  assert.deepEqual(
    rs.map((r) => filter.apply(r) !== undefined),
    [true, true, false],
  );
  assert.deepEqual(
    sortKeys(rs.slice(0, 2).map((r) => fixed.project(r))).map((k) => k.stringValues()),
    ['gob', 'json'],
  );
  assert.deepEqual(
    sortKeys(rs.map((r) => num.project(r))).map((k) => k.stringValues()),
    ['512', '4k', '1Mi'],
  );
  assert.deepEqual(
    // Equal values intern to one Key object.
    sortKeys([...new Set(rs.map((r) => first.project(r)))]).map((k) => k.stringValues()),
    ['B', 'A'],
  );
  assert.throws(() => p.parse('/x@sideways', filter), /unknown order "sideways"/);
  assert.throws(() => p.parse('.unit', filter), /only allowed in filters/);
});

test('residue reports which hidden fields vary within a cell', () => {
  const filter = parseBenchFilter('*');
  const p = new ProjectionParser();
  p.parse('.name', filter);
  const residue = p.residue();
  const keys = [
    residue.project(result('Encode/format=json-48', { goos: 'linux' })),
    residue.project(result('Encode/format=gob-48', { goos: 'linux' })),
  ];
  assert.deepEqual(
    nonSingularFields(keys).map((f) => f.name),
    ['.fullname'],
  );
});
