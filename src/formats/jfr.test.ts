import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { corpusPath } from '../../test/corpora.js';
import { FormatError } from '../errors.js';
import { maybeGunzip } from '../io/decompress.js';
import type { Profile } from '../model/profile.js';
import { frameNamesRootFirst } from '../model/profile.js';
import { concatChunks, type SyntheticSample, syntheticChunk } from './jfr/synthetic.test-support.js';
import { importFromJfr, jfrImporter } from './jfr.js';

const samples: SyntheticSample[] = [
  { kind: 'cpu', stack: 1 },
  { kind: 'cpu', stack: 1 },
  { kind: 'cpu', stack: 1 },
  { kind: 'cpu', stack: 2, state: 2 },
  { kind: 'lock', stack: 2, duration: 500 },
  { kind: 'lock', stack: 2, duration: 250 },
];

/** stacks renders a profile as sorted `root;...;leaf:line values` lines, for readable asserts. */
function stacks(p: Profile): string[] {
  return p.samples
    .map((s) => {
      const lines = [...s.locationIds].reverse().map((id) => profileLine(p, id));
      return `${lines.join(';')} ${s.values.join(' ')}`;
    })
    .sort();
}

function profileLine(p: Profile, locationId: number): string {
  const loc = p.locations[locationId - 1];
  return `${p.functions[loc.lines[0].functionId - 1].name}:${loc.lines[0].line}`;
}

test('jfr: execution samples become process_cpu, monitor enters become mutex', () => {
  const profiles = jfrImporter.importProfiles(syntheticChunk(samples), { source: 'synthetic.jfr' });
  assert.deepEqual(
    profiles.map((p) => [p.name, p.sampleTypes.map((t) => `${t.type}/${t.unit}`)]),
    [
      ['mutex', ['contentions/count', 'delay/nanoseconds']],
      ['process_cpu', ['cpu/nanoseconds']],
    ],
  );
  const [mutex, cpu] = profiles;
  // The sleeping sample is not CPU time; each runnable one weighs 10 ms at the default 100 Hz.
  assert.deepEqual(stacks(cpu), ['Main.main:10;Main.work:20 30000000']);
  // Generated accessor classes lose their run-specific number.
  assert.deepEqual(stacks(mutex), [
    'Main.main:10;jdk/internal/reflect/GeneratedMethodAccessor_.main:1;Main.sleep:5 2 750',
  ]);
  assert.deepEqual(frameNamesRootFirst(cpu, cpu.samples[0]), ['Main.main', 'Main.work']);
  assert.deepEqual(cpu.samples[0].labels, [{ key: 'thread_name', str: 'worker-1' }]);
  assert.equal(cpu.timeNanos, 1_700_000_000_000_000_000);
  assert.equal(cpu.durationNanos, 5_000_000_000);
  assert.equal(cpu.period, 10_000_000);
});

test('jfr: several chunks are read and merged; sampleRate and truncatedFrame options apply', () => {
  const two = concatChunks(syntheticChunk(samples), syntheticChunk(samples.slice(0, 1)));
  const [mutex, cpu] = importFromJfr(two, 'two.jfr', {
    sampleRate: 1000,
    truncatedFrame: true,
    threadLabels: false,
  });
  assert.deepEqual(stacks(cpu), ['Main.main:10;Main.work:20 4000000']);
  assert.equal(cpu.samples[0].labels, undefined);
  // Stack 2 is marked truncated in the synthetic pool.
  assert.deepEqual(stacks(mutex), [
    '[truncated]:0;Main.main:10;jdk/internal/reflect/GeneratedMethodAccessor_.main:1;Main.sleep:5 2 750',
  ]);
});

test('jfr: lock durations stay in ticks like jfr-parser unless ticksToNanos is set', () => {
  const locks = syntheticChunk(samples.slice(4), 2_000_000_000);
  const [raw] = importFromJfr(locks, 'ticks.jfr', { threadLabels: false });
  const [nanos] = importFromJfr(locks, 'ticks.jfr', { threadLabels: false, ticksToNanos: true });
  assert.deepEqual(raw.samples[0].values, [2, 750]);
  assert.deepEqual(nanos.samples[0].values, [2, 375]);
});

