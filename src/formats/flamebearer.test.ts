import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FormatError } from '../errors.js';
import { ProfileBuilder } from '../model/builder.js';
import { frameNamesRootFirst, type Profile } from '../model/profile.js';
import {
  type Flamebearer,
  flamebearerExporter,
  flamebearerImporter,
  importFlamebearer,
  profileToFlamebearer,
  profileToFlamebearerProfile,
} from './flamebearer.js';

const enc = (s: string) => new TextEncoder().encode(s);

/** picture draws decoded levels one row per line: `name x..end` plus `(self)` when non-zero. */
function picture(fb: Flamebearer): string {
  return fb.levels
    .map((row) => {
      const cells: string[] = [];
      let prevEnd = 0;
      for (let i = 0; i < row.length; i += 4) {
        const x = prevEnd + row[i];
        prevEnd = x + row[i + 1];
        cells.push(`${fb.names[row[i + 3]]} ${x}..${prevEnd}${row[i + 2] ? ` (${row[i + 2]})` : ''}`);
      }
      return cells.join(' | ');
    })
    .join('\n');
}

function sampleProfile(): Profile {
  const b = new ProfileBuilder([{ type: 'samples', unit: 'count' }]);
  b.addStackRootFirst(['main', 'b', 'c'], [3]);
  b.addStackRootFirst(['x'], [4]);
  b.addStackRootFirst(['main', 'a'], [2]);
  b.addStackRootFirst(['main'], [1]);
  return b.build();
}

function stacks(p: Profile): string[] {
  const m = new Map<string, number>();
  for (const s of p.samples) {
    const k = frameNamesRootFirst(p, s).join(';');
    m.set(k, (m.get(k) ?? 0) + s.values[0]);
  }
  return [...m].map(([k, v]) => `${k} ${v}`).sort();
}

test('profileToFlamebearer lays out self first, then children by name', () => {
  const fb = profileToFlamebearer(sampleProfile(), 0);
  assert.equal(
    picture(fb),
    ['total 0..10', 'main 0..6 (1) | x 6..10 (4)', 'a 1..3 (2) | b 3..6', 'c 3..6 (3)'].join('\n'),
  );
  // Names are numbered in Pyroscope's walk order: depth first, last child first.
  assert.deepEqual(fb.names, ['total', 'x', 'main', 'b', 'c', 'a']);
  assert.deepEqual(fb.levels, [
    [0, 10, 0, 0],
    [0, 6, 1, 2, 0, 4, 4, 1],
    [1, 2, 2, 5, 0, 3, 0, 3],
    [3, 3, 3, 4],
  ]);
  assert.equal(fb.numTicks, 10);
  assert.equal(fb.maxSelf, 4);
});

test('profileToFlamebearer deduplicates names and folds pruned nodes into "other"', () => {
  const b = new ProfileBuilder([{ type: 'samples', unit: 'count' }]);
  b.addStackRootFirst(['a', 'f'], [5]);
  b.addStackRootFirst(['b', 'f'], [7]);
  const fb = profileToFlamebearer(b.build(), 0);
  assert.deepEqual(fb.names, ['total', 'b', 'f', 'a']);
  const pruned = profileToFlamebearer(sampleProfile(), 0, 3);
  assert.equal(picture(pruned), ['total 0..10', 'main 0..6 (1) | x 6..10 (4)', 'other 1..6 (5)'].join('\n'));
});

test('profileToFlamebearerProfile fills metadata from the sample type', () => {
  const b = new ProfileBuilder([{ type: 'cpu', unit: 'nanoseconds' }]);
  b.addStackRootFirst(['main'], [1e7]);
  const doc = profileToFlamebearerProfile(b.build(), { name: 'app.cpu', spyName: 'gospy' });
  assert.deepEqual(doc.metadata, {
    format: 'single',
    units: 'samples',
    sampleRate: 1e9,
    spyName: 'gospy',
    name: 'app.cpu',
  });
  assert.equal(doc.version, 1);
  assert.equal(doc.timeline, null);
});

test('import rebuilds stacks from levels and round-trips through export', () => {
  const bytes = flamebearerExporter.exportProfile(sampleProfile());
  assert.ok(flamebearerImporter.sniff(bytes));
  const [p] = flamebearerImporter.importProfiles(bytes, { source: 'fb.json' });
  assert.deepEqual(stacks(p), ['main 1', 'main;a 2', 'main;b;c 3', 'x 4']);
  assert.deepEqual(p.sampleTypes, [{ type: 'samples', unit: 'count' }]);
  assert.ok(!p.functions.some((f) => f.name === 'total'), 'the synthetic root is not a frame');
  assert.deepEqual(profileToFlamebearer(p, 0), profileToFlamebearer(sampleProfile(), 0));
});

