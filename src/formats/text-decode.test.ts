import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeText, detectTextEncoding, looksLikeText } from './text-decode.js';

function utf16(text: string, bigEndian: boolean): Uint8Array {
  const out = new Uint8Array(2 + text.length * 2);
  out[0] = bigEndian ? 0xfe : 0xff;
  out[1] = bigEndian ? 0xff : 0xfe;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[2 + 2 * i] = bigEndian ? c >> 8 : c & 0xff;
    out[3 + 2 * i] = bigEndian ? c & 0xff : c >> 8;
  }
  return out;
}

test('decodeText strips the UTF-8 BOM', () => {
  const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('a;b 1')]);
  assert.equal(decodeText(bytes), 'a;b 1');
  assert.equal(detectTextEncoding(bytes).bomLength, 3);
});

test('decodeText reads UTF-16 LE and BE with BOM, including non-ASCII', () => {
  const text = 'main;héllo;世界 3\r\n';
  assert.equal(decodeText(utf16(text, false)), text);
  assert.equal(decodeText(utf16(text, true)), text);
});

test('decodeText with a prefix limit drops a cut code unit and a cut UTF-8 sequence', () => {
  assert.equal(decodeText(utf16('abc', false), 3), 'a');
  const bytes = new TextEncoder().encode('aé');
  assert.equal(decodeText(bytes, 2), 'a');
});

test('looksLikeText rejects NUL bytes in UTF-8 input but accepts UTF-16', () => {
  assert.equal(looksLikeText(new Uint8Array([0x61, 0, 0x62])), false);
  assert.equal(looksLikeText(utf16('ab', false)), true);
  assert.equal(looksLikeText(new TextEncoder().encode('plain')), true);
});
