/**
 * Conformance of the collapsed, flamebearer and pstats importers against third-party data in
 * the shared corpora (read in place: the pyroscope and gprof2dot folders are AGPL and LGPL).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { test } from 'node:test';
import { FormatError } from '../../src/errors.js';
import { collapsedImporter, importCollapsed, profileToCollapsed } from '../../src/formats/collapsed.js';
import {
  flamebearerExporter,
  flamebearerImporter,
  importFlamebearer,
  profileToFlamebearer,
} from '../../src/formats/flamebearer.js';
import { importPstats, importPstatsStats, pstatsImporter } from '../../src/formats/pstats.js';
import { frameNamesRootFirst, type Profile } from '../../src/model/profile.js';
import { corporaSkipReason, corpusPath } from '../corpora.js';

/** aggregate sums one sample type per root-first stack. */
function aggregate(profile: Profile, typeIndex = 0): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of profile.samples) {
    const key = frameNamesRootFirst(profile, s).join(';');
    out.set(key, (out.get(key) ?? 0) + s.values[typeIndex]);
  }
  return out;
}

// --- collapsed -------------------------------------------------------------------------------

interface SnapshotEntry {
  snapshot_file: string;
  test: string;
  sample: string;
  snapshot_keys: string[];
}

test('collapsed: speedscope bg-flamegraph snapshots (stacks and weights)', (t) => {
  const skip = corporaSkipReason('speedscope');
  if (skip) return t.skip(skip);
  const index = JSON.parse(
    readFileSync(corpusPath('speedscope/derived/SNAPSHOT_INDEX.json'), 'utf8'),
  ) as SnapshotEntry[];
  const snaps = JSON.parse(
    readFileSync(corpusPath('speedscope/derived/snapshots-json/bg-flamegraph.test.ts.snap.json'), 'utf8'),
  ) as Record<string, { stacks: string[] }>;
  const entries = index.filter((e) => e.snapshot_file === 'bg-flamegraph.test.ts.snap');
  assert.ok(entries.length >= 5, 'expected the five importFromBGFlameGraph entries');
  for (const entry of entries) {
    const bytes = new Uint8Array(readFileSync(corpusPath('speedscope', entry.sample)));
    assert.ok(collapsedImporter.sniff(bytes), `sniff ${entry.sample}`);
    const warnings: string[] = [];
    const [profile] = collapsedImporter.importProfiles(bytes, {
      source: entry.sample,
      warn: (w) => warnings.push(w),
    });
    const expected = new Map<string, number>();
    for (const line of snaps[`${entry.test} 1`].stacks) {
      const cut = line.lastIndexOf(' ');
      const key = line.slice(0, cut);
      expected.set(key, (expected.get(key) ?? 0) + Number(line.slice(cut + 1)));
    }
    assert.deepEqual(aggregate(profile), expected, entry.sample);
    if (entry.sample.includes('invalid')) assert.equal(warnings.length, 1, 'one counted warning');
    else assert.deepEqual(warnings, []);
  }
  t.diagnostic(`compared ${entries.length} speedscope collapsed snapshots`);
});

test('collapsed: every speedscope stackcollapse sample and gprof2dot collapse input round-trips', (t) => {
  const skip = corporaSkipReason('speedscope') ?? corporaSkipReason('gprof2dot-LGPL');
  if (skip) return t.skip(skip);
  const dir = corpusPath('speedscope/sample/profiles/stackcollapse');
  const files = [
    ...['alternating', 'perf-vertx-stacks-01-collapsed-all', 'recursion', 'simple', 'tall'].map(
      (n) => `${dir}/${n}.txt`,
    ),
    corpusPath('gprof2dot-LGPL/tests/collapse/keywords.collapse'),
  ];
  for (const file of files) {
    const bytes = new Uint8Array(readFileSync(file));
    assert.ok(collapsedImporter.sniff(bytes), `sniff ${basename(file)}`);
    const profile = importCollapsed(bytes, { source: file });
    // Independent expectation: total of the trailing counts in the raw text.
    const rawTotal = new TextDecoder()
      .decode(bytes)
      .split('\n')
      .filter((l) => /\s\d+\s*$/.test(l))
      .reduce((sum, l) => sum + Number(l.trim().split(/\s+/).pop()), 0);
    const total = profile.samples.reduce((sum, s) => sum + s.values[0], 0);
    assert.equal(total, rawTotal, basename(file));
    const again = importCollapsed(new TextEncoder().encode(profileToCollapsed(profile)), { source: 'again' });
    assert.deepEqual(aggregate(again), aggregate(profile), basename(file));
  }
  t.diagnostic(`round-tripped ${files.length} collapsed files`);
});

