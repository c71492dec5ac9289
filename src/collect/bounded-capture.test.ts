import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BoundedCapture } from './bounded-capture.js';

const dir = mkdtempSync(join(tmpdir(), 'autoprof-capture-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('small output is kept byte for byte, non-UTF-8 included', () => {
  const path = join(dir, 'small');
  const capture = new BoundedCapture(path, 16, 16);
  const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x41, 0xc3]);
  capture.write(bytes);
  assert.deepEqual(capture.close(), { totalBytes: 5, keptBytes: 5, droppedBytes: 0 });
  assert.deepEqual(readFileSync(path), bytes);
});

test('head and tail are kept, the middle is counted as dropped', () => {
  const path = join(dir, 'big');
  const capture = new BoundedCapture(path, 4, 6);
  const text = 'abcdefghijklmnopqrstuvwxyz';
  // Odd chunk sizes exercise the ring's wrap-around.
  for (let i = 0; i < text.length; i += 3) capture.write(Buffer.from(text.slice(i, i + 3)));
  assert.deepEqual(capture.close(), { totalBytes: 26, keptBytes: 10, droppedBytes: 16 });
  const out = readFileSync(path, 'latin1');
  assert.ok(out.startsWith('abcd\n[autoprof: 16 bytes dropped'), out);
  assert.ok(out.endsWith('\nuvwxyz'), out);
});

test('one chunk larger than the tail keeps its last bytes', () => {
  const path = join(dir, 'chunk');
  const capture = new BoundedCapture(path, 2, 3);
  capture.write(Buffer.from('0123456789'));
  assert.equal(capture.close().droppedBytes, 5);
  assert.ok(readFileSync(path, 'latin1').endsWith('789'));
});
