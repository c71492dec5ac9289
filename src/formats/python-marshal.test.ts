import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { MarshalError, type MarshalValue, readMarshal } from './python-marshal.js';

const bytes = (...parts: Array<number | string>): Uint8Array =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'number' ? [p] : [...Buffer.from(p, 'latin1')])));
const i32 = (n: number): number[] => [...new Uint8Array(new Int32Array([n]).buffer)];

test('readMarshal decodes scalars', () => {
  assert.equal(readMarshal(bytes('N')), null);
  assert.equal(readMarshal(bytes('T')), true);
  assert.equal(readMarshal(bytes('F')), false);
  assert.equal(readMarshal(bytes('i', ...i32(-7))), -7);
  const g = new Uint8Array(9);
  g[0] = 0x67;
  new DataView(g.buffer).setFloat64(1, 0.125, true);
  assert.equal(readMarshal(g), 0.125);
  assert.equal(readMarshal(bytes('f', 4, '2.50')), 2.5);
  assert.equal(readMarshal(bytes('z', 3, 'abc')), 'abc');
  assert.equal(readMarshal(bytes('u', ...i32(2), 0xc3, 0xa9)), 'é');
  assert.deepEqual(readMarshal(bytes('s', ...i32(2), 1, 2)), new Uint8Array([1, 2]));
});

test('readMarshal decodes longs with 15-bit digits and sign', () => {
  // 2^15 + 3 = digits [3, 1]
  assert.equal(readMarshal(bytes('l', ...i32(2), 3, 0, 1, 0)), 32771);
  assert.equal(readMarshal(bytes('l', ...i32(-1), 5, 0)), -5);
  assert.equal(readMarshal(bytes('l', ...i32(4), 0, 0, 0, 0, 0, 0, 1, 0)), 2 ** 45);
  // Beyond 2^53 the value stays exact as a bigint.
  assert.equal(readMarshal(bytes('l', ...i32(5), 0, 0, 0, 0, 0, 0, 0, 0, 1, 0)), 2n ** 60n);
});

test('readMarshal decodes tuples, dicts and back-references', () => {
  // {('a', 1): (ref->'a', None)} with 'a' flagged for the reference table.
  const data = bytes(0xfb, ')', 2, 0xfa, 1, 'a', 'i', ...i32(1), ')', 2, 'r', ...i32(1), 'N', '0');
  const v = readMarshal(data) as { kind: 'dict'; entries: Array<[MarshalValue, MarshalValue]> };
  assert.deepEqual(v.entries, [
    [
      ['a', 1],
      ['a', null],
    ],
  ]);
});

function expectMarshalError(data: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => readMarshal(data),
    (e: unknown) => e instanceof MarshalError && pattern.test(e.message),
  );
}

test('readMarshal rejects lies, cycles, unknown codes and trailing bytes', () => {
  expectMarshalError(bytes('(', ...i32(1_000_000_000)), /need 1000000000 bytes/);
  expectMarshalError(bytes('u', ...i32(-1)), /negative length/);
  expectMarshalError(bytes('r', ...i32(0)), /reference 0 outside/);
  expectMarshalError(bytes(0xa9, 1, 'r', ...i32(0)), /still being read/);
  expectMarshalError(bytes('c'), /unsupported marshal type code 0x63/);
  expectMarshalError(bytes('N', 'N'), /trailing/);
  expectMarshalError(bytes('l', ...i32(100_000)), /too large/);
  expectMarshalError(bytes(...new Array(300).fill(0x29).flatMap((c) => [c, 1]), 'N'), /nesting/);
  expectMarshalError(bytes('{', 'N'), /need 1 bytes/);
});

test('readMarshal fails with MarshalError at every truncation point', () => {
  const data = bytes(
    0xfb,
    ')',
    2,
    0xfa,
    1,
    'a',
    'i',
    ...i32(1),
    ')',
    2,
    'r',
    ...i32(1),
    'g',
    ...new Array(8).fill(0),
    '0',
  );
  readMarshal(data);
  for (let cut = 0; cut < data.length; cut++) {
    assert.throws(() => readMarshal(data.subarray(0, cut)), MarshalError, `cut at ${cut}`);
  }
});

test('readMarshal agrees with CPython marshal.dumps', (t) => {
  const script =
    "import marshal,sys;s='x'*300;o={('f.py',12,'fn'):(1,2,0.5,1.5,{('g.py',3,'<module>'):(1,1,0.25,0.75)}),'k':[s,s,2**70,-3,None,True,'\\u00e9t\\u00e9']};sys.stdout.buffer.write(marshal.dumps(o))";
  const run = spawnSync('python3', ['-c', script]);
  if (run.error || run.status !== 0) {
    t.skip(`SKIPPED: python3 unavailable (${run.error?.message ?? run.stderr.toString()})`);
    return;
  }
  const v = readMarshal(new Uint8Array(run.stdout)) as {
    kind: 'dict';
    entries: Array<[MarshalValue, MarshalValue]>;
  };
  const s = 'x'.repeat(300);
  assert.deepEqual(v.entries, [
    [
      ['f.py', 12, 'fn'],
      [
        1,
        2,
        0.5,
        1.5,
        {
          kind: 'dict',
          entries: [
            [
              ['g.py', 3, '<module>'],
              [1, 1, 0.25, 0.75],
            ],
          ],
        },
      ],
    ],
    ['k', [s, s, 2n ** 70n, -3, null, true, 'été']],
  ]);
});
