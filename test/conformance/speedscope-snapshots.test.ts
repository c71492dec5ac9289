import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { FormatError } from '../../src/errors.js';
import { chromeCpuprofileImporter } from '../../src/formats/chrome-cpuprofile.js';
import { speedscopeExporter, speedscopeImporter } from '../../src/formats/speedscope.js';
import type { FormatImporter } from '../../src/formats/types.js';
import { v8HeapprofileImporter } from '../../src/formats/v8-heapprofile.js';
import type { Profile } from '../../src/model/profile.js';
import { frameNamesRootFirst } from '../../src/model/profile.js';
import { corporaSkipReason, corpusPath } from '../corpora.js';
import type { DumpFlavour, SpeedscopeDump } from './speedscope-dump.js';
import { dumpForSpeedscope, expectedName, parseSnapshotStack } from './speedscope-dump.js';

/**
 * Conformance with speedscope's own importer snapshots (corpora/speedscope, MIT): for every
 * sample file of the three formats autoprof shares with speedscope (V8 CPU profiles and Chrome
 * traces, V8 heap profiles, speedscope JSON), import it and compare each profile with
 * speedscope's `dumpProfile` snapshot: the weight of every distinct stack, the frames, the
 * profile names. Files of other formats are listed as skipped, not silently dropped.
 */

interface IndexEntry {
  snapshot_file: string;
  test: string;
  kind: string;
  sample: string;
  snapshot_keys: string[];
}

interface SnapshotFrame {
  name: string;
  file: string | null;
  line: number | null;
  col: number | null;
  totalWeight: number;
}

interface SnapshotProfile {
  name: string;
  frames: SnapshotFrame[];
  stacks: string[];
}

interface Ours {
  importer: FormatImporter;
  flavour: DumpFlavour;
}

const skip = corporaSkipReason('speedscope');
const chrome: Ours = { importer: chromeCpuprofileImporter, flavour: 'chrome-cpu' };

/** oursFor picks the importer for a sample path, or undefined when the format is not ours. */
function oursFor(sample: string): Ours | undefined {
  if (sample.endsWith('.heapprofile')) return { importer: v8HeapprofileImporter, flavour: 'v8-heap' };
  if (sample.includes('/speedscope/')) return { importer: speedscopeImporter, flavour: 'plain' };
  if (sample.includes('/Chrome/') || sample.endsWith('.cpuprofile')) {
    return chrome;
  }
  return undefined;
}

function loadIndex(): IndexEntry[] {
  return JSON.parse(readFileSync(corpusPath('speedscope', 'derived', 'SNAPSHOT_INDEX.json'), 'utf8'));
}

const snapshotCache = new Map<string, Record<string, unknown>>();
function snapshot(file: string): Record<string, unknown> {
  let s = snapshotCache.get(file);
  if (!s) {
    s = JSON.parse(
      readFileSync(corpusPath('speedscope', 'derived', 'snapshots-json', `${file}.json`), 'utf8'),
    );
    snapshotCache.set(file, s!);
  }
  return s!;
}

/** compareProfile returns every difference between our dump and speedscope's snapshot. */
function compareProfile(ours: SpeedscopeDump, theirs: SnapshotProfile): string[] {
  const problems: string[] = [];
  const expected = new Map<string, { value: number; tolerance: number }>();
  for (const line of theirs.stacks) {
    const w = parseSnapshotStack(line);
    const e = expected.get(w.stack) ?? { value: 0, tolerance: 0 };
    e.value += w.value;
    e.tolerance += w.tolerance;
    expected.set(w.stack, e);
  }
  for (const stack of new Set([...expected.keys(), ...ours.totals.keys()])) {
    // The empty stack is idle time, which speedscope's dump shows only between frames: it
    // includes the lead-in before the first sample and misses idle time after the last frame.
    if (stack === '') continue;
    const want = expected.get(stack) ?? { value: 0, tolerance: 0 };
    const got = ours.totals.get(stack) ?? 0;
    if (Math.abs(got - want.value) > want.tolerance + 1e-9 * Math.abs(want.value)) {
      problems.push(
        `stack ${JSON.stringify(stack)}: ours ${got}, speedscope ${want.value} ± ${want.tolerance}`,
      );
    }
  }
  // Frames match on name, file, line and column; a layout without columns (legacy CPU
  // profiles) leaves ours 0 where speedscope invents 1, so a 0 column matches any.
  const oursByLine = new Map<string, number[]>();
  for (const o of ours.frames.values()) {
    const key = `${o.name}:${o.file}:${o.line}`;
    oursByLine.set(key, [...(oursByLine.get(key) ?? []), o.col]);
  }
  const used = new Set<string>();
  for (const f of theirs.frames) {
    if (f.totalWeight <= 0) continue;
    const key = `${f.name}:${f.file ?? ''}:${f.line ?? 0}`;
    const cols = oursByLine.get(key) ?? [];
    const col = cols.find((c) => c === (f.col ?? 0)) ?? cols.find((c) => c === 0);
    if (col === undefined) problems.push(`frame ${key}:${f.col} missing`);
    else used.add(`${key}:${col}`);
  }
  for (const o of ours.frames.values()) {
    const key = `${o.name}:${o.file}:${o.line}:${o.col}`;
    if (!used.has(key)) problems.push(`extra frame ${key}`);
  }
  return problems;
}

