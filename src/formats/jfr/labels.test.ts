import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FormatError } from '../../errors.js';
import { decodeLabelsSnapshot } from './labels.js';

/** pb builds protobuf bytes from [tag, payload] pairs: numbers are varints, arrays are length-delimited. */
function pb(fields: Array<[number, number | number[]]>): number[] {
  const out: number[] = [];
  const varint = (v: number) => {
    let x = v;
    while (x >= 0x80) {
      out.push((x & 0x7f) | 0x80);
      x >>>= 7;
    }
    out.push(x);
  };
  for (const [tag, payload] of fields) {
    varint(tag);
    if (typeof payload === 'number') varint(payload);
    else {
      varint(payload.length);
      out.push(...payload);
    }
  }
  return out;
}

const utf8 = (s: string) => [...Buffer.from(s, 'utf8')];

test('decodeLabelsSnapshot: contexts map to string ids, strings resolve them', () => {
  // contexts {5: {labels {1: 2}}}, strings {1: "span", 2: "checkout"}
  const context = pb([
    [
      10,
      pb([
        [8, 1],
        [16, 2],
      ]),
    ],
  ]);
  const bytes = pb([
    [
      10,
      pb([
        [8, 5],
        [18, context],
      ]),
    ],
    [
      18,
      pb([
        [8, 1],
        [18, utf8('span')],
      ]),
    ],
    [
      18,
      pb([
        [8, 2],
        [18, utf8('checkout')],
      ]),
    ],
    [26, utf8('unknown field is skipped')],
  ]);
  const snap = decodeLabelsSnapshot(Uint8Array.from(bytes), 'labels.pb');
  assert.deepEqual([...snap.contexts.get(5)!], [[1, 2]]);
  assert.equal(snap.strings.get(1), 'span');
  assert.equal(snap.strings.get(2), 'checkout');
});

test('decodeLabelsSnapshot: truncated input is a FormatError', () => {
  const bytes = Uint8Array.from(
    pb([
      [
        18,
        pb([
          [8, 1],
          [18, utf8('span')],
        ]),
      ],
    ]),
  );
  for (let n = 1; n < bytes.length; n++) {
    assert.throws(() => decodeLabelsSnapshot(bytes.subarray(0, n), 'cut.pb'), FormatError, `cut at ${n}`);
  }
});
