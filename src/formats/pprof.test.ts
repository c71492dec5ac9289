import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  Function as PbFunction,
  Label as PbLabel,
  Line as PbLine,
  Location as PbLocation,
  Mapping as PbMapping,
  Profile as PbProfile,
  Sample as PbSample,
  ValueType as PbValueType,
  StringTable,
} from 'pprof-format';
import { FormatError } from '../errors.js';
import { ProfileBuilder } from '../model/builder.js';
import { frameNamesRootFirst } from '../model/profile.js';
import { encodePprof, exportToPprof, importPprof, pprofImporter, sniffPprof } from './pprof.js';

/** handMade is a pprof message with sparse ids (7, 42, 1000), inlining, labels and metadata. */
function handMade(mutate?: (p: PbProfile, s: (x: string) => number) => void): Uint8Array {
  const table = new StringTable();
  const s = (x: string) => table.dedup(x);
  const p = new PbProfile({
    sampleType: [
      new PbValueType({ type: s('samples'), unit: s('count') }),
      new PbValueType({ type: s('cpu'), unit: s('nanoseconds') }),
    ],
    mapping: [
      new PbMapping({
        id: 9,
        memoryStart: 0x400000,
        memoryLimit: 0x800000,
        filename: s('/bin/app'),
        buildId: s('abc'),
        hasFunctions: true,
      }),
    ],
    function: [
      new PbFunction({
        id: 1000,
        name: s('main'),
        systemName: s('main'),
        filename: s('main.go'),
        startLine: 3,
      }),
      new PbFunction({ id: 7, name: s('work'), systemName: s('work'), filename: s('work.go') }),
      new PbFunction({ id: 8, name: s('inlined'), systemName: s('inlined'), filename: s('work.go') }),
    ],
    location: [
      new PbLocation({
        id: 42,
        mappingId: 9,
        address: 0x401000,
        line: [new PbLine({ functionId: 1000, line: 10 })],
      }),
      // Innermost first: 'inlined' was inlined into 'work'.
      new PbLocation({
        id: 5,
        mappingId: 9,
        address: 0x402000,
        line: [new PbLine({ functionId: 8, line: 20, column: 4 }), new PbLine({ functionId: 7, line: 30 })],
      }),
      new PbLocation({ id: 6, mappingId: 9, address: 0x403000 }),
    ],
    sample: [
      new PbSample({
        locationId: [5, 42],
        value: [3, 30_000_000],
        label: [
          new PbLabel({ key: s('thread'), str: s('t1') }),
          new PbLabel({ key: s('bytes'), num: 512, numUnit: s('bytes') }),
        ],
      }),
      new PbSample({ locationId: [6, 42], value: [1, -10_000_000] }),
    ],
    stringTable: table,
    timeNanos: 1_500_000_000_000_000_000,
    durationNanos: 2_000_000_000,
    periodType: new PbValueType({ type: s('cpu'), unit: s('nanoseconds') }),
    period: 10_000_000,
    comment: [s('made by hand')],
    defaultSampleType: s('cpu'),
    dropFrames: s('runtime\\..*'),
    keepFrames: s('keep'),
  });
  mutate?.(p, s);
  return p.encode();
}

test('importPprof maps sparse ids to dense ones and keeps every field', () => {
  const p = importPprof(handMade(), 'hand.pb');
  assert.deepEqual(p.sampleTypes, [
    { type: 'samples', unit: 'count' },
    { type: 'cpu', unit: 'nanoseconds' },
  ]);
  assert.deepEqual(
    p.functions.map((f) => [f.id, f.name, f.filename, f.startLine]),
    [
      [1, 'main', 'main.go', 3],
      [2, 'work', 'work.go', 0],
      [3, 'inlined', 'work.go', 0],
    ],
  );
  assert.deepEqual(p.mappings, [
    {
      id: 1,
      memoryStart: 0x400000,
      memoryLimit: 0x800000,
      fileOffset: 0,
      filename: '/bin/app',
      buildId: 'abc',
      hasFunctions: true,
    },
  ]);
  assert.deepEqual(p.locations[1], {
    id: 2,
    mappingId: 1,
    address: 0x402000,
    lines: [
      { functionId: 3, line: 20, column: 4 },
      { functionId: 2, line: 30 },
    ],
  });
  assert.deepEqual(p.samples[0].locationIds, [2, 1]);
  assert.deepEqual(p.samples[0].labels, [
    { key: 'thread', str: 't1' },
    { key: 'bytes', num: 512, numUnit: 'bytes' },
  ]);
  assert.deepEqual(p.samples[1].values, [1, -10_000_000], 'negative int64 values survive');
  assert.deepEqual(frameNamesRootFirst(p, p.samples[0]), ['main', 'work', 'inlined']);
  assert.equal(p.defaultSampleType, 'cpu');
  assert.deepEqual(p.periodType, { type: 'cpu', unit: 'nanoseconds' });
  assert.equal(p.period, 10_000_000);
  assert.equal(p.durationNanos, 2_000_000_000);
  assert.ok(Math.abs(p.timeNanos - 1.5e18) < 1e3);
  assert.deepEqual(p.comments, ['made by hand']);
  assert.equal(p.dropFrames, 'runtime\\..*');
  assert.equal(p.keepFrames, 'keep');
});