const tally = new Map<string, { attempted: number; matched: number }>();
const notOurs: string[] = [];
function count(format: string, matched: boolean) {
  const t = tally.get(format) ?? { attempted: 0, matched: 0 };
  t.attempted++;
  if (matched) t.matched++;
  tally.set(format, t);
}

test('speedscope snapshots', { skip }, async (t) => {
  for (const entry of loadIndex()) {
    const ours = oursFor(entry.sample);
    if (!ours) {
      notOurs.push(`${entry.test} (${entry.sample})`);
      continue;
    }
    await t.test(`${ours.importer.name}: ${entry.test}`, () => {
      let passed = false;
      try {
        const file = corpusPath('speedscope', entry.sample);
        const bytes = readFileSync(file);
        assert.ok(ours.importer.sniff(bytes), `${ours.importer.name} does not recognise ${entry.sample}`);
        const snap = snapshot(entry.snapshot_file);
        if (entry.kind === 'expectImportFailure') {
          assert.throws(() => ours.importer.importProfiles(bytes, { source: file }), FormatError);
          passed = true;
          return;
        }
        const profiles: Profile[] = ours.importer.importProfiles(bytes, { source: file, warn: () => {} });
        const theirs: SnapshotProfile[] = [];
        for (let i = 1; `${entry.test} ${i}` in snap; i++)
          theirs.push(snap[`${entry.test} ${i}`] as SnapshotProfile);
        assert.equal(profiles.length, theirs.length, 'profile count');
        const problems: string[] = [];
        profiles.forEach((p, i) => {
          if (expectedName(file, p, ours.flavour) !== theirs[i].name) {
            problems.push(
              `profile ${i + 1} name ${expectedName(file, p, ours.flavour)} vs ${theirs[i].name}`,
            );
          }
          for (const problem of compareProfile(dumpForSpeedscope(p, ours.flavour), theirs[i])) {
            problems.push(`profile ${i + 1}: ${problem}`);
          }
        });
        assert.deepEqual(problems.slice(0, 20), [], `${problems.length} differences`);
        passed = true;
      } finally {
        count(ours.importer.name, passed);
      }
    });
  }
  const lines = [...tally].map(([format, c]) => `${format}: ${c.matched}/${c.attempted} files match`);
  process.stderr.write(`\nspeedscope conformance:\n  ${lines.join('\n  ')}\n`);
  process.stderr.write(
    `  skipped-not-ours: ${notOurs.length} entries (${[...new Set(notOurs.map(formatOf))].join(', ')})\n`,
  );
});

