/**
 * Conformance of the perf-script readers against third-party goldens, read in place (the
 * FlameGraph and inferno folders are CDDL and never copied into the repository):
 *
 * - FlameGraph test/results/<stem>-collapsed-<opt>.txt: stackcollapse-perf.pl on every
 *   test/<stem>.txt with each of --pid --tid --kernel --jit --all --addrs (78 goldens, all of
 *   which match the script before PR #147; see stackcollapse-perf.ts for the choice);
 * - inferno's goldens for the two cases where inferno agrees with the Perl script;
 * - speedscope's snapshots of its linux-perf importer: per thread, the sequence of stacks with
 *   their time weights, compared with what our importer reads from the same files.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import {
  importFromPerfScript,
  type PerfScriptEvent,
  parsePerfScriptEvents,
} from '../../src/formats/perf-script.js';
import { collapsePerfScript, tidyGeneric, unknownFrameName } from '../../src/formats/stackcollapse-perf.js';
import { frameNamesRootFirst } from '../../src/model/profile.js';
import { corporaSkipReason, corpusPath } from '../corpora.js';

const OPTIONS = ['pid', 'tid', 'kernel', 'jit', 'all', 'addrs'] as const;

describe('FlameGraph stackcollapse-perf.pl goldens', () => {
  const skip = corporaSkipReason('flamegraph/test');
  test('every input x option matches byte for byte', (t) => {
    if (skip) return t.skip(skip);
    const dir = corpusPath('flamegraph/test');
    const inputs = readdirSync(dir)
      .filter((f) => f.endsWith('.txt'))
      .sort();
    const mismatches: string[] = [];
    let compared = 0;
    for (const file of inputs) {
      const input = readFileSync(`${dir}/${file}`);
      for (const opt of OPTIONS) {
        const want = readFileSync(`${dir}/results/${basename(file, '.txt')}-collapsed-${opt}.txt`);
        const got = Buffer.from(collapsePerfScript(input, { [opt]: true }), 'latin1');
        compared++;
        if (!got.equals(want)) mismatches.push(`${file} --${opt}`);
      }
    }
    t.diagnostic(`${compared - mismatches.length}/${compared} goldens match`);
    assert.equal(compared, 78);
    assert.deepEqual(mismatches, []);
  });

  test('HEAD behaviour (javaPrefixTidy) differs exactly on the 8 stale java --pid/--tid goldens', (t) => {
    if (skip) return t.skip(skip);
    const dir = corpusPath('flamegraph/test');
    const differing: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.txt'))) {
      const input = readFileSync(`${dir}/${file}`);
      for (const opt of OPTIONS) {
        const want = readFileSync(`${dir}/results/${basename(file, '.txt')}-collapsed-${opt}.txt`);
        const got = Buffer.from(collapsePerfScript(input, { [opt]: true, javaPrefixTidy: true }), 'latin1');
        if (!got.equals(want)) differing.push(`${basename(file, '.txt')}-${opt}`);
      }
    }
    assert.deepEqual(differing.sort(), [
      'perf-java-faults-01-pid',
      'perf-java-faults-01-tid',
      'perf-java-stacks-01-pid',
      'perf-java-stacks-01-tid',
      'perf-java-stacks-02-pid',
      'perf-java-stacks-02-tid',
      'perf-vertx-stacks-01-pid',
      'perf-vertx-stacks-01-tid',
    ]);
  });
});

describe('inferno collapse-perf goldens where inferno matches Perl', () => {
  const skip = corporaSkipReason('inferno/tests/data/collapse-perf') ?? corporaSkipReason('flamegraph');
  test('example-perf-stacks.txt.gz with default options', (t) => {
    if (skip) return t.skip(skip);
    const input = gunzipSync(readFileSync(corpusPath('flamegraph/example-perf-stacks.txt.gz')));
    const want = readFileSync(
      corpusPath('inferno/tests/data/collapse-perf/results/example-perf-stacks-collapsed.txt'),
    );
    assert.ok(Buffer.from(collapsePerfScript(input), 'latin1').equals(want));
  });
  test('no-events', (t) => {
    if (skip) return t.skip(skip);
    const input = readFileSync(corpusPath('inferno/tests/data/collapse-perf/no-events.txt'));
    const want = readFileSync(corpusPath('inferno/tests/data/collapse-perf/results/no-events-collapsed.txt'));
    assert.ok(Buffer.from(collapsePerfScript(input), 'latin1').equals(want));
  });
  test('the importer folds example-perf-stacks to the same stacks as the collapser', (t) => {
    if (skip) return t.skip(skip);
    const input = gunzipSync(readFileSync(corpusPath('flamegraph/example-perf-stacks.txt.gz')));
    const profile = importFromPerfScript(input, { source: 'example-perf-stacks.txt' });
    const folded = new Map<string, number>();
    for (const s of profile.samples) {
      const comm = s.labels?.find((l) => l.key === 'comm')?.str ?? '';
      const key = [comm.replaceAll(' ', '_'), ...frameNamesRootFirst(profile, s)].join(';');
      folded.set(key, (folded.get(key) ?? 0) + s.values[0]);
    }
    const ours = [...folded.keys()]
      .sort()
      .map((k) => `${k} ${folded.get(k)}\n`)
      .join('');
    assert.equal(ours, collapsePerfScript(input));
  });
});

/** speedscopeTime is speedscope's TimeFormatter('seconds') (src/lib/value-formatters.ts). */
function speedscopeTime(v: number): string {
  const s = Math.abs(v);
  const sign = v < 0 ? '-' : '';
  if (s / 60 >= 1) {
    const minutes = Math.floor(s / 60);
    return `${sign}${minutes}:${Math.floor(s - minutes * 60)
      .toString()
      .padStart(2, '0')}`;
  }
  if (s >= 1) return `${sign}${s.toFixed(2)}s`;
  if (s / 1e-3 >= 1) return `${sign}${(s / 1e-3).toFixed(2)}ms`;
  if (s / 1e-6 >= 1) return `${sign}${(s / 1e-6).toFixed(2)}µs`;
  return `${sign}${(s / 1e-9).toFixed(2)}ns`;
}

