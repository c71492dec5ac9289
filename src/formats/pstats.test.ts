import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FormatError } from '../errors.js';
import type { Profile } from '../model/profile.js';
import { importPstats, importPstatsStats, pstatsImporter } from './pstats.js';

/** Marshal writes the few object kinds a pstats dict needs (no FLAG_REF, like marshal v2). */
function marshal(v: unknown): number[] {
  if (v === null) return [0x4e];
  if (typeof v === 'string') {
    const b = [...Buffer.from(v, 'utf8')];
    return [0x75, ...i32(b.length), ...b];
  }
  if (typeof v === 'number' && Number.isInteger(v)) return [0x69, ...i32(v)];
  if (typeof v === 'number') {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    return [0x67, ...b];
  }
  if (Array.isArray(v)) return [0x28, ...i32(v.length), ...v.flatMap(marshal)];
  if (v instanceof Map) return [0x7b, ...[...v].flatMap(([k, x]) => [...marshal(k), ...marshal(x)]), 0x30];
  throw new Error(`cannot marshal ${String(v)}`);
}
const i32 = (n: number): number[] => [...new Uint8Array(new Int32Array([n]).buffer)];

// main() calls work() twice and the built-in len() once; work() calls len() 3 times; len is
// also called once from the top level (no caller recorded).
const MAIN = ['app.py', 1, 'main'];
const WORK = ['app.py', 10, 'work'];
const LEN = ['~', 0, '<built-in method builtins.len>'];
const sample = new Uint8Array(
  marshal(
    new Map<unknown, unknown>([
      [MAIN, [1, 1, 0.001, 0.01, new Map()]],
      [WORK, [2, 2, 0.004, 0.008, new Map([[MAIN, [2, 2, 0.004, 0.008]]])]],
      [
        LEN,
        [
          5,
          5,
          0.000003,
          0.000003,
          new Map([
            [MAIN, [1, 1, 0.0000005, 0.0000005]],
            [WORK, [3, 3, 0.0000015, 0.0000015]],
          ]),
        ],
      ],
    ]),
  ),
);

function byLeaf(p: Profile): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const s of p.samples) {
    const leaf = p.functions[p.locations[s.locationIds[0] - 1].lines[0].functionId - 1].name;
    const acc = out.get(leaf) ?? [0, 0];
    out.set(leaf, [acc[0] + s.values[0], acc[1] + s.values[1]]);
  }
  return out;
}

test('importPstatsStats returns the exact table with callers', () => {
  const table = importPstatsStats(sample);
  assert.equal(table.length, 3);
  assert.deepEqual(
    table.map((e) => [e.name, e.cc, e.nc, e.tt, e.ct, e.callers.length]),
    [
      ['main', 1, 1, 0.001, 0.01, 0],
      ['work', 2, 2, 0.004, 0.008, 1],
      ['<built-in method builtins.len>', 5, 5, 0.000003, 0.000003, 2],
    ],
  );
  assert.deepEqual(table[2].callers[1], {
    file: 'app.py',
    line: 10,
    name: 'work',
    cc: 3,
    nc: 3,
    tt: 0.0000015,
    ct: 0.0000015,
  });
});

test('importPstats: flat calls and self time per function equal nc and tt', () => {
  const p = importPstats(sample, { source: 's.prof' });
  assert.deepEqual(p.sampleTypes, [
    { type: 'calls', unit: 'count' },
    { type: 'time', unit: 'nanoseconds' },
  ]);
  assert.equal(p.defaultSampleType, 'time');
  const flat = byLeaf(p);
  assert.deepEqual(flat.get('main'), [1, 1_000_000]);
  assert.deepEqual(flat.get('work'), [2, 4_000_000]);
  assert.deepEqual(flat.get('<built-in method builtins.len>'), [5, 3000]);
});

test('importPstats: edges become 2-frame samples, the unexplained rest a 1-frame sample', () => {
  const p = importPstats(sample, { source: 's.prof' });
  const rows = p.samples.map((s) => [
    s.locationIds.map((id) => p.functions[p.locations[id - 1].lines[0].functionId - 1].name).join('<-'),
    ...s.values,
  ]);
  assert.deepEqual(rows, [
    ['main', 1, 1_000_000],
    ['work<-main', 2, 4_000_000],
    ['<built-in method builtins.len><-main', 1, 500],
    ['<built-in method builtins.len><-work', 3, 1500],
    ['<built-in method builtins.len>', 1, 1000],
  ]);
  const len = p.functions.find((f) => f.name.includes('len'))!;
  assert.equal(len.filename, '', "'~' marks built-ins and is not kept as a file name");
  const work = p.functions.find((f) => f.name === 'work')!;
  assert.deepEqual([work.filename, work.startLine], ['app.py', 10]);
});

test('sniff recognises a marshalled stats dict and nothing else', () => {
  assert.equal(pstatsImporter.sniff(sample), true);
  assert.equal(pstatsImporter.sniff(new Uint8Array([0x7b, 0x30])), true);
  assert.equal(pstatsImporter.sniff(new TextEncoder().encode('{"flamebearer":{}}')), false);
  assert.equal(pstatsImporter.sniff(new TextEncoder().encode('{(a 1')), false);
});

test('importPstats: truncation at every offset is a FormatError naming the offset', () => {
  for (let cut = 0; cut < sample.length; cut++) {
    assert.throws(
      () => importPstats(sample.subarray(0, cut), { source: 'cut.prof' }),
      (e: unknown) => e instanceof FormatError && /cut\.prof:offset \d+/.test(e.message),
      `cut at ${cut}`,
    );
  }
});

test('importPstats: a well-formed marshal of the wrong shape is a FormatError', () => {
  const wrong = new Uint8Array(marshal(new Map([[MAIN, [1, 2, 3]]])));
  assert.throws(() => importPstats(wrong, { source: 'w.prof' }), /entry 0: value is not/);
  const notDict = new Uint8Array(marshal([1, 2]));
  assert.throws(() => importPstats(notDict, { source: 'w.prof' }), /not a dict/);
});
