import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { exportToPprof, importPprof, sniffPprof } from '../../src/formats/pprof.js';
import { maybeGunzip } from '../../src/io/decompress.js';
import type { Profile } from '../../src/model/profile.js';
import { defaultSampleTypeIndex, frameNamesRootFirst } from '../../src/model/profile.js';
import { computeTop, renderTopText } from '../../src/report/top.js';
import { corporaSkipReason, corpusPath } from '../corpora.js';

/**
 * `go tool pprof -top` (go1.19.8, -nodecount=1000000 -nodefraction=0 -edgefraction=0
 * -symbolize=none) was run on every input of corpora/pprof; its outputs are in
 * derived/go1.19.8-pprof/NAME.top.txt, NAME being the input's corpora path with '/' -> '_'.
 * Our top report must print the same functions with the same flat, flat%, sum%, cum, cum%.
 * Only protobuf inputs count: gperftools/Java legacy formats are not supported, and are listed.
 */

const goldenDir = corpusPath('pprof', 'derived', 'go1.19.8-pprof');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/** goldenInputs pairs each *.top.txt golden with the corpus file it was made from. */
function goldenInputs(): Array<{ golden: string; input: string }> {
  const candidates = new Map<string, string>();
  for (const root of ['pprof', join('speedscope', 'sample', 'profiles', 'pprof')]) {
    for (const path of walk(corpusPath(root))) {
      if (path.startsWith(goldenDir)) continue;
      candidates.set(relative(corpusPath(), path).replaceAll('/', '_'), path);
    }
  }
  return readdirSync(goldenDir)
    .filter((f) => /\.top\.txt(\.gz)?$/.test(f))
    .sort()
    .map((f) => {
      const name = f.replace(/\.top\.txt(\.gz)?$/, '');
      const input = candidates.get(name);
      assert.ok(input, `no corpus input for golden ${f}`);
      return { golden: join(goldenDir, f), input };
    });
}

interface Row {
  flat: string;
  flatPct: string;
  sumPct: string;
  cum: string;
  cumPct: string;
  name: string;
}

/** parseTop splits a -top text into header lines and rows (fields as printed). */
function parseTop(text: string): { header: string[]; rows: Row[] } {
  const lines = text.split('\n').filter((l) => l !== '');
  const at = lines.findIndex((l) => /^\s+flat\s+flat%\s+sum%\s+cum\s+cum%$/.test(l));
  assert.ok(at >= 0, 'no column header line');
  const rows = lines.slice(at + 1).map((line): Row => {
    const m = /^\s*(\S+)\s+(\S+%)\s+(\S+%)\s+(\S+)\s+(\S+%)\s{2}(.+)$/.exec(line);
    assert.ok(m, `unparsable row: ${line}`);
    return { flat: m[1], flatPct: m[2], sumPct: m[3], cum: m[4], cumPct: m[5], name: m[6] };
  });
  return { header: lines.slice(0, at), rows };
}

function readMaybeGzipped(path: string): Uint8Array {
  return maybeGunzip(readFileSync(path), path);
}

