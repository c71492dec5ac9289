import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FormatError } from '../errors.js';
import { frameNamesRootFirst } from '../model/profile.js';
import { v8HeapprofileImporter } from './v8-heapprofile.js';

const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const load = (v: unknown) => v8HeapprofileImporter.importProfiles(enc(v), { source: 'x.heapprofile' });

function node(functionName: string, selfSize: number, children: unknown[] = [], lineNumber = -1, url = '') {
  return {
    callFrame: { functionName, url, lineNumber, columnNumber: -1, scriptId: '1' },
    selfSize,
    children,
  };
}

const doc = {
  head: node('(root)', 0, [
    node(
      'main',
      100,
      [node('', 2048, [], 9, 'file:///srv/app.js'), node('alloc', 0)],
      0,
      'file:///srv/app.js',
    ),
    node('(V8 API)', 7),
  ]),
  samples: [{ size: 100, nodeId: 2, ordinal: 1 }],
};

test('heapprofile: every node with self bytes is one sample, (root) dropped', () => {
  const [p] = load(doc);
  assert.deepEqual(p.sampleTypes, [{ type: 'space', unit: 'bytes' }]);
  const stacks = p.samples.map((s) => `${frameNamesRootFirst(p, s).join(';')} ${s.values[0]}`);
  assert.deepEqual(stacks, ['main 100', 'main;(anonymous) 2048', '(V8 API) 7']);
  const anon = p.functions.find((f) => f.name === '(anonymous)')!;
  assert.deepEqual([anon.systemName, anon.filename, anon.startLine], ['', 'file:///srv/app.js', 10]);
});

test('heapprofile: a 20 000-deep tree is walked without recursion', () => {
  // Built as text: JSON.stringify itself recurses.
  const depth = 20_000;
  const open = (name: string, size: number) =>
    `{"callFrame":{"functionName":"${name}","url":"","lineNumber":1,"columnNumber":1},"selfSize":${size},"children":[`;
  let text = `{"head":${open('(root)', 0)}`;
  for (let i = 0; i < depth; i++) text += open(`f${i % 10}`, 0);
  text += `${open('leaf', 1)}]}${']}'.repeat(depth)}]}}`;
  const [p] = v8HeapprofileImporter.importProfiles(new TextEncoder().encode(text), { source: 'deep' });
  assert.equal(p.samples.length, 1);
  assert.equal(p.samples[0].locationIds.length, 20_001);
});

test('heapprofile: broken input is a FormatError that says where', () => {
  const cases: Array<[unknown, RegExp]> = [
    ['{"head": {"callFrame": {"functionName": "(root)"}, "selfSize": 0, "children": [', /invalid JSON/],
    [{ nohead: 1 }, /expected an object.*at x\.heapprofile: head\)/],
    [{ head: node('(root)', 0, [node('f', -5)]) }, /negative selfSize.*head\.children\[0\]\.selfSize/],
    [{ head: { ...node('(root)', 0), children: 3 } }, /head\.children/],
    [{ head: node('(root)', 0, [{ selfSize: 1, children: [] }]) }, /head\.children\[0\]\.callFrame/],
    [{ head: node('(root)', 0, [node('f', 'big' as unknown as number)]) }, /head\.children\[0\]\.selfSize/],
    [[1, 2], /expected an object/],
  ];
  for (const [input, where] of cases) {
    assert.throws(
      () => load(input),
      (err: unknown) => err instanceof FormatError && where.test(err.message),
      String(where),
    );
  }
});

test('heapprofile: sniff', () => {
  assert.ok(v8HeapprofileImporter.sniff(enc(doc)));
  assert.ok(!v8HeapprofileImporter.sniff(enc({ nodes: [], samples: [], timeDeltas: [] })));
  assert.ok(!v8HeapprofileImporter.sniff(enc('a;b 1')));
});
