import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FormatError } from '../errors.js';
import { ProfileBuilder } from '../model/builder.js';
import type { Profile } from '../model/profile.js';
import { frameNamesRootFirst } from '../model/profile.js';
import type { SpeedscopeFile } from './speedscope/file-format.js';
import { SPEEDSCOPE_SCHEMA } from './speedscope/file-format.js';
import { speedscopeExporter, speedscopeImporter } from './speedscope.js';

const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const load = (v: unknown) => speedscopeImporter.importProfiles(enc(v), { source: 'x.speedscope.json' });

/** totals aggregates weights by "root;...;leaf" for one sample type. */
function totals(p: Profile, type = 0): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of p.samples) {
    const key = frameNamesRootFirst(p, s).join(';');
    out.set(key, (out.get(key) ?? 0) + s.values[type]);
  }
  return out;
}

const frames = [{ name: 'a', file: 'a.js', line: 3, col: 7 }, { name: 'b' }, { name: 'c' }];

test('speedscope: sampled profiles keep order, names and units', () => {
  const profiles = load({
    $schema: SPEEDSCOPE_SCHEMA,
    shared: { frames },
    profiles: [
      {
        type: 'sampled',
        name: 'one',
        unit: 'milliseconds',
        startValue: 0,
        endValue: 9,
        samples: [[0, 1], [0], [0, 1, 2]],
        weights: [2, 3, 4],
      },
      {
        type: 'sampled',
        name: 'two',
        unit: 'bytes',
        startValue: 0,
        endValue: 1,
        samples: [[2]],
        weights: [1],
      },
    ],
  });
  assert.deepEqual(
    profiles.map((p) => p.name),
    ['one', 'two'],
  );
  assert.deepEqual(profiles[0].sampleTypes, [{ type: 'time', unit: 'milliseconds' }]);
  assert.deepEqual(profiles[1].sampleTypes, [{ type: 'space', unit: 'bytes' }]);
  assert.deepEqual(
    profiles[0].samples.map((s) => frameNamesRootFirst(profiles[0], s).join(';')),
    ['a;b', 'a', 'a;b;c'],
  );
  const a = profiles[0].functions.find((f) => f.name === 'a')!;
  assert.deepEqual([a.filename, a.startLine], ['a.js', 3]);
  assert.deepEqual(profiles[0].locations[0].lines[0], { functionId: a.id, line: 3, column: 7 });
  assert.equal(profiles[0].durationNanos, 9e6);
});

test('speedscope: evented profiles become self time per interval', () => {
  const events = [
    { type: 'O', frame: 0, at: 10 },
    { type: 'O', frame: 1, at: 12 },
    { type: 'C', frame: 1, at: 15 },
    { type: 'O', frame: 2, at: 15 },
    { type: 'C', frame: 2, at: 15 },
    { type: 'C', frame: 0, at: 20 },
    { type: 'O', frame: 2, at: 30 },
    { type: 'C', frame: 2, at: 31 },
  ];
  const [p] = load({
    $schema: SPEEDSCOPE_SCHEMA,
    shared: { frames },
    profiles: [{ type: 'evented', name: 'ev', unit: 'none', startValue: 10, endValue: 31, events }],
  });
  assert.deepEqual(p.sampleTypes, [{ type: 'samples', unit: 'count' }]);
  assert.deepEqual(
    [...totals(p)],
    [
      ['a', 7],
      ['a;b', 3],
      ['c', 1],
    ],
  );
  assert.deepEqual(
    p.samples.map((s) => s.values[0]),
    [2, 3, 5, 1],
  );
});

test('speedscope: broken input is a FormatError that says where', () => {
  const base = (profile: unknown) => ({
    $schema: SPEEDSCOPE_SCHEMA,
    shared: { frames },
    profiles: [profile],
  });
  const sampled = { type: 'sampled', name: 's', unit: 'none', startValue: 0, endValue: 1 };
  const evented = { type: 'evented', name: 'e', unit: 'none', startValue: 0, endValue: 1 };
  const cases: Array<[unknown, RegExp]> = [
    [`{"$schema": "${SPEEDSCOPE_SCHEMA}", "shared": {"frames": [`, /invalid JSON/],
    [{ $schema: SPEEDSCOPE_SCHEMA, profiles: [] }, /at x\.speedscope\.json: shared\)/],
    [
      base({ ...sampled, samples: [[0, 3]], weights: [1] }),
      /frame index 3 is not in shared\.frames.*samples\[0\]\[1\]/,
    ],
    [base({ ...sampled, samples: [[0, -1]], weights: [1] }), /frame index -1/],
    [base({ ...sampled, samples: [[0]], weights: [] }), /1 samples but 0 weights/],
    [base({ ...sampled, samples: [[0]], weights: ['1'] }), /weights\[0\]/],
    [base({ ...sampled, type: 'flame' }), /unknown profile type "flame".*profiles\[0\]\.type/],
    [
      base({
        ...evented,
        events: [
          { type: 'O', frame: 0, at: 5 },
          { type: 'C', frame: 0, at: 4 },
        ],
      }),
      /events\[1\]\.at/,
    ],
    [
      base({
        ...evented,
        events: [
          { type: 'O', frame: 0, at: 1 },
          { type: 'C', frame: 1, at: 2 },
        ],
      }),
      /close frame "b" while "a" was on top/,
    ],
    [base({ ...evented, events: [{ type: 'C', frame: 1, at: 2 }] }), /while nothing was on top/],
    [base({ ...evented, events: [{ type: 'O', frame: 0, at: 1 }] }), /1 frames still open/],
    [base({ ...evented, events: [{ type: 'X', frame: 0, at: 1 }] }), /unknown event type/],
    [
      {
        $schema: SPEEDSCOPE_SCHEMA,
        shared: { frames: [{ file: 'x' }] },
        profiles: [{ ...sampled, samples: [[0]], weights: [1] }],
      },
      /frame has no name.*shared\.frames\[0\]\.name/,
    ],
  ];
  for (const [input, where] of cases) {
    assert.throws(
      () => load(input),
      (err: unknown) => err instanceof FormatError && where.test(err.message),
      String(where),
    );
  }
});

