import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FormatError } from '../errors.js';
import type { Profile } from '../model/profile.js';
import { frameNamesRootFirst } from '../model/profile.js';
import { chromeCpuprofileImporter } from './chrome-cpuprofile.js';

const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const load = (v: unknown, warn?: (m: string) => void) =>
  chromeCpuprofileImporter.importProfiles(enc(v), { source: 'x.cpuprofile', warn });

function frame(functionName: string, lineNumber = -1, columnNumber = -1, url = '') {
  return { functionName, url, lineNumber, columnNumber, scriptId: '0' };
}

/** stacksOf renders "root;...;leaf count/cpuNs" per sample, in order. */
function stacksOf(p: Profile): string[] {
  return p.samples.map((s) => `${frameNamesRootFirst(p, s).join(';')} ${s.values.join('/')}`);
}

const simple = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 4] },
    { id: 2, callFrame: frame('main', 0, 9, 'file:///app.js'), children: [3] },
    { id: 3, callFrame: frame('', 4, 2, 'file:///app.js') },
    { id: 4, callFrame: frame('(idle)') },
  ],
  startTime: 1000,
  endTime: 1100,
  samples: [3, 3, 2, 4, 3],
  timeDeltas: [5, 10, 20, 30, 40],
};

test('cpuprofile: runs of one node merge, each weighted by the time to the next sample', () => {
  const [p] = load(simple);
  assert.deepEqual(p.sampleTypes, [
    { type: 'samples', unit: 'count' },
    { type: 'cpu', unit: 'nanoseconds' },
  ]);
  assert.equal(p.defaultSampleType, 'cpu');
  // Times 5,15,35,65,105: node 3 runs 5..35, node 2 35..65, idle 65..105, the last sample 0.
  assert.deepEqual(stacksOf(p), [
    'main;(anonymous) 2/30000',
    'main 1/30000',
    '(idle) 1/40000',
    'main;(anonymous) 1/0',
  ]);
  assert.equal(p.durationNanos, 100_000);
});

test('cpuprofile: positions become 1-based, unnamed functions keep an empty system name', () => {
  const [p] = load(simple);
  const anon = p.functions.find((f) => f.name === '(anonymous)')!;
  assert.equal(anon.systemName, '');
  assert.equal(anon.filename, 'file:///app.js');
  assert.equal(anon.startLine, 5);
  const loc = p.locations.find((l) => l.lines[0].functionId === anon.id)!;
  assert.deepEqual(loc.lines[0], { functionId: anon.id, line: 5, column: 3 });
  assert.ok(!p.functions.some((f) => f.name === '(root)'), '(root) is not a frame');
});

test('cpuprofile: a negative time delta is clamped and reported', () => {
  const warnings: string[] = [];
  const [p] = load({ ...simple, timeDeltas: [5, 10, 20, -30, 40] }, (m) => warnings.push(m));
  // Times 5,15,35,(5),45: the clock stays at 35 where the idle run starts.
  assert.deepEqual(stacksOf(p), [
    'main;(anonymous) 2/30000',
    'main 1/0',
    '(idle) 1/10000',
    'main;(anonymous) 1/0',
  ]);
  assert.match(warnings.join('\n'), /1 negative time deltas/);
});

test('cpuprofile: the pre-2016 {head, timestamps} layout', () => {
  const legacy = {
    head: {
      functionName: '(root)',
      url: '',
      lineNumber: 0,
      id: 1,
      children: [{ functionName: 'f', url: 'a.js', lineNumber: 2, id: 2, children: [] }],
    },
    startTime: 1,
    endTime: 2,
    samples: [2, 2, 1],
    timestamps: [1_000_010, 1_000_030, 1_000_070],
  };
  const [p] = load(legacy);
  assert.deepEqual(stacksOf(p), ['f 2/60000']);
  assert.equal(p.functions[0].startLine, 3);
});

