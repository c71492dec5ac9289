import { FormatError } from '../../errors.js';

/**
 * JfrKey is a constant-pool id. JFR ids are unsigned 64-bit; a number keeps them exact up to
 * 2^53 and a bigint beyond, so two readings of the same id always produce the same Map key.
 */
export type JfrKey = number | bigint;

const TWO_POW_32 = 4294967296;
const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

/**
 * JfrReader is a bounds-checked big-endian cursor over one JFR file. Every read checks the
 * remaining bytes first and throws a FormatError naming the source and byte offset, so broken
 * input can never surface as a RangeError or read past the end.
 *
 * `compressed` mirrors the chunk header's "compressed integers" feature bit: when set (as the JDK
 * and async-profiler always write), short/int/long/char are LEB128-style varints with the ninth
 * byte of a long carrying a full 8 bits.
 */
export class JfrReader {
  pos = 0;
  compressed = true;
  /** limit is the end of the region being read (the current chunk), not only of the buffer. */
  limit: number;
  /**
   * workLeft bounds the values decoded from the whole file (shared by every chunk), so counts of
   * zero-width elements, which pass the bytes-left check, still cannot add up to a hang.
   */
  private workLeft: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly source: string,
  ) {
    this.limit = bytes.length;
    this.workLeft = 16 * bytes.length + 1_000_000;
  }

  /** spend counts one decoded value against the work budget. */
  spend(): void {
    if (--this.workLeft < 0) this.fail('too many values for the input size');
  }

  /** fail throws the FormatError for "broken at this offset". */
  fail(message: string, at = this.pos): never {
    throw new FormatError('jfr', message, `${this.source} offset ${at}`);
  }

  /** remaining is the number of bytes left before the limit. */
  remaining(): number {
    return this.limit - this.pos;
  }

  /** need fails unless n more bytes are available. */
  need(n: number): void {
    if (n < 0 || this.pos + n > this.limit) this.fail(`unexpected end of data (need ${n} bytes)`);
  }

  /** seek moves to an absolute offset inside [0, limit]. */
  seek(pos: number): void {
    if (!Number.isSafeInteger(pos) || pos < 0 || pos > this.limit) this.fail(`offset ${pos} is out of range`);
    this.pos = pos;
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.pos++];
  }

  u16(): number {
    this.need(2);
    const b = this.bytes;
    const v = (b[this.pos] << 8) | b[this.pos + 1];
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const b = this.bytes;
    const v = b[this.pos] * 0x1000000 + ((b[this.pos + 1] << 16) | (b[this.pos + 2] << 8) | b[this.pos + 3]);
    this.pos += 4;
    return v;
  }

  /** i64 reads a fixed 8-byte signed big-endian long (chunk header fields), as a number. */
  i64(): number {
    const hi = this.u32();
    const lo = this.u32();
    return (hi | 0) * TWO_POW_32 + lo;
  }

  /** f32 / f64 are always fixed-width big-endian IEEE floats, compressed or not. */
  f32(): number {
    this.need(4);
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 4).getFloat32(0);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 8).getFloat64(0);
    this.pos += 8;
    return v;
  }

  /**
   * varint reads a compressed int as unsigned 32 bits (at most 5 bytes), as jfr-parser does, so
   * e.g. a line number written as -1 reads as 4294967295 in both.
   */
  varint(): number {
    if (!this.compressed) return this.u32();
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.u8();
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v % TWO_POW_32;
    }
    this.fail('varint longer than 5 bytes', this.pos - 5);
  }

  /** varlongParts reads a compressed long as [low 32 bits, high 32 bits], both unsigned. */
  private varlongParts(): [number, number] {
    if (!this.compressed) {
      const hi = this.u32();
      return [this.u32(), hi];
    }
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 9; i++) {
      const b = this.u8();
      // The ninth byte carries 8 full bits (bits 56..63); bytes 1..8 carry 7 bits each.
      const bits = i === 8 ? b : b & 0x7f;
      const shift = i * 7;
      if (shift < 28) {
        lo += bits * 2 ** shift;
      } else if (shift === 28) {
        lo += (bits & 0x0f) * 2 ** 28;
        hi += bits >>> 4;
      } else {
        hi += bits * 2 ** (shift - 32);
      }
      if (i === 8 || b < 0x80) break;
    }
    return [lo % TWO_POW_32, hi % TWO_POW_32];
  }

  /** varlong reads a compressed long as a signed number (exact within +-2^53). */
  varlong(): number {
    const [lo, hi] = this.varlongParts();
    return (hi | 0) * TWO_POW_32 + lo;
  }

  /** varkey reads a compressed long as an unsigned id (see JfrKey). */
  varkey(): JfrKey {
    const [lo, hi] = this.varlongParts();
    if (hi < 0x200000) return hi * TWO_POW_32 + lo;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** short reads a compressed short (varint) or a fixed 2-byte one. */
  short(): number {
    return this.compressed ? this.varint() & 0xffff : this.u16();
  }

  /** count reads an array or list length and refuses one larger than the bytes left. */
  count(what: string): number {
    const at = this.pos;
    const n = this.varint();
    if (n > this.remaining()) this.fail(`${what} count ${n} exceeds the ${this.remaining()} bytes left`, at);
    return n;
  }

  /** bytesOf reads n raw bytes (a view, not a copy). */
  bytesOf(n: number): Uint8Array {
    this.need(n);
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /**
   * string reads a JFR string: encoding byte 0 null, 1 empty, 2 constant-pool reference
   * (resolved through `lookup`), 3 UTF-8, 4 char array, 5 Latin-1.
   */
  string(lookup?: (key: JfrKey) => string | null): string | null {
    const at = this.pos;
    const encoding = this.u8();
    switch (encoding) {
      case 0:
        return null;
      case 1:
        return '';
      case 2: {
        const key = this.varkey();
        return lookup ? lookup(key) : null;
      }
      case 3:
        return utf8.decode(this.bytesOf(this.count('UTF-8 string byte')));
      case 4: {
        const n = this.count('char array');
        const codes = new Array<number>(n);
        for (let i = 0; i < n; i++) codes[i] = this.varint() & 0xffff;
        return stringFromCharCodes(codes);
      }
      case 5:
        return latin1.decode(this.bytesOf(this.count('Latin-1 string byte')));
      default:
        this.fail(`unknown string encoding ${encoding}`, at);
    }
  }
}

/** stringFromCharCodes joins UTF-16 code units in slices, as spreading a huge array overflows the stack. */
function stringFromCharCodes(codes: number[]): string {
  let out = '';
  for (let i = 0; i < codes.length; i += 8192) out += String.fromCharCode(...codes.slice(i, i + 8192));
  return out;
}
