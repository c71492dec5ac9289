import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { collapsePerfScript, StackCollapser } from '../stackcollapse-perf.js';

/** mulberry32: a small seeded PRNG, so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Process names with ';' spell the same keys as a shorter name plus a frame; frame names
// with bytes below and above ';' (0x3b) make "one name is a prefix of the other" cases.
const COMMS = ['aa', 'aa;b', 'aa.x', 'ab', 'aa\xe9'];
const FRAMES = ['b', 'b.c', 'b:c', 'bc', 'b~', 'x', 'b<', 'b\xe9', 'aa'];

/** naiveCollapse is the folding spelled out: keys as strings, byte order, equal keys merged. */
function naiveCollapse(samples: { comm: string; leafFirst: string[]; period: number }[]): string {
  const counts = new Map<string, number>();
  for (const s of samples) {
    const key = [s.comm, ...[...s.leafFirst].reverse()].join(';');
    counts.set(key, (counts.get(key) ?? 0) + s.period);
  }
  const keys = [...counts.keys()].sort((a, b) =>
    Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')),
  );
  return keys.map((k) => `${k} ${counts.get(k)}\n`).join('');
}

function randomInput(seed: number, n: number) {
  const next = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)];
  const samples: { comm: string; leafFirst: string[]; period: number }[] = [];
  let text = '';
  for (let i = 0; i < n; i++) {
    const comm = pick(COMMS);
    const leafFirst = Array.from({ length: Math.floor(next() * 5) }, () => pick(FRAMES));
    const period = 1 + Math.floor(next() * 3);
    samples.push({ comm, leafFirst, period });
    text += `${comm} 7 1.0: ${period} cycles:\n`;
    for (const f of leafFirst) text += `\t 1a ${f} (/x)\n`;
    text += '\n';
  }
  return { samples, text };
}

describe('stack order (Perl sort keys on frame ids)', () => {
  test('equals sorting the spelled-out keys by bytes, equal keys merged', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const { samples, text } = randomInput(seed, 200);
      assert.equal(collapsePerfScript(Buffer.from(text, 'latin1')), naiveCollapse(samples), `seed ${seed}`);
    }
  });

  test('a prefix name sorts by the byte after it: ";" against the longer name', () => {
    const text =
      'aa 1 1.0: cycles:\n\t 1 b (/x)\n\naa 1 1.0: cycles:\n\t 1 b.c (/x)\n\naa 1 1.0: cycles:\n\t 1 x (/x)\n\t 1 b (/x)\n\n';
    // '.' (0x2e) < ';' (0x3b): "aa;b.c" sorts before "aa;b;x", which sorts after "aa;b".
    assert.equal(collapsePerfScript(text), 'aa;b 1\naa;b.c 1\naa;b;x 1\n');
  });

  test('chunks reused by the caller spell the same bytes as fresh ones', () => {
    const { text } = randomInput(7, 2000);
    const c = new StackCollapser();
    c.push(text);
    c.end();
    const whole = c.output();
    const parts: string[] = [];
    const chunks = c.sortedChunks(256);
    for (let r = chunks.next(); !r.done; r = chunks.next(true)) parts.push(r.value.toString('latin1'));
    assert.ok(parts.length > 10, 'several chunks');
    assert.equal(parts.join(''), whole);
  });
});