/** rowDifferences names each function missing, extra or printed differently. */
function rowDifferences(ours: Row[], theirs: Row[]): string[] {
  const diffs: string[] = [];
  const mine = new Map(ours.map((r) => [r.name, r]));
  for (const want of theirs) {
    const got = mine.get(want.name);
    if (!got) diffs.push(`missing ${want.name}`);
    else if (JSON.stringify(got) !== JSON.stringify(want))
      diffs.push(`${want.name}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    mine.delete(want.name);
  }
  for (const extra of mine.keys()) diffs.push(`extra ${extra}`);
  if (diffs.length === 0 && ours.map((r) => r.name).join('\n') !== theirs.map((r) => r.name).join('\n')) {
    diffs.push('same rows in a different order');
  }
  return diffs;
}

test('top agrees with go tool pprof -top on every protobuf input', (t) => {
  const skip = corporaSkipReason('pprof/derived/go1.19.8-pprof');
  if (skip) return t.skip(skip);
  const legacy: string[] = [];
  const failures: string[] = [];
  let agree = 0;
  let headersAgree = 0;
  let compared = 0;
  for (const { golden, input } of goldenInputs()) {
    const bytes = readMaybeGzipped(input);
    if (!sniffPprof(bytes)) {
      legacy.push(relative(corpusPath(), input));
      continue;
    }
    compared++;
    const profile = importPprof(bytes, input);
    const top = computeTop(profile, {
      sampleTypeIndex: defaultSampleTypeIndex(profile),
      nodeCount: 1_000_000,
    });
    const ours = parseTop(renderTopText(profile, top));
    const theirs = parseTop(new TextDecoder().decode(readMaybeGzipped(golden)));
    const diffs = rowDifferences(ours.rows, theirs.rows);
    if (diffs.length === 0) agree++;
    else failures.push(`${relative(corpusPath(), input)}: ${diffs.slice(0, 5).join('; ')}`);
    if (JSON.stringify(ours.header) === JSON.stringify(theirs.header)) headersAgree++;
    else
      failures.push(
        `${relative(corpusPath(), input)}: header ${JSON.stringify(ours.header)} != ${JSON.stringify(theirs.header)}`,
      );
  }
  const summary = `pprof -top goldens: ${agree} of ${compared} protobuf inputs agree row by row, ${headersAgree} headers agree; legacy formats not compared (${legacy.length}): ${legacy.join(', ')}`;
  t.diagnostic(summary);
  process.stderr.write(`${summary}\n`);
  assert.ok(compared >= 5, `expected at least 5 protobuf goldens, found ${compared}`);
  assert.deepEqual(failures, []);
});

/** pprofCorpusFiles lists every protobuf profile in the corpora (pprof + Pyroscope fixtures). */
function pprofCorpusFiles(): string[] {
  const roots = [
    'pprof',
    join('speedscope', 'sample', 'profiles', 'pprof'),
    join('pyroscope-AGPL', 'pkg', 'og', 'convert', 'pprof', 'testdata'),
    join('pyroscope-AGPL', 'pkg', 'pprof', 'testdata'),
  ];
  return roots
    .flatMap((r) => walk(corpusPath(r)))
    .filter((p) => !p.startsWith(goldenDir) && !/\.(json|txt|md|dot|rpt|src)$/.test(p))
    .filter((p) => sniffPprof(readMaybeGzipped(p)))
    .sort();
}

/** stacksOf renders every sample as "root;..;leaf values" for comparison. */
function stacksOf(profile: Profile): string[] {
  return profile.samples.map((s) => `${frameNamesRootFirst(profile, s).join(';')} ${s.values.join(',')}`);
}

test('every pprof corpus file imports and round-trips through exportToPprof', (t) => {
  const skip = corporaSkipReason('pprof') ?? corporaSkipReason('pyroscope-AGPL');
  if (skip) return t.skip(skip);
  const files = pprofCorpusFiles();
  const failures: string[] = [];
  let roundTripped = 0;
  for (const file of files) {
    const rel = relative(corpusPath(), file);
    try {
      const first = importPprof(readFileSync(file), rel);
      const again = importPprof(exportToPprof(first), `${rel} (re-exported)`);
      assert.deepEqual(stacksOf(again), stacksOf(first));
      assert.deepEqual(again.sampleTypes, first.sampleTypes);
      roundTripped++;
    } catch (err) {
      failures.push(`${rel}: ${(err as Error).message.slice(0, 300)}`);
    }
  }
  const pyroscope = files.filter((f) => f.includes('pyroscope-AGPL')).length;
  const summary = `pprof corpus: ${roundTripped} of ${files.length} files import and round-trip (${pyroscope} Pyroscope fixtures)`;
  t.diagnostic(summary);
  process.stderr.write(`${summary}\n`);
  assert.ok(files.length >= 30, `expected the pprof corpora, found ${files.length} files`);
  assert.deepEqual(failures, []);
});