test('import maps Pyroscope units and sample rate', () => {
  const doc = (units: string, sampleRate: number) =>
    enc(
      JSON.stringify({
        flamebearer: {
          names: ['total', 'f'],
          levels: [
            [0, 3, 0, 0],
            [0, 3, 3, 1],
          ],
          numTicks: 3,
          maxSelf: 3,
        },
        metadata: { format: 'single', units, sampleRate, name: 'n' },
      }),
    );
  const [cpu] = importFlamebearer(doc('samples', 100), { source: 's' });
  assert.deepEqual(
    [cpu.sampleTypes[0], cpu.period, cpu.name],
    [{ type: 'samples', unit: 'count' }, 1e7, 'n'],
  );
  assert.deepEqual(importFlamebearer(doc('samples', 1e9), { source: 's' })[0].sampleTypes[0], {
    type: 'cpu',
    unit: 'nanoseconds',
  });
  assert.deepEqual(importFlamebearer(doc('bytes', 100), { source: 's' })[0].sampleTypes[0], {
    type: 'space',
    unit: 'bytes',
  });
  const back = JSON.parse(new TextDecoder().decode(flamebearerExporter.exportProfile(cpu)));
  assert.deepEqual([back.metadata.units, back.metadata.sampleRate], ['samples', 100]);
});

test('import of the double (diff) format gives base and head profiles', () => {
  // total: left 5 right 7; f: left 5 (self 2) right 4 (self 4); f;g: left 3 self 3, right 0;
  // h: left 0, right 3 self 3 (only in head).
  const doc = {
    flamebearer: {
      names: ['total', 'f', 'g', 'h'],
      levels: [
        [0, 5, 0, 0, 7, 0, 0],
        [0, 5, 2, 0, 4, 4, 1, 0, 0, 0, 0, 3, 3, 3],
        [2, 3, 3, 4, 0, 0, 2],
      ],
      numTicks: 12,
      maxSelf: 4,
    },
    metadata: { format: 'double', units: 'samples', sampleRate: 100, name: 'd' },
    leftTicks: 5,
    rightTicks: 7,
  };
  const [base, head] = importFlamebearer(enc(JSON.stringify(doc)), { source: 'd' });
  assert.deepEqual(stacks(base), ['f 2', 'f;g 3']);
  assert.deepEqual(stacks(head), ['f 4', 'h 3']);
  assert.deepEqual([base.name, head.name], ['d (base)', 'd (head)']);
});

function expectFormatError(doc: unknown, pattern: RegExp): void {
  const bytes = enc(typeof doc === 'string' ? doc : JSON.stringify(doc));
  assert.throws(
    () => importFlamebearer(bytes, { source: 'bad.json' }),
    (e: unknown) => e instanceof FormatError && pattern.test(e.message),
  );
}

test('broken flamebearer input is a FormatError saying where', () => {
  const fb = (levels: unknown, names: unknown = ['total', 'f']) => ({
    flamebearer: { names, levels, numTicks: 1, maxSelf: 1 },
  });
  expectFormatError('{"flamebearer": {"names": [', /invalid JSON.*bad\.json/);
  expectFormatError(
    fb([
      [0, 1, 0, 0],
      [0, 1, 1, 9],
    ]),
    /name index 9.*levels\[1\]\[3\]/,
  );
  expectFormatError(
    fb([
      [0, 1, 0, 0],
      [0, 1, 1],
    ]),
    /4-number nodes.*levels\[1\]/,
  );
  expectFormatError(
    fb([
      [0, 1, 0, 0],
      [0, 1.5, 1, 1],
    ]),
    /not an integer.*levels\[1\]\[1\]/,
  );
  expectFormatError(
    fb([
      [0, 1, 0, 0],
      [1, 1, 1, 1],
    ]),
    /outside every node.*levels\[1\] node 0/,
  );
  expectFormatError(fb([[0, 1, 2, 0]]), /self outside/);
  expectFormatError(
    fb([
      [0, 1, 0, 0],
      [-1, 1, 1, 1],
    ]),
    /negative x offset/,
  );
  expectFormatError(fb([[0, 1, 0, 0]], [1]), /"names"/);
  expectFormatError(
    { flamebearer: { names: [], levels: [] }, metadata: { format: 'triple' } },
    /unsupported format/,
  );
});

test('sniff wants a JSON object with flamebearer data', () => {
  assert.equal(flamebearerImporter.sniff(enc('{"version":1,"flamebearer":{}}')), true);
  assert.equal(flamebearerImporter.sniff(enc('{"names":[],"levels":[],"numTicks":0}')), true);
  assert.equal(
    flamebearerImporter.sniff(enc('{"$schema":"https://www.speedscope.app/file-format-schema.json"}')),
    false,
  );
  assert.equal(flamebearerImporter.sniff(enc('a;b 1\n')), false);
});

test('a deep chain with self on every level stays bounded', () => {
  const depth = 3000;
  const levels = [[0, depth, 0, 0]];
  for (let d = 1; d < depth; d++) levels.push([0, depth - d + 1, 1, 1]);
  const doc = { flamebearer: { names: ['total', 'f'], levels, numTicks: depth, maxSelf: 1 } };
  const [p] = importFlamebearer(enc(JSON.stringify(doc)), { source: 'deep' });
  assert.equal(p.samples.length, depth - 1);
  assert.equal(p.samples.at(-1)!.locationIds.length, depth - 1);
});
