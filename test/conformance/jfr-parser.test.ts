/**
 * Conformance against grafana/jfr-parser's pprof goldens (corpora/jfr-parser, Apache-2.0).
 * For every case in INDEX.json the .jfr.gz is gunzipped here, imported, and each profile is
 * rendered the way jfr-parser's `stackCollapseProto(profile, true)` does, then compared byte for
 * byte with `<case>_<i>_<metric>_<types>[_<test>]_expected_collapsed.txt.gz`.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { decodeLabelsSnapshot } from '../../src/formats/jfr/labels.js';
import { profileSortKey } from '../../src/formats/jfr/profiles.js';
import { importFromJfr } from '../../src/formats/jfr.js';
import { maybeGunzip } from '../../src/io/decompress.js';
import type { Profile } from '../../src/model/profile.js';
import { corporaSkipReason, corpusPath } from '../corpora.js';

interface IndexCase {
  jfr: string;
  input_present: boolean;
  labels: string | null;
  testName: string | null;
  options: string;
  expectedCount: number;
  expected_profile_string: string[];
  expected_collapsed: string[];
}

interface CorpusIndex {
  parse_input: { StartTime: number; EndTime: number; SampleRate: number };
  cases: IndexCase[];
}

/**
 * collapseLikeJfrParser renders a profile as jfr-parser's golden collapsed text: one line per
 * distinct stack, `root;...;leaf` with frames as `name:line`, then ` [v1 v2 ...]`; lines sorted
 * by stack, equal stacks summed, stacks whose values are all zero dropped before merging, lines
 * joined by '\n' with no trailing newline.
 */
export function collapseLikeJfrParser(profile: Profile): string {
  const stacks: Array<{ funcs: string; values: number[] }> = [];
  for (const s of profile.samples) {
    const frames: string[] = [];
    for (let i = s.locationIds.length - 1; i >= 0; i--) {
      const loc = profile.locations[s.locationIds[i] - 1];
      for (const line of loc.lines)
        frames.push(`${profile.functions[line.functionId - 1].name}:${line.line}`);
    }
    stacks.push({ funcs: frames.join(';'), values: [...s.values] });
  }
  // Go's strings.Compare orders by UTF-8 bytes; Buffer.compare gives the same order.
  const keyed = stacks.map((s) => ({ ...s, key: Buffer.from(s.funcs, 'utf8') }));
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  const unique: Array<{ funcs: string; values: number[] }> = [];
  for (const s of keyed) {
    if (s.values.every((v) => v === 0)) continue;
    const last = unique[unique.length - 1];
    if (last && last.funcs === s.funcs) {
      for (let i = 0; i < last.values.length; i++) last.values[i] += s.values[i];
      continue;
    }
    unique.push({ funcs: s.funcs, values: s.values });
  }
  return unique.map((s) => `${s.funcs} [${s.values.join(' ')}]`).join('\n');
}

const skip = corporaSkipReason('jfr-parser');

test('jfr-parser goldens: collapsed stacks per profile', { skip }, () => {
  const dir = corpusPath('jfr-parser', 'parser', 'testdata');
  const index = JSON.parse(readFileSync(corpusPath('jfr-parser', 'INDEX.json'), 'utf8')) as CorpusIndex;
  const { StartTime, EndTime, SampleRate } = index.parse_input;
  let equal = 0;
  let total = 0;
  const failures: string[] = [];
  for (const c of index.cases) {
    if (!c.input_present) {
      process.stderr.write(`jfr-parser: ${c.jfr} is absent from the corpus (its goldens were skipped too)\n`);
      continue;
    }
    const source = `${dir}/${c.jfr}`;
    const bytes = maybeGunzip(readFileSync(source), source);
    const labelsPath = c.labels ? `${dir}/${c.labels}` : '';
    const labels =
      labelsPath && existsSync(labelsPath)
        ? decodeLabelsSnapshot(maybeGunzip(readFileSync(labelsPath), labelsPath), labelsPath)
        : undefined;
    const profiles = importFromJfr(bytes, source, {
      sampleRate: SampleRate,
      startNanos: StartTime * 1e9,
      endNanos: EndTime * 1e9,
      labels,
      truncatedFrame: c.options.includes('WithTruncatedFrame(true)'),
    });
    const label = `${c.jfr}${c.testName ? ` (${c.testName})` : ''}`;
    if (profiles.length !== c.expectedCount) {
      failures.push(`${label}: ${profiles.length} profiles, expected ${c.expectedCount}`);
    }
    c.expected_collapsed.forEach((golden, i) => {
      total++;
      const p = profiles[i];
      const stem = c.jfr.replace(/\.jfr\.gz$/, '');
      if (!p || !golden.startsWith(`${stem}_${i}_${profileSortKey(p)}`)) {
        failures.push(`${golden}: profile ${i} is ${p ? profileSortKey(p) : 'missing'}`);
        return;
      }
      const expected = gunzipSync(readFileSync(`${dir}/${golden}`)).toString('utf8');
      const actual = collapseLikeJfrParser(p);
      if (actual === expected) equal++;
      else failures.push(`${golden}: ${firstDifference(actual, expected)}`);
    });
  }
  process.stderr.write(`jfr-parser conformance: ${equal} of ${total} collapsed goldens equal\n`);
  assert.deepEqual(failures, []);
  assert.equal(equal, total);
});

function firstDifference(actual: string, expected: string): string {
  const a = actual.split('\n');
  const e = expected.split('\n');
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    if (a[i] !== e[i]) {
      return `${a.length} vs ${e.length} lines; line ${i + 1}:\n  got  ${a[i]?.slice(0, 300)}\n  want ${e[i]?.slice(0, 300)}`;
    }
  }
  return 'differs';
}

test('jfr-parser corpus: LabelsSnapshot labels per sample match the pprof goldens', { skip }, () => {
  const dir = corpusPath('jfr-parser', 'parser', 'testdata');
  const read = (name: string) => maybeGunzip(readFileSync(`${dir}/${name}`), name);
  const index = JSON.parse(readFileSync(corpusPath('jfr-parser', 'INDEX.json'), 'utf8')) as CorpusIndex;
  let compared = 0;
  for (const c of index.cases.filter((x) => x.input_present && x.labels)) {
    const labels = decodeLabelsSnapshot(read(c.labels ?? ''), c.labels ?? '');
    // threadLabels off: jfr-parser adds no thread label, so samples split exactly as in its output.
    const profiles = importFromJfr(read(c.jfr), c.jfr, { labels, threadLabels: false });
    c.expected_profile_string.forEach((golden, i) => {
      // pprof's Profile.String() lists each sample's labels as `key:[value]`.
      const expected = countLabels(
        read(golden)
          .toString()
          .matchAll(/(\w+):\[([^\]]*)\]/g),
        (m) => m[0],
      );
      const actual = countLabels(
        profiles[i].samples.flatMap((s) => s.labels ?? []),
        (l) => `${l.key}:[${l.str}]`,
      );
      assert.deepEqual(actual, expected, golden);
      compared += expected.length;
    });
  }
  assert.ok(compared > 0, 'some labelled goldens were compared');
});

function countLabels<T>(items: Iterable<T>, key: (item: T) => string): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1));
}
