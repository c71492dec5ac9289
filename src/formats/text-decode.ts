/**
 * Text decoding shared by the text formats. Profilers on Windows (PowerShell redirection in
 * particular) write UTF-16 with a byte-order mark, so every text importer must honour the BOM
 * rather than assume UTF-8.
 */

/** TextEncoding is what `detectTextEncoding` can tell from a byte-order mark. */
export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

/** detectTextEncoding reads the byte-order mark; UTF-8 when there is none. */
export function detectTextEncoding(bytes: Uint8Array): { encoding: TextEncoding; bomLength: number } {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe)
    return { encoding: 'utf-16le', bomLength: 2 };
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff)
    return { encoding: 'utf-16be', bomLength: 2 };
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { encoding: 'utf-8', bomLength: 3 };
  }
  return { encoding: 'utf-8', bomLength: 0 };
}

/**
 * decodeText turns bytes into a string without the BOM. Invalid sequences become U+FFFD
 * instead of throwing, because a stray bad byte in a frame name should not lose a profile.
 * `maxBytes` decodes only a prefix (for sniffing); a code unit cut in half at the end is
 * dropped rather than decoded as garbage.
 */
export function decodeText(bytes: Uint8Array, maxBytes = Number.POSITIVE_INFINITY): string {
  const { encoding, bomLength } = detectTextEncoding(bytes);
  let end = Math.min(bytes.length, bomLength + maxBytes);
  if (encoding !== 'utf-8' && (end - bomLength) % 2 === 1) end--;
  const body = bytes.subarray(bomLength, end);
  if (encoding === 'utf-16be') return new TextDecoder('utf-16le').decode(swapByteOrder(body));
  // `stream: true` keeps a UTF-8 sequence cut by maxBytes from turning into U+FFFD.
  const truncated = end < bytes.length;
  return new TextDecoder(encoding, { ignoreBOM: true }).decode(body, { stream: truncated });
}

/** looksLikeText is a cheap check that the bytes are text: no NUL in UTF-8 input. */
export function looksLikeText(bytes: Uint8Array, maxBytes = 4096): boolean {
  const { encoding, bomLength } = detectTextEncoding(bytes);
  if (encoding !== 'utf-8') return true;
  const end = Math.min(bytes.length, bomLength + maxBytes);
  for (let i = bomLength; i < end; i++) if (bytes[i] === 0) return false;
  return true;
}

function swapByteOrder(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    out[i] = bytes[i + 1];
    out[i + 1] = bytes[i];
  }
  return out;
}