test('collapsed: FlameGraph and inferno stackcollapse outputs re-export byte for byte', (t) => {
  const skip = corporaSkipReason('flamegraph') ?? corporaSkipReason('inferno');
  if (skip) return t.skip(skip);
  const dirs = [
    corpusPath('flamegraph/test/results'),
    corpusPath('inferno/tests/data/collapse-perf/results'),
  ];
  let files = 0;
  for (const dir of dirs) {
    for (const name of readdirSync(dir)) {
      const bytes = new Uint8Array(readFileSync(`${dir}/${name}`));
      // An empty output (no events) is nobody's format by content; it still imports.
      if (bytes.length > 0) assert.ok(collapsedImporter.sniff(bytes), `sniff ${name}`);
      const warnings: string[] = [];
      const profile = importCollapsed(bytes, { source: name, warn: (w) => warnings.push(w) });
      assert.deepEqual(warnings, [], name);
      // stackcollapse output is one sorted line per distinct stack, exactly what the exporter writes.
      assert.equal(profileToCollapsed(profile), new TextDecoder().decode(bytes), name);
      files++;
    }
  }
  assert.ok(files >= 90, `expected the FlameGraph and inferno result files, found ${files}`);
  t.diagnostic(`${files} stackcollapse outputs re-exported identically`);
});

// --- flamebearer ----------------------------------------------------------------------------

const FLAMEBEARER_JSON = 'pyroscope-AGPL/pkg/og/structs/flamebearer/convert/testdata/profile.json';

test('flamebearer: Pyroscope render response imports and re-exports byte-identical levels', (t) => {
  const skip = corporaSkipReason('pyroscope-AGPL');
  if (skip) return t.skip(skip);
  const bytes = new Uint8Array(readFileSync(corpusPath(FLAMEBEARER_JSON)));
  const original = JSON.parse(new TextDecoder().decode(bytes));
  assert.ok(flamebearerImporter.sniff(bytes));
  const [profile] = flamebearerImporter.importProfiles(bytes, { source: FLAMEBEARER_JSON });
  const total = profile.samples.reduce((sum, s) => sum + s.values[0], 0);
  assert.equal(total, original.flamebearer.numTicks, 'self values add up to numTicks');
  assert.equal(profile.name, original.metadata.name);
  // Pyroscope lays out the same tree the same way: names order, levels and counters match.
  const again = profileToFlamebearer(profile, 0);
  assert.deepEqual(again.names, original.flamebearer.names);
  assert.deepEqual(again.levels, original.flamebearer.levels);
  assert.equal(again.numTicks, original.flamebearer.numTicks);
  assert.equal(again.maxSelf, original.flamebearer.maxSelf);
  // import -> export -> import keeps stacks and values, and metadata units and rate.
  const exported = flamebearerExporter.exportProfile(profile);
  const [reimported] = importFlamebearer(exported, { source: 'exported' });
  assert.deepEqual(aggregate(reimported), aggregate(profile));
  const meta = JSON.parse(new TextDecoder().decode(exported)).metadata;
  assert.deepEqual([meta.units, meta.sampleRate], [original.metadata.units, original.metadata.sampleRate]);
  t.diagnostic(
    `${profile.samples.length} stacks, ${original.flamebearer.names.length} names, ${original.flamebearer.levels.length} levels`,
  );
});

test('flamebearer: the Pyroscope profile truncated or corrupted is a FormatError, never a crash', (t) => {
  const skip = corporaSkipReason('pyroscope-AGPL');
  if (skip) return t.skip(skip);
  const bytes = new Uint8Array(readFileSync(corpusPath(FLAMEBEARER_JSON)));
  for (let cut = 0; cut < bytes.length; cut += 7) {
    assert.throws(
      () => importFlamebearer(bytes.subarray(0, cut), { source: 'cut' }),
      FormatError,
      `cut at ${cut}`,
    );
  }
  const doc = JSON.parse(new TextDecoder().decode(bytes));
  doc.flamebearer.levels[3][0] = 10_000;
  assert.throws(
    () => importFlamebearer(new TextEncoder().encode(JSON.stringify(doc)), { source: 'moved' }),
    /outside every node/,
  );
});

// --- pstats ----------------------------------------------------------------------------------