interface DumpedProfile {
  name: string;
  stacks: string[];
}

/**
 * speedscopeDump replays speedscope's StackListProfileBuilder.appendSampleWithTimestamp
 * (a sample spans the midpoints to its neighbours) and dumpProfile (consecutive identical
 * stacks merge; weights are differences of the running total), one profile per thread name,
 * over events parsed by our reader with names mapped from ours.
 */
function speedscopeDump(events: PerfScriptEvent[], names: string[][]): DumpedProfile[] {
  interface Thread {
    stacks: { key: string; names: string[] }[];
    weights: number[];
    pending?: { key: string; names: string[]; start: number; central: number };
  }
  const threads = new Map<string, Thread>();
  const append = (th: Thread, s: { key: string; names: string[] }, w: number) => {
    if (w === 0) return;
    const last = th.stacks.length - 1;
    if (last >= 0 && th.stacks[last].key === s.key) th.weights[last] += w;
    else {
      th.stacks.push(s);
      th.weights.push(w);
    }
  };
  events.forEach((ev, i) => {
    if (ev.time === undefined) return;
    const parts = [ev.comm];
    if (ev.pid) parts.push(`pid: ${ev.pid}`);
    if (ev.tid) parts.push(`tid: ${ev.tid}`);
    const name = parts.join(' ');
    let th = threads.get(name);
    if (!th) {
      th = { stacks: [], weights: [] };
      threads.set(name, th);
    }
    const rootFirst = names[i];
    const modules = [...ev.frames].reverse().map((f) => f.module);
    const stack = {
      key: rootFirst.map((n, j) => `${n}\u0000${modules[j]}`).join('\u0001'),
      names: rootFirst,
    };
    const p = th.pending;
    if (p) {
      const end = (ev.time + p.central) / 2;
      append(th, p, end - p.start);
      th.pending = { ...stack, start: end, central: ev.time };
    } else th.pending = { ...stack, start: ev.time, central: ev.time };
  });
  const out: DumpedProfile[] = [];
  for (const [name, th] of threads) {
    let raw = false;
    if (th.pending) {
      if (th.stacks.length > 0) append(th, th.pending, th.pending.central - th.pending.start);
      else {
        append(th, th.pending, 1);
        raw = true;
      }
    }
    let value = 0;
    let last = 0;
    const stacks: string[] = [];
    th.stacks.forEach((s, i) => {
      value += th.weights[i];
      const delta = value - last;
      stacks.push(`${s.names.join(';')} ${raw ? delta.toLocaleString() : speedscopeTime(delta)}`);
      last = value;
    });
    out.push({ name, stacks });
  }
  return out;
}

/** fromSpeedscopeName maps speedscope's raw frame name onto the script's tidied naming. */
function fromSpeedscopeName(frame: string): string {
  const unknown = /^\?\?\? \((.*)\)$/.exec(frame);
  return unknown ? unknownFrameName(unknown[1], '', false) : tidyGeneric(frame);
}

describe('speedscope linux-perf snapshots', () => {
  const skip = corporaSkipReason('speedscope/derived');
  test('per-thread stacks and weights match speedscope', (t) => {
    if (skip) return t.skip(skip);
    const index = JSON.parse(readFileSync(corpusPath('speedscope/derived/SNAPSHOT_INDEX.json'), 'utf8')) as {
      snapshot_file: string;
      test: string;
      sample: string;
      snapshot_keys: string[];
    }[];
    const snaps = JSON.parse(
      readFileSync(
        corpusPath('speedscope/derived/snapshots-json/linux-tools-perf.test.ts.snap.json'),
        'utf8',
      ),
    ) as Record<string, unknown>;
    let total = 0;
    let matched = 0;
    let files = 0;
    for (const entry of index.filter((e) => e.snapshot_file === 'linux-tools-perf.test.ts.snap')) {
      files++;
      const bytes = readFileSync(corpusPath('speedscope', entry.sample));
      const events: PerfScriptEvent[] = [];
      parsePerfScriptEvents(bytes.toString('utf8'), (e) => events.push(e));
      const profile = importFromPerfScript(bytes, { source: entry.sample });
      assert.equal(profile.samples.length, events.length);
      const names = profile.samples.map((s) => frameNamesRootFirst(profile, s));
      const ours = speedscopeDump(events, names);
      const profileKeys = entry.snapshot_keys.filter((k) => /\d$/.test(k) && !k.includes(': '));
      assert.equal(ours.length, profileKeys.length, `${entry.test}: number of threads`);
      for (const key of profileKeys) {
        const theirs = snaps[key] as { name: string; stacks: string[] };
        const mine = ours.find((p) => p.name === theirs.name);
        assert.ok(mine, `${entry.test}: thread '${theirs.name}' missing`);
        const mapped = theirs.stacks.map((s) => {
          const cut = s.lastIndexOf(' ');
          return `${s.slice(0, cut).split(';').map(fromSpeedscopeName).join(';')} ${s.slice(cut + 1)}`;
        });
        total += mapped.length;
        mapped.forEach((s, i) => {
          if (mine.stacks[i] === s) matched++;
        });
        assert.deepEqual(mine.stacks, mapped, `${entry.test} ${theirs.name}`);
      }
    }
    t.diagnostic(`speedscope: ${matched}/${total} stacks match across ${files} snapshot tests`);
    assert.ok(total > 0);
  });
});
