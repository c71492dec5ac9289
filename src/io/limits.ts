/**
 * Default input caps. Every decompression and every parser that allocates per input byte
 * honours these, so hostile input is refused with a clear message instead of exhausting memory.
 */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 1024 * 1024 * 1024; // 1 GiB

/** maxDecompressedBytes reads AUTOPROF_MAX_DECOMPRESSED_BYTES, else the default. */
export function maxDecompressedBytes(): number {
  const fromEnv = Number(process.env.AUTOPROF_MAX_DECOMPRESSED_BYTES);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_MAX_DECOMPRESSED_BYTES;
}
