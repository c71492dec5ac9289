import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { createRng } from '../../src/analysis/seeded-random.js';
import { AutoprofError } from '../../src/errors.js';
import { importProfileBytes, sniffFormat } from '../../src/formats/index.js';
import { maybeGunzip } from '../../src/io/decompress.js';
import { profileProblems } from '../../src/model/validate.js';
import { corporaSkipReason, corpusPath } from '../corpora.js';
import { corpusProfileInputs } from '../corpus-inputs.js';

/**
 * Seeded mutation fuzzing over the corpus: truncations, byte flips, insertions and duplicated
 * chunks of every supported format must end in a profile that keeps the model's invariants or
 * in a typed AutoprofError, quickly. AUTOPROF_FUZZ_ITERATIONS (default 12 per seed file) and
 * AUTOPROF_FUZZ_SEED make a longer or different run on demand.
 */
const ITERATIONS = Number(process.env.AUTOPROF_FUZZ_ITERATIONS ?? 12);
const SEED = Number(process.env.AUTOPROF_FUZZ_SEED ?? 20261121);
const SEEDS_PER_FORMAT = Number(process.env.AUTOPROF_FUZZ_FILES_PER_FORMAT ?? 4);
const SLOW_MS = 3000;

type Mutation = (bytes: Uint8Array, rand: () => number) => Uint8Array;

const mutations: Record<string, Mutation> = {
  truncate: (b, r) => b.subarray(0, Math.floor(r() * b.length)),
  flipBytes: (b, r) => {
    const out = Uint8Array.from(b);
    const n = 1 + Math.floor(r() * 8);
    for (let i = 0; i < n && out.length > 0; i++) out[Math.floor(r() * out.length)] = Math.floor(r() * 256);
    return out;
  },
  insertBytes: (b, r) => {
    const at = Math.floor(r() * b.length);
    const junk = Uint8Array.from({ length: 1 + Math.floor(r() * 16) }, () => Math.floor(r() * 256));
    return Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]);
  },
  duplicateChunk: (b, r) => {
    const from = Math.floor(r() * b.length);
    const len = Math.min(b.length - from, 1 + Math.floor(r() * 256));
    const at = Math.floor(r() * b.length);
    return Buffer.concat([b.subarray(0, at), b.subarray(from, from + len), b.subarray(at)]);
  },
  // Hostile numbers where text formats keep counts and ids.
  hugeNumber: (b, r) => {
    const text = Buffer.from(b).toString('latin1');
    const matches = [...text.matchAll(/\d+/g)];
    if (matches.length === 0) return b;
    const m = matches[Math.floor(r() * matches.length)];
    const replacement = ['99999999999999999999', '-1', '4294967296', '1e308', 'NaN'][Math.floor(r() * 5)];
    return Buffer.from(
      text.slice(0, m.index) + replacement + text.slice((m.index ?? 0) + m[0].length),
      'latin1',
    );
  },
};

function seedFiles(): Array<{ rel: string; bytes: Uint8Array; format: string }> {
  const byFormat = new Map<string, Array<{ rel: string; bytes: Uint8Array; format: string }>>();
  for (const rel of corpusProfileInputs(256 * 1024)) {
    const bytes = maybeGunzip(readFileSync(corpusPath(rel)), rel);
    const format = sniffFormat(bytes)?.name;
    if (!format) continue;
    try {
      importProfileBytes(bytes, { source: rel });
    } catch {
      continue;
    }
    const list = byFormat.get(format) ?? [];
    list.push({ rel, bytes, format });
    byFormat.set(format, list);
  }
  return [...byFormat.values()].flatMap((list) =>
    list.sort((a, b) => a.bytes.length - b.bytes.length).slice(0, SEEDS_PER_FORMAT),
  );
}

test('mutated corpus inputs give a sound profile or a typed error, quickly', (t) => {
  const skip = corporaSkipReason();
  if (skip) return t.skip(skip);
  // Seeded, so a failure is reproducible from the seed it prints.
  const rand = createRng(SEED);
  const failures: string[] = [];
  const outcomes = { profiles: 0, typedErrors: 0 };
  const seeds = seedFiles();
  assert.ok(seeds.length > 0, 'no importable seed files found in the corpus');
  for (const seed of seeds) {
    for (let i = 0; i < ITERATIONS; i++) {
      const names = Object.keys(mutations);
      const name = names[Math.floor(rand() * names.length)];
      let input = mutations[name](seed.bytes, rand);
      if (rand() < 0.1) input = gzipSync(input);
      const tag = `${seed.rel} #${i} ${name} (seed ${SEED})`;
      const started = performance.now();
      try {
        const profiles = importProfileBytes(input, { source: tag, warn: () => {} });
        const problems = profiles.flatMap((p) => profileProblems(p, 3));
        if (problems.length > 0) failures.push(`${tag}: unsound profile: ${problems.join('; ')}`);
        outcomes.profiles++;
      } catch (err) {
        if (err instanceof AutoprofError) outcomes.typedErrors++;
        else failures.push(`${tag}: untyped ${(err as Error).name}: ${(err as Error).message}`);
      }
      const ms = performance.now() - started;
      if (ms > SLOW_MS) failures.push(`${tag}: took ${ms.toFixed(0)} ms`);
    }
  }
  const formats = [...new Set(seeds.map((s) => s.format))].join(', ');
  t.diagnostic(
    `${seeds.length} seed files (${formats}), ${ITERATIONS} mutations each: ${outcomes.profiles} profiles, ${outcomes.typedErrors} typed errors`,
  );
  assert.deepEqual(failures.slice(0, 20), []);
});

test('a gzip bomb is refused by the decompression cap', () => {
  const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
  const previous = process.env.AUTOPROF_MAX_DECOMPRESSED_BYTES;
  process.env.AUTOPROF_MAX_DECOMPRESSED_BYTES = String(8 * 1024 * 1024);
  try {
    assert.throws(() => importProfileBytes(bomb, { source: 'bomb.gz' }), /exceeds the cap of 8388608 bytes/);
  } finally {
    if (previous === undefined) delete process.env.AUTOPROF_MAX_DECOMPRESSED_BYTES;
    else process.env.AUTOPROF_MAX_DECOMPRESSED_BYTES = previous;
  }
});
