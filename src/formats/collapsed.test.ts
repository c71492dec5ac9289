import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FormatError } from '../errors.js';
import { ProfileBuilder } from '../model/builder.js';
import { frameNamesRootFirst } from '../model/profile.js';
import {
  collapsedExporter,
  collapsedImporter,
  importCollapsed,
  parseCollapsedLine,
  profileToCollapsed,
} from './collapsed.js';

const enc = (s: string) => new TextEncoder().encode(s);

function stacks(text: string): string[] {
  const p = importCollapsed(enc(text), { source: 't' });
  return p.samples.map((s) => `${frameNamesRootFirst(p, s).join(';')} ${s.values[0]}`);
}

test('parseCollapsedLine reads integers, decimals, spaces inside frames', () => {
  assert.deepEqual(parseCollapsedLine('a;b;c 12'), { frames: ['a', 'b', 'c'], count: 12 });
  assert.deepEqual(parseCollapsedLine('a;Foo::bar(int x) 1.5'), {
    frames: ['a', 'Foo::bar(int x)'],
    count: 1.5,
  });
  assert.deepEqual(parseCollapsedLine('a\t7  '), { frames: ['a'], count: 7 });
  assert.equal(parseCollapsedLine('a;b'), undefined);
  assert.equal(parseCollapsedLine('a;b -3'), undefined);
  assert.equal(parseCollapsedLine(' 5'), undefined);
  assert.equal(parseCollapsedLine('a;b 1e3'), undefined);
});

test('parseCollapsedLine stays fast on a long run of spaces', () => {
  const started = Date.now();
  assert.equal(parseCollapsedLine(`a${' '.repeat(200_000)}x`), undefined);
  assert.ok(Date.now() - started < 500);
});

test('importCollapsed keeps stacks root first, CRLF and blank lines', () => {
  assert.deepEqual(stacks('a;b;c 2\r\n\r\na;b 5\r\n'), ['a;b;c 2', 'a;b 5']);
});

test('importCollapsed stores the leaf first in the model', () => {
  const p = importCollapsed(enc('main;work 3\n'), { source: 't' });
  const leaf = p.locations[p.samples[0].locationIds[0] - 1];
  assert.equal(p.functions[leaf.lines[0].functionId - 1].name, 'work');
  assert.deepEqual(p.sampleTypes, [{ type: 'samples', unit: 'count' }]);
});

test('importCollapsed warns once with the count and first invalid line', () => {
  const warnings: string[] = [];
  const p = importCollapsed(enc('# header\na 1\nbroken\nb 2\nalso broken\n'), {
    source: 'x.txt',
    warn: (m) => warnings.push(m),
  });
  assert.equal(p.samples.length, 2);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /skipped 3 invalid lines, first at line 1/);
});

test('importCollapsed throws a FormatError with the line when every line is invalid', () => {
  assert.throws(
    () => importCollapsed(enc('\nnot a stack\nneither\n'), { source: 'bad.txt' }),
    (e: unknown) => e instanceof FormatError && /bad\.txt:2/.test(e.message),
  );
});

test('importCollapsed of empty input is an empty profile', () => {
  assert.equal(importCollapsed(enc(''), { source: 't' }).samples.length, 0);
});

test('sniff accepts folded stacks and rejects perf script, JSON and binary', () => {
  assert.equal(collapsedImporter.sniff(enc('a;b 1\nc;d 2\n')), true);
  assert.equal(collapsedImporter.sniff(enc('# comment\na;b 1\nc;d 2\ne 3\nf 4\n')), true);
  const perf = 'java 12688 [002] 6544038.708352: cpu-clock:\n\t    7f2c3d4e5f60 foo 10 (/lib/x.so)\n\n';
  assert.equal(collapsedImporter.sniff(enc(perf)), false);
  assert.equal(collapsedImporter.sniff(enc('{"flamebearer": 1}')), false);
  assert.equal(collapsedImporter.sniff(enc('[{"a": 1}]')), false);
  assert.equal(collapsedImporter.sniff(enc('[unknown];main 1\n[unknown] 2\n')), true);
  assert.equal(collapsedImporter.sniff(new Uint8Array([0x0a, 0x04, 0, 1, 0x20, 0x31])), false);
  assert.equal(collapsedImporter.sniff(enc('hello world\nthis is prose\nnot stacks 1\n')), false);
  const pprofDump =
    'PeriodType: cpu nanoseconds\nSamples:\ncpu/nanoseconds\n   10000000: 1 2 3 \n   10000000: 4 5 \n';
  assert.equal(collapsedImporter.sniff(enc(pprofDump)), false);
});

test('profileToCollapsed aggregates, sorts and picks the sample type', () => {
  const b = new ProfileBuilder([
    { type: 'samples', unit: 'count' },
    { type: 'cpu', unit: 'nanoseconds' },
  ]);
  b.addStackRootFirst(['main', 'b'], [1, 10]);
  b.addStackRootFirst(['main', 'a'], [2, 0]);
  b.addStackRootFirst(['main', 'b'], [3, 30]);
  const p = b.build();
  assert.equal(profileToCollapsed(p, 0), 'main;a 2\nmain;b 4\n');
  assert.equal(profileToCollapsed(p), 'main;b 40\n');
  assert.equal(new TextDecoder().decode(collapsedExporter.exportProfile(p)), 'main;b 40\n');
});

test('collapsed round trip keeps decimal counts', () => {
  const text = 'a;b 0.25\na;c 1.5\n';
  const p = importCollapsed(enc(text), { source: 't' });
  assert.equal(profileToCollapsed(p), text);
});