/** sampleProfile has two sample types, an inlined location, an address-only location and files. */
function sampleProfile(): Profile {
  const b = new ProfileBuilder([
    { type: 'samples', unit: 'count' },
    { type: 'cpu', unit: 'nanoseconds' },
  ]);
  b.profile.name = 'demo';
  b.profile.defaultSampleType = 'cpu';
  const main = b.locationId({ name: 'main', file: 'main.go', line: 10 });
  const inlined = b.inlinedLocationId([
    { name: 'inner', file: 'lib.go', line: 5 },
    { name: 'outer', file: 'lib.go', line: 20 },
  ]);
  b.addSample([inlined, main], [3, 3_000_000]);
  b.addStackRootFirst(['main', 'work'], [1, 1_500]);
  b.addSample([main], [2, 0]);
  b.profile.locations.push({ id: b.profile.locations.length + 1, mappingId: 0, address: 0xbeef, lines: [] });
  b.addSample([b.profile.locations.length, main], [1, 7]);
  return b.build();
}

test('speedscope: export writes one sampled profile per sample type, default first on screen', () => {
  const file: SpeedscopeFile = JSON.parse(
    new TextDecoder().decode(speedscopeExporter.exportProfile(sampleProfile())),
  );
  assert.equal(file.$schema, SPEEDSCOPE_SCHEMA);
  assert.equal(file.activeProfileIndex, 1);
  assert.deepEqual(
    file.profiles.map((p) => [p.name, p.unit, p.type]),
    [
      ['demo (samples)', 'none', 'sampled'],
      ['demo (cpu)', 'nanoseconds', 'sampled'],
    ],
  );
  const cpu = file.profiles[1];
  assert.ok(cpu.type === 'sampled');
  // Zero-weight samples are left out; stacks are root first, the inlined callee on top.
  assert.deepEqual(cpu.weights, [3_000_000, 1_500, 7]);
  assert.deepEqual(
    cpu.samples[0].map((i) => file.shared.frames[i].name),
    ['main', 'outer', 'inner'],
  );
  assert.deepEqual(file.shared.frames[cpu.samples[0][0]], { name: 'main', file: 'main.go', line: 10 });
  assert.equal(file.shared.frames[cpu.samples[2][1]].name, '0xbeef');
  assert.equal(cpu.endValue, 3_001_507);
});

test('speedscope: export then import gives the same stacks and weights for every sample type', () => {
  const original = sampleProfile();
  const back = speedscopeImporter.importProfiles(speedscopeExporter.exportProfile(original), {
    source: 'rt',
  });
  assert.equal(back.length, 2);
  for (let t = 0; t < 2; t++) {
    const want = new Map([...totals(original, t)].filter(([, v]) => v !== 0));
    assert.deepEqual(totals(back[t]), want);
    assert.equal(back[t].sampleTypes[0].unit, t === 0 ? 'count' : 'nanoseconds');
  }
  // A second round trip is byte-identical.
  const again = speedscopeExporter.exportProfile(back[1]);
  const twice = speedscopeExporter.exportProfile(
    speedscopeImporter.importProfiles(again, { source: 'rt' })[0],
  );
  assert.deepEqual(twice, again);
});

test('speedscope: sniff needs the schema', () => {
  assert.ok(speedscopeImporter.sniff(enc({ $schema: SPEEDSCOPE_SCHEMA })));
  assert.ok(!speedscopeImporter.sniff(enc({ shared: { frames } })));
  assert.ok(!speedscopeImporter.sniff(enc(`a;b 1 ${SPEEDSCOPE_SCHEMA}`)));
});
