import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProfileBuilder } from '../model/builder.js';
import type { Profile } from '../model/profile.js';
import { computeTop, formatTime, renderTopText } from './top.js';

const ms = 1_000_000;

/** cpuProfile: main calls work (which recurses) and idle; values in nanoseconds. */
function cpuProfile(): Profile {
  const b = new ProfileBuilder([
    { type: 'samples', unit: 'count' },
    { type: 'cpu', unit: 'nanoseconds' },
  ]);
  b.addStackRootFirst(['main', 'work', 'work', 'leaf'], [6, 60 * ms]);
  b.addStackRootFirst(['main', 'work'], [3, 30 * ms]);
  b.addStackRootFirst(['main', 'idle'], [1, 10 * ms]);
  b.addStackRootFirst(['main', 'ghost'], [0, 0]);
  return b.build();
}

test('computeTop counts recursion once in cum and flat only at the leaf', () => {
  const top = computeTop(cpuProfile(), { sampleTypeIndex: 1 });
  assert.equal(top.total, 100 * ms);
  const byName = Object.fromEntries(top.rows.map((r) => [r.name, [r.flat / ms, r.cum / ms]]));
  assert.deepEqual(byName, { leaf: [60, 60], work: [30, 90], idle: [10, 10], main: [0, 100] });
  assert.deepEqual(
    top.rows.map((r) => r.name),
    ['leaf', 'work', 'idle', 'main'],
    'flat descending; ghost (zero samples) absent',
  );
  assert.deepEqual(
    top.rows.map((r) => Math.round(r.sumPct)),
    [60, 90, 100, 100],
  );
});

test('computeTop sorts by cum, breaks ties by name, and honours nodeCount', () => {
  const top = computeTop(cpuProfile(), { sampleTypeIndex: 0, sortByCum: true, nodeCount: 2 });
  assert.deepEqual(
    top.rows.map((r) => [r.name, r.cum]),
    [
      ['main', 10],
      ['work', 9],
    ],
  );
  assert.equal(top.nodeCount, 4);
  assert.equal(top.shownFlat, 3, 'the trimmed leaf no longer adds flat anywhere, as in pprof');
});

test('computeTop drops nodes below nodeFraction and counts them', () => {
  const top = computeTop(cpuProfile(), { sampleTypeIndex: 1, nodeFraction: 0.2 });
  assert.deepEqual(
    top.rows.map((r) => r.name),
    ['leaf', 'work', 'main'],
  );
  assert.equal(top.droppedNodes, 1);
});

test('computeTop marks functions reached only through inlining', () => {
  const b = new ProfileBuilder([{ type: 'cpu', unit: 'nanoseconds' }]);
  const main = b.locationId({ name: 'main' });
  const inl = b.inlinedLocationId([{ name: 'abs' }, { name: 'loop' }]);
  const plain = b.locationId({ name: 'half' });
  const inl2 = b.inlinedLocationId([{ name: 'half' }, { name: 'loop' }]);
  b.addSample([inl, main], [5]);
  b.addSample([plain, main], [2]);
  b.addSample([inl2, main], [1]);
  const rows = computeTop(b.build(), { sampleTypeIndex: 0 }).rows;
  const marks = Object.fromEntries(rows.map((r) => [r.name, r.inline]));
  assert.deepEqual(marks, { abs: 'inline', half: 'partial-inline', loop: '', main: '' });
});

test('computeTop names unsymbolized frames by mapping, else <unknown>', () => {
  const b = new ProfileBuilder([{ type: 'samples', unit: 'count' }]);
  const m = b.addMapping({
    memoryStart: 0,
    memoryLimit: 100,
    fileOffset: 0,
    filename: '/usr/lib/libc.so.6',
    buildId: '',
  });
  b.profile.locations.push(
    { id: 1, mappingId: m, address: 10, lines: [] },
    { id: 2, mappingId: 0, address: 20, lines: [] },
  );
  b.addSample([1, 2], [4]);
  const rows = computeTop(b.build(), { sampleTypeIndex: 0 }).rows;
  assert.deepEqual(
    rows.map((r) => [r.name, r.flat, r.cum]),
    [
      ['[libc.so.6]', 4, 4],
      ['<unknown>', 0, 4],
    ],
  );
});

test('renderTopText lays out rows and headers like go tool pprof -top', () => {
  const p = cpuProfile();
  p.timeNanos = Date.UTC(2017, 8, 29, 20, 57) * 1e6;
  p.durationNanos = 2e9;
  p.comments = ['note', '# hidden'];
  const text = renderTopText(p, computeTop(p, { sampleTypeIndex: 1, nodeCount: 3 }), {
    activeFilters: ['focus=main'],
  });
  assert.equal(
    text,
    [
      'note',
      'Type: cpu',
      'Time: Sep 29, 2017 at 8:57pm (UTC)',
      'Duration: 2s, Total samples = 100ms ( 5.00%)',
      'Active filters:',
      '   focus=main',
      'Showing nodes accounting for 100ms, 100% of 100ms total',
      'Showing top 3 nodes out of 4',
      '      flat  flat%   sum%        cum   cum%',
      '      60ms 60.00% 60.00%       60ms 60.00%  leaf',
      '      30ms 30.00% 90.00%       90ms 90.00%  work',
      '      10ms 10.00%   100%       10ms 10.00%  idle',
      '',
    ].join('\n'),
  );
});

test('renderTopText prints plain counts and Dropped lines', () => {
  const p = cpuProfile();
  const text = renderTopText(p, computeTop(p, { sampleTypeIndex: 0, nodeFraction: 0.2 }));
  assert.match(
    text,
    /^Type: samples\nShowing nodes accounting for 9, 90\.00% of 10 total\nDropped 1 node \(cum <= 2\)\n/,
  );
  assert.match(text, / {9}6 60\.00% 60\.00% {10}6 60\.00% {2}leaf\n/);
});

test('formatTime is pprof header time in UTC, 12-hour clock', () => {
  assert.equal(formatTime(Date.UTC(2022, 9, 18, 15, 39, 59) * 1e6), 'Oct 18, 2022 at 3:39pm (UTC)');
  assert.equal(formatTime(Date.UTC(2022, 0, 2, 0, 5) * 1e6), 'Jan 2, 2022 at 12:05am (UTC)');
});