test('every speedscope sample file: ours import, the rest are not claimed', { skip }, () => {
  const root = corpusPath('speedscope', 'sample', 'profiles');
  const problems: string[] = [];
  let imported = 0;
  for (const rel of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
    const file = join(root, rel);
    if (rel.endsWith('.zip') || !statSync(file).isFile()) continue;
    const bytes = readFileSync(file);
    // Chrome traces saved for speedscope's source-map tests are Chrome traces too.
    const ours =
      oursFor(`sample/profiles/${rel}`) ?? (rel.startsWith('source-maps/chrome-') ? chrome : undefined);
    for (const importer of [chromeCpuprofileImporter, v8HeapprofileImporter, speedscopeImporter]) {
      const claims = importer.sniff(bytes);
      if (claims !== (ours?.importer === importer)) {
        problems.push(`${importer.name} ${claims ? 'claims' : 'misses'} ${rel}`);
      }
    }
    if (ours && !rel.startsWith('speedscope/invalid')) {
      const profiles = ours.importer.importProfiles(bytes, { source: file, warn: () => {} });
      if (profiles.every((p) => p.samples.length === 0)) {
        problems.push(`${rel}: no samples`);
      }
      imported++;
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(imported >= 15, `imported ${imported} files`);
});

function formatOf(label: string): string {
  const m = /sample\/profiles\/([^/]+)\//.exec(label);
  return m ? m[1] : basename(label);
}

/**
 * ourSampleFiles lists the corpus files of our formats that import cleanly, up to `maxBytes`
 * each: the largest ones add seconds and no new shapes.
 */
function ourSampleFiles(maxBytes: number): Array<{ rel: string; ours: Ours }> {
  const root = corpusPath('speedscope', 'sample', 'profiles');
  const files: Array<{ rel: string; ours: Ours }> = [];
  for (const rel of readdirSync(root, { recursive: true, encoding: 'utf8' }).sort()) {
    const ours = oursFor(`sample/profiles/${rel}`);
    const stat = statSync(join(root, rel));
    if (ours && !rel.startsWith('speedscope/invalid') && stat.isFile() && stat.size <= maxBytes) {
      files.push({ rel, ours });
    }
  }
  return files;
}

test('corpus profiles survive speedscope export and re-import', { skip }, () => {
  const root = corpusPath('speedscope', 'sample', 'profiles');
  for (const { rel, ours } of ourSampleFiles(800_000)) {
    for (const profile of ours.importer.importProfiles(readFileSync(join(root, rel)), { source: rel })) {
      const back = speedscopeImporter.importProfiles(speedscopeExporter.exportProfile(profile), {
        source: rel,
      });
      assert.equal(back.length, profile.sampleTypes.length, rel);
      profile.sampleTypes.forEach((_, t) => {
        const want = new Map<string, number>();
        for (const s of profile.samples) {
          if (s.values[t] === 0) continue;
          const key = frameNamesRootFirst(profile, s).join(';');
          want.set(key, (want.get(key) ?? 0) + s.values[t]);
        }
        const got = new Map<string, number>();
        for (const s of back[t].samples) {
          const key = frameNamesRootFirst(back[t], s).join(';');
          got.set(key, (got.get(key) ?? 0) + s.values[0]);
        }
        assert.deepEqual(got, want, `${rel} sample type ${t}`);
      });
    }
  }
});

test('truncated or garbled corpus files give FormatErrors, never crashes', { skip }, () => {
  const root = corpusPath('speedscope', 'sample', 'profiles');
  let tried = 0;
  for (const { rel, ours } of ourSampleFiles(300_000)) {
    const bytes = readFileSync(join(root, rel));
    const variants: Uint8Array[] = [];
    for (let k = 1; k < 8; k++) variants.push(bytes.subarray(0, Math.floor((bytes.length * k) / 8)));
    // Garble: swap digits for letters and brackets for braces at a few spread-out spots.
    for (let k = 1; k < 8; k++) {
      const copy = Uint8Array.from(bytes);
      const at = Math.floor((copy.length * k) / 8);
      for (let i = at; i < Math.min(copy.length, at + 64); i++) {
        if (copy[i] >= 0x30 && copy[i] <= 0x39)
          copy[i] = 0x22; // digit -> quote
        else if (copy[i] === 0x5b) copy[i] = 0x7b; // [ -> {
      }
      variants.push(copy);
    }
    for (const variant of variants) {
      tried++;
      try {
        ours.importer.importProfiles(variant, { source: rel, warn: () => {} });
      } catch (err) {
        assert.ok(err instanceof FormatError, `${rel}: ${(err as Error).stack}`);
      }
    }
  }
  assert.ok(tried >= 100, `tried ${tried} variants`);
});