test('cpuprofile: Chrome trace chunks, one profile per thread, named after it', () => {
  const warnings: string[] = [];
  const events = [
    {
      name: 'thread_name',
      ph: 'M',
      pid: 1,
      tid: 7,
      ts: 0,
      cat: '__metadata',
      args: { name: 'CrRendererMain' },
    },
    { name: 'thread_name', ph: 'M', pid: 1, tid: 8, ts: 0, cat: '__metadata', args: { name: 'Worker' } },
    {
      name: 'ProfileChunk',
      ph: 'P',
      pid: 1,
      tid: 9,
      ts: 30,
      id: '0x1',
      cat: 'p',
      args: {
        data: {
          cpuProfile: { nodes: [{ id: 3, parent: 2, callFrame: frame('g') }], samples: [3, 99] },
          timeDeltas: [10, 10],
        },
      },
    },
    {
      name: 'Profile',
      ph: 'P',
      pid: 1,
      tid: 7,
      ts: 10,
      id: '0x1',
      cat: 'p',
      args: { data: { startTime: 10 } },
    },
    {
      name: 'ProfileChunk',
      ph: 'P',
      pid: 1,
      tid: 9,
      ts: 20,
      id: '0x1',
      cat: 'p',
      args: {
        data: {
          cpuProfile: {
            nodes: [
              { id: 1, callFrame: frame('(root)') },
              { id: 2, parent: 1, callFrame: { functionName: 'f', codeType: 'JS' } },
            ],
            samples: [2, 2],
          },
          timeDeltas: [1, 10],
        },
      },
    },
    { name: 'ProfileChunk', ph: 'P', pid: 1, tid: 9, ts: 40, id: '0x1', cat: 'p', args: {} },
    {
      name: 'Profile',
      ph: 'P',
      pid: 1,
      tid: 8,
      ts: 11,
      id: '0x2',
      cat: 'p',
      args: { data: { startTime: 11 } },
    },
  ];
  for (const doc of [events, { traceEvents: events, metadata: {} }]) {
    const profiles = load(doc, (m) => warnings.push(m));
    assert.deepEqual(
      profiles.map((p) => p.name),
      ['CrRendererMain', 'Worker'],
    );
    // Samples 2@1, 2@11, 3@21, 99@31: the unknown node 99 continues node 3.
    assert.deepEqual(stacksOf(profiles[0]), ['f 2/20000', 'f;g 2/10000']);
    assert.equal(profiles[1].samples.length, 0);
  }
  assert.match(warnings.join('\n'), /1 samples name nodes that are absent/);
});

function assertFormatError(doc: unknown, where: RegExp) {
  assert.throws(
    () => load(doc),
    (err: unknown) => err instanceof FormatError && where.test(err.message),
  );
}

test('cpuprofile: broken input is a FormatError that says where', () => {
  assertFormatError(
    '{"nodes": [{"id": 1, "callFrame": {"functionName": "(root)"',
    /invalid JSON.*x\.cpuprofile/,
  );
  assertFormatError({ ...simple, nodes: { id: 1 } }, /expected an array.*at x\.cpuprofile: nodes\)/);
  assertFormatError({ ...simple, nodes: [{ id: 1 }] }, /nodes\[0\]\.callFrame/);
  assertFormatError({ ...simple, nodes: [{ id: 'a', callFrame: frame('f') }] }, /nodes\[0\]\.id/);
  assertFormatError({ ...simple, samples: [3, 3, 9] }, /unknown node id 9.*samples\[2\]/);
  assertFormatError({ ...simple, timeDeltas: [1, 2] }, /5 samples but only 2 timeDeltas/);
  assertFormatError({ ...simple, timeDeltas: [1, 2, 3, 'x', 5] }, /timeDeltas\[3\]/);
  const dangling = structuredClone(simple);
  dangling.nodes[1].children = [3, 42];
  assertFormatError(dangling, /child 42 is not a node.*nodes\[1\]\.children\[1\]/);
  const duplicate = structuredClone(simple);
  duplicate.nodes[3].id = 2;
  assertFormatError(duplicate, /duplicate node id 2/);
  assertFormatError([{ name: 'X', ph: 'B', pid: 1, tid: 1, ts: 0, cat: 'c' }], /no CPU profile/);
});

test('cpuprofile: cyclic parent links fail fast instead of looping', () => {
  const cyclic = {
    nodes: [
      { id: 1, callFrame: frame('a'), children: [2] },
      { id: 2, callFrame: frame('b'), children: [1] },
    ],
    samples: [2],
    timeDeltas: [1],
  };
  assertFormatError(cyclic, /parent links form a cycle/);
  assertFormatError(
    { nodes: [{ id: 1, parent: 1, callFrame: frame('a') }], samples: [1], timeDeltas: [1] },
    /cycle/,
  );
});

test('cpuprofile: a 100 000-deep chain imports quickly', () => {
  const n = 100_000;
  const nodes = Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    callFrame: frame(`f${i % 7}`, i),
    ...(i > 0 ? { parent: i } : {}),
  }));
  const started = Date.now();
  const [p] = load({ nodes, samples: [n, n, 1], timeDeltas: [1, 1, 1] });
  assert.equal(p.samples[0].locationIds.length, n);
  assert.ok(Date.now() - started < 5000);
});

test('cpuprofile: sniff', () => {
  assert.ok(chromeCpuprofileImporter.sniff(enc(simple)));
  assert.ok(chromeCpuprofileImporter.sniff(enc(`\ufeff  ${JSON.stringify(simple)}`)));
  assert.ok(chromeCpuprofileImporter.sniff(enc([{ name: 'ProfileChunk' }])));
  assert.ok(
    !chromeCpuprofileImporter.sniff(enc({ head: { callFrame: frame('(root)'), selfSize: 0, children: [] } })),
  );
  assert.ok(!chromeCpuprofileImporter.sniff(enc('main;a 1\n')));
  assert.ok(!chromeCpuprofileImporter.sniff(new Uint8Array([0x1f, 0x8b, 8, 0])));
  assert.ok(!chromeCpuprofileImporter.sniff(enc([{ name: 'X', ph: 'B', pid: 1, tid: 1, ts: 0 }])));
});