const PSTATS_FILES = [
  'tests/pstats/memtrail.pstats',
  'tests/compare/pstats/print/print1.pstats',
  'tests/compare/pstats/print/print2.pstats',
];

/** PYTHON_DUMP prints pstats.Stats(path).stats as JSON, floats in shortest round-trip form. */
const PYTHON_DUMP = `
import json, pstats, sys
out = []
for path in sys.argv[1:]:
    st = pstats.Stats(path).stats
    out.append([[list(k), list(v[:4]), sorted([list(ck), list(cv) if isinstance(cv, tuple) else cv] for ck, cv in v[4].items())] for k, v in st.items()])
print(json.dumps(out))
`;

test('pstats: gprof2dot files match CPython pstats.Stats exactly', (t) => {
  const skip = corporaSkipReason('gprof2dot-LGPL');
  if (skip) return t.skip(skip);
  const paths = PSTATS_FILES.map((f) => corpusPath('gprof2dot-LGPL', f));
  const tables = paths.map((p) => importPstatsStats(new Uint8Array(readFileSync(p)), p));
  assert.equal(tables[0].length, 493, 'memtrail.pstats has 493 functions');
  const run = spawnSync('python3', ['-c', PYTHON_DUMP, ...paths], { maxBuffer: 64 << 20 });
  if (run.error || run.status !== 0) {
    return t.skip(
      `SKIPPED python comparison: python3 unavailable (${run.error?.message ?? run.stderr.toString()})`,
    );
  }
  const expected = JSON.parse(run.stdout.toString()) as Array<
    Array<[[string, number, string], number[], unknown[]]>
  >;
  let functions = 0;
  tables.forEach((table, i) => {
    const ours = table.map((e) => [
      [e.file, e.line, e.name],
      [e.cc, e.nc, e.tt, e.ct],
      e.callers
        .map((c) => [
          [c.file, c.line, c.name],
          [c.cc, c.nc, c.tt, c.ct],
        ])
        .sort((a, b) => (JSON.stringify(a[0]) < JSON.stringify(b[0]) ? -1 : 1)),
    ]);
    const theirs = expected[i].map(([k, v, callers]) => [
      k,
      v,
      (callers as Array<[unknown, unknown]>).sort((a, b) =>
        JSON.stringify(a[0]) < JSON.stringify(b[0]) ? -1 : 1,
      ),
    ]);
    assert.deepEqual(ours, theirs, PSTATS_FILES[i]);
    functions += table.length;
  });
  t.diagnostic(`matched ${functions} functions (cc, nc, tt, ct and callers) in ${paths.length} files`);
});

test('pstats: profile samples reproduce nc and tt per function', (t) => {
  const skip = corporaSkipReason('gprof2dot-LGPL');
  if (skip) return t.skip(skip);
  for (const f of PSTATS_FILES) {
    const bytes = new Uint8Array(readFileSync(corpusPath('gprof2dot-LGPL', f)));
    assert.ok(pstatsImporter.sniff(bytes), `sniff ${f}`);
    const [profile] = pstatsImporter.importProfiles(bytes, { source: f });
    const table = importPstatsStats(bytes);
    const flat = new Map<number, number[]>();
    for (const s of profile.samples) {
      const fnId = profile.locations[s.locationIds[0] - 1].lines[0].functionId;
      const acc = flat.get(fnId) ?? [0, 0];
      flat.set(fnId, [acc[0] + s.values[0], acc[1] + s.values[1]]);
    }
    for (const e of table) {
      const fn = profile.functions.find(
        (x) => x.name === e.name && x.startLine === e.line && x.filename === (e.file === '~' ? '' : e.file),
      );
      assert.ok(fn, `${e.name} in function table`);
      assert.deepEqual(flat.get(fn.id), [e.nc, Math.round(e.tt * 1e9)], `${f} ${e.name}`);
    }
  }
});

test('pstats: print1.pstats truncated at every offset is a FormatError', (t) => {
  const skip = corporaSkipReason('gprof2dot-LGPL');
  if (skip) return t.skip(skip);
  const bytes = new Uint8Array(readFileSync(corpusPath('gprof2dot-LGPL', PSTATS_FILES[1])));
  for (let cut = 0; cut < bytes.length; cut++) {
    assert.throws(
      () => importPstats(bytes.subarray(0, cut), { source: 'print1' }),
      FormatError,
      `cut at ${cut}`,
    );
  }
  t.diagnostic(`${bytes.length} truncations rejected`);
});
