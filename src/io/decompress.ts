import { gunzipSync } from 'node:zlib';
import { FormatError, InputLimitError } from '../errors.js';
import { maxDecompressedBytes } from './limits.js';

/** isGzip: the two gzip magic bytes. Sniffing by content, never by file name. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * maybeGunzip returns the bytes decompressed when they are gzip (up to `maxLayers` layers, as
 * some tools gzip twice), refusing output beyond the cap so a gzip bomb costs nothing: zlib
 * stops inflating once the output passes `cap`. A layer left over after `maxLayers` is refused
 * (the server allows one, so a nested bomb is refused after its first, capped layer).
 */
export function maybeGunzip(
  bytes: Uint8Array,
  source: string,
  cap = maxDecompressedBytes(),
  maxLayers = 3,
): Uint8Array {
  let current = bytes;
  for (let layer = 0; isGzip(current); layer++) {
    if (layer >= maxLayers) {
      throw new InputLimitError(`${source}: more than ${maxLayers} nested gzip layer(s) refused`);
    }
    try {
      current = gunzipSync(current, { maxOutputLength: cap });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
        throw new InputLimitError(
          `${source}: decompressed size exceeds the cap of ${cap} bytes (set AUTOPROF_MAX_DECOMPRESSED_BYTES to raise it)`,
        );
      }
      throw new FormatError('gzip', `corrupt or truncated gzip data: ${(err as Error).message}`, source);
    }
  }
  return current;
}