test('jfr: sniff says "not mine" for other formats and short input', () => {
  const good = syntheticChunk(samples);
  assert.equal(jfrImporter.sniff(good), true);
  const wrongMagic = Uint8Array.from(good);
  wrongMagic[2] = 0x53; // 'FLS\0'
  assert.equal(jfrImporter.sniff(wrongMagic), false);
  assert.equal(jfrImporter.sniff(good.subarray(0, 3)), false);
  // Cut short after the magic: still JFR, so the importer reports where it is broken.
  assert.equal(jfrImporter.sniff(good.subarray(0, 10)), true);
  assert.throws(
    () => jfrImporter.importProfiles(good.subarray(0, 10), { source: 'cut.jfr' }),
    /cut\.jfr offset \d+/,
  );
  assert.equal(jfrImporter.sniff(new TextEncoder().encode('main;foo 1\n')), false);
  assert.throws(() => importFromJfr(wrongMagic, 'x.jfr'), FormatError);
});

/** expectFormatErrorOrProfiles runs the importer and fails on anything but success or FormatError. */
function expectFormatErrorOrProfiles(bytes: Uint8Array, what: string): 'ok' | 'error' {
  try {
    importFromJfr(bytes, 'mutated.jfr');
    return 'ok';
  } catch (err) {
    if (!(err instanceof FormatError)) {
      assert.fail(`${what}: ${(err as Error).name}: ${(err as Error).message}`);
    }
    assert.match(err.message, /offset \d+/, `${what}: the error names the byte offset`);
    // A cause means the importer's safety net caught an unplanned exception: a missing check.
    assert.equal(err.cause, undefined, `${what}: unplanned ${String(err.cause)}`);
    return 'error';
  }
}

test('jfr: truncation at every offset gives a FormatError with the offset', () => {
  const good = syntheticChunk(samples);
  for (let n = 0; n < good.length; n++) {
    assert.equal(
      expectFormatErrorOrProfiles(good.subarray(0, n), `truncated at ${n}`),
      'error',
      `truncated at ${n}`,
    );
  }
});

/** mulberry32 is a tiny seeded PRNG so fuzz failures reproduce. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(good: Uint8Array, rand: () => number): Uint8Array {
  const bad = Uint8Array.from(good);
  const flips = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < flips; i++) {
    const at = Math.floor(rand() * bad.length);
    // Mix bit flips with "interesting" bytes that make varints long and counts huge.
    bad[at] =
      rand() < 0.5
        ? bad[at] ^ (1 << Math.floor(rand() * 8))
        : [0x00, 0x7f, 0x80, 0xff][Math.floor(rand() * 4)];
  }
  return bad;
}

test('jfr: seeded random byte mutations never crash or hang', () => {
  const good = syntheticChunk(samples);
  const rand = mulberry32(20240126);
  const started = Date.now();
  const outcomes = { ok: 0, error: 0 };
  for (let i = 0; i < 3000; i++) outcomes[expectFormatErrorOrProfiles(mutate(good, rand), `mutation ${i}`)]++;
  assert.ok(outcomes.error > 0 && outcomes.ok > 0, `both outcomes occur: ${JSON.stringify(outcomes)}`);
  assert.ok(Date.now() - started < 20_000, 'mutations are handled quickly');
});

test('jfr: hostile counts are refused before allocating', () => {
  const good = syntheticChunk(samples);
  // The metadata string count sits right after the metadata header; make it 2^28-1.
  const view = new DataView(good.buffer, good.byteOffset);
  const metaOffset = Number(view.getBigInt64(24));
  const bad = Uint8Array.from(good);
  let p = metaOffset;
  for (let field = 0; field < 5; field++) while (bad[p++] & 0x80); // size, type, start, duration, id
  bad.set([0xff, 0xff, 0xff, 0x7f], p);
  const started = Date.now();
  assert.throws(() => importFromJfr(bad, 'hostile.jfr'), /metadata string count \d+ exceeds/);
  assert.ok(Date.now() - started < 1000);
});

const realFile = corpusPath('jfr-parser', 'parser', 'testdata', 'example.jfr.gz');
test('jfr: mutations of a real recording give profiles or FormatError', {
  skip: existsSync(realFile) ? undefined : `SKIPPED: ${realFile} is absent`,
}, () => {
  const good = maybeGunzip(readFileSync(realFile), realFile);
  const rand = mulberry32(7);
  for (let i = 0; i < 12; i++) expectFormatErrorOrProfiles(mutate(good, rand), `real mutation ${i}`);
  for (const cut of [100, 5000, Math.floor(good.length / 2), good.length - 1]) {
    assert.equal(expectFormatErrorOrProfiles(good.subarray(0, cut), `real cut ${cut}`), 'error');
  }
});