test('importPprof accepts gzipped bytes; exportToPprof gzips and round-trips', () => {
  const raw = handMade();
  const first = importPprof(gzipSync(raw), 'hand.pb.gz');
  const exported = exportToPprof(first);
  assert.deepEqual([exported[0], exported[1]], [0x1f, 0x8b]);
  const again = importPprof(exported, 'again');
  assert.deepEqual(again, first);
  assert.deepEqual(importPprof(gunzipSync(exported), 'raw'), first);
});

test('builder profiles round-trip through encodePprof', () => {
  const b = new ProfileBuilder([{ type: 'alloc_space', unit: 'bytes' }]);
  b.addStackRootFirst(['a', 'b', 'c'], [5]);
  b.addStackRootFirst([{ name: 'a', file: 'a.js', line: 2, column: 7 }, 'd'], [9], [{ key: 'k', num: 1 }]);
  const p = b.build();
  assert.deepEqual(importPprof(encodePprof(p), 'b'), p);
});

test('sniffPprof recognises protobuf and refuses JSON, text and tiny inputs', () => {
  assert.equal(sniffPprof(handMade()), true);
  assert.equal(pprofImporter.sniff(handMade()), true);
  const enc = new TextEncoder();
  for (const text of [
    '{"traceEvents": []}',
    '[1,2]',
    'main;foo 12\n',
    '--- heapz 1 ---',
    'File: x\n',
    '# comment',
    '"quoted"',
    '  spaced',
  ]) {
    assert.equal(sniffPprof(enc.encode(text)), false, text);
  }
  assert.equal(sniffPprof(new Uint8Array()), false);
  assert.equal(sniffPprof(Uint8Array.of(0x0a)), false);
});

function assertBroken(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => importPprof(bytes, 'bad.pb'),
    (err: unknown) =>
      err instanceof FormatError && pattern.test(err.message) && err.message.includes('bad.pb'),
  );
}

test('truncation is a FormatError naming the byte offset', () => {
  const raw = handMade();
  assertBroken(raw.subarray(0, raw.length - 3), /pprof: .*(truncated|claims).*bad\.pb, byte offset \d+/);
  assert.equal(sniffPprof(raw.subarray(0, raw.length - 3)), true, 'a truncated pprof is still pprof');
});

test('dangling references and shape errors are FormatErrors with precise messages', () => {
  assertBroken(
    handMade((p) => {
      p.sample[0].locationId = [5, 77];
    }),
    /sample #1 refers to location id 77, which does not exist.*byte offset \d+/,
  );
  assertBroken(
    handMade((p) => {
      p.location[0].line[0].functionId = 55;
    }),
    /location #1 refers to function id 55/,
  );
  assertBroken(
    handMade((p) => {
      p.location[0].mappingId = 3;
    }),
    /location #1 refers to mapping id 3/,
  );
  assertBroken(
    handMade((p) => {
      p.function[0].name = 999;
    }),
    /function #1 name refers to string 999, but the string table has \d+ entries/,
  );
  assertBroken(
    handMade((p) => {
      p.sample[1].value = [1];
    }),
    /sample #2 has 1 values, but the profile has 2 sample types/,
  );
  assertBroken(
    handMade((p) => {
      p.location[1].id = 42;
    }),
    /location #2 repeats id 42/,
  );
  assertBroken(
    handMade((p) => {
      p.sample[0].label[0].key = -1;
    }),
    /label key refers to string -1/,
  );
  // A string_table field ('x') placed before the encoder's own entries becomes entry 0.
  assertBroken(Uint8Array.of(0x32, 0x01, 0x78, ...handMade()), /string table entry 0 must be empty, got "x"/);
});

test('unknown fields and wrong wire types are refused at their offset', () => {
  const raw = handMade();
  assertBroken(Uint8Array.of(...raw, 0x80 | 0x7d, 0x01, 0x00), /unknown Profile field/);
  assertBroken(Uint8Array.of(...raw, (1 << 3) | 0), /field 1 has wire type 0.*byte offset/);
});

test('random mutations of a valid profile either import or throw FormatError, quickly', () => {
  const raw = handMade();
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  let imported = 0;
  let refused = 0;
  const start = performance.now();
  for (let round = 0; round < 2000; round++) {
    const bytes = Uint8Array.from(raw);
    const edits = 1 + Math.floor(rand() * 4);
    for (let e = 0; e < edits; e++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
    const cut = rand() < 0.3 ? Math.floor(rand() * bytes.length) : bytes.length;
    try {
      importPprof(bytes.subarray(0, cut), 'mutant');
      imported++;
    } catch (err) {
      assert.ok(err instanceof FormatError, `round ${round}: ${(err as Error).stack}`);
      refused++;
    }
  }
  assert.ok(refused > 100 && imported > 0, `imported ${imported}, refused ${refused}`);
  assert.ok(performance.now() - start < 5000);
});

test('function id 0 (written by .NET exporters) is accepted and referenced', () => {
  const p = importPprof(
    handMade((pb) => {
      pb.function[1].id = 0;
      pb.location[1].line[1].functionId = 0;
    }),
    'dotnet.pb',
  );
  assert.deepEqual(frameNamesRootFirst(p, p.samples[0]), ['main', 'work', 'inlined']);
});

test('a function table with every id unset gets positional ids, as .NET exporters assume', () => {
  const p = importPprof(
    handMade((pb) => {
      for (const f of pb.function) f.id = 0;
      pb.location[0].line[0].functionId = 1;
      pb.location[1].line = [new PbLine({ functionId: 3 }), new PbLine({ functionId: 2 })];
    }),
    'dotnet.pb',
  );
  assert.deepEqual(frameNamesRootFirst(p, p.samples[0]), ['main', 'work', 'inlined']);
});
