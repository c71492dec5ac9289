import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FormatError } from '../../errors.js';
import { JfrReader } from './reader.js';

const reader = (...bytes: number[]) => new JfrReader(Uint8Array.from(bytes), 'mem');

test('JfrReader: varint is LEB128, unsigned 32-bit, at most 5 bytes', () => {
  assert.equal(reader(0x05).varint(), 5);
  assert.equal(reader(0xac, 0x02).varint(), 300);
  assert.equal(reader(0xff, 0xff, 0xff, 0xff, 0x0f).varint(), 4294967295);
  assert.throws(() => reader(0x80, 0x80, 0x80, 0x80, 0x80, 0x01).varint(), /varint longer than 5 bytes/);
  assert.throws(() => reader(0x80).varint(), FormatError);
});

test('JfrReader: varlong takes 8 full bits in its ninth byte, reads signed, keys unsigned', () => {
  const minusOne = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
  assert.equal(reader(...minusOne).varlong(), -1);
  assert.equal(reader(...minusOne).varkey(), 0xffffffffffffffffn);
  // 2^40 + 3 stays a number key; the same bytes always give the same key.
  const big = [0x83, 0x80, 0x80, 0x80, 0x80, 0x20];
  assert.equal(reader(...big).varkey(), 2 ** 40 + 3);
  assert.equal(reader(...big).varlong(), 2 ** 40 + 3);
});

test('JfrReader: strings in every encoding', () => {
  const r = reader(0, 1, 3, 2, 0x68, 0x69, 4, 2, 0xe9, 0x01, 0x41, 5, 1, 0xe9, 2, 7);
  assert.equal(r.string(), null);
  assert.equal(r.string(), '');
  assert.equal(r.string(), 'hi');
  assert.equal(r.string(), 'éA');
  assert.equal(r.string(), 'é');
  assert.equal(
    r.string((k) => (k === 7 ? 'pooled' : null)),
    'pooled',
  );
  assert.throws(() => reader(9).string(), /unknown string encoding 9/);
});

test('JfrReader: counts larger than the bytes left are refused with the offset', () => {
  const r = reader(0x00, 0xff, 0xff, 0x03, 0x41);
  r.u8();
  assert.throws(
    () => r.count('thing'),
    (err: unknown) => err instanceof FormatError && /thing count 65535 exceeds.*offset 1/.test(err.message),
  );
});

test('JfrReader: fixed-width reads are big-endian and bounds-checked', () => {
  const r = reader(0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x41);
  assert.equal(r.i64(), 2 ** 32 + 2);
  assert.throws(() => r.u32(), /unexpected end of data/);
});
