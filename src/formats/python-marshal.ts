/**
 * A bounds-checked reader for the part of CPython's `marshal` format that profile files use
 * (pstats dumps are `marshal.dump(dict)`). Facts about the format, from CPython's
 * Python/marshal.c:
 *
 * - every object starts with one type byte; bit 0x80 (FLAG_REF, marshal version >= 3) says the
 *   object is also appended to a reference table so a later TYPE_REF ('r', int32 index) can
 *   point back at it. Containers take their slot before their items are read; a reference to
 *   a container still being read (a cycle) is rejected.
 * - integers are little-endian; 'i' is an int32; 'l' is an int32 digit count n (its sign is the
 *   number's sign) followed by |n| 15-bit digits as uint16, least significant first.
 * - 'g' is an IEEE double (8 bytes LE); 'f' is a 1-byte length and the float's repr in ASCII.
 * - strings: 'u' (unicode), 't' (interned), 'a'/'A' (ASCII) have an int32 byte length;
 *   'z'/'Z' (short ASCII) a 1-byte length; 's' is `bytes` with an int32 length.
 * - '(' tuple and '[' list have an int32 count, ')' small tuple a 1-byte count; '{' dict is
 *   key/value pairs ended by '0' (TYPE_NULL); 'N' None, 'T' True, 'F' False.
 *
 * Every length and count is checked against the bytes left before anything is allocated, and
 * nesting is capped, so hostile input ends in a MarshalError at a byte offset, not a crash.
 */

/** MarshalDict is a Python dict; entries keep file order, keys may be tuples. */
export interface MarshalDict {
  kind: 'dict';
  entries: Array<[MarshalValue, MarshalValue]>;
}

/**
 * MarshalValue is a decoded object: tuples and lists are arrays, `bytes` a Uint8Array, ints
 * beyond 2^53 a bigint.
 */
export type MarshalValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | MarshalValue[]
  | MarshalDict;

/** MarshalError says where the input is broken; `offset` is the byte offset. */
export class MarshalError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at byte ${offset}`);
    this.name = 'MarshalError';
  }
}

/** MAX_DEPTH caps nesting, as CPython's MAX_MARSHAL_STACK_DEPTH does; pstats needs 4. */
const MAX_DEPTH = 200;
const FLAG_REF = 0x80;
/** MAX_LONG_DIGITS caps 'l' ints at 15 * 1024 bits. */
const MAX_LONG_DIGITS = 1024;

/** IN_PROGRESS marks a reference slot whose container is still being read. */
const IN_PROGRESS: unique symbol = Symbol('in-progress');

/** readMarshal decodes one object that must span the whole input. */
export function readMarshal(bytes: Uint8Array): MarshalValue {
  const reader = new MarshalReader(bytes);
  const value = reader.readObject(0);
  if (reader.offset !== bytes.length) {
    throw new MarshalError(`${bytes.length - reader.offset} trailing bytes after the object`, reader.offset);
  }
  return value;
}

/** MarshalReader reads objects from a byte buffer; `offset` is the next byte. */
export class MarshalReader {
  offset = 0;
  private readonly view: DataView;
  private readonly refs: Array<MarshalValue | typeof IN_PROGRESS> = [];
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true });
  private readonly latin1 = new TextDecoder('latin1');

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** readObject reads one object at `offset`; `depth` is the current nesting. */
  readObject(depth: number): MarshalValue {
    if (depth > MAX_DEPTH) throw new MarshalError(`nesting deeper than ${MAX_DEPTH}`, this.offset);
    const start = this.offset;
    const code = this.u8();
    const flag = (code & FLAG_REF) !== 0;
    const type = String.fromCharCode(code & ~FLAG_REF);
    let slot = -1;
    if (flag) {
      slot = this.refs.length;
      this.refs.push(IN_PROGRESS);
    }
    const value = this.readBody(type, start, depth);
    if (slot >= 0) this.refs[slot] = value;
    return value;
  }

  private readBody(type: string, start: number, depth: number): MarshalValue {
    switch (type) {
      case 'N':
        return null;
      case 'T':
        return true;
      case 'F':
        return false;
      case 'i':
        return this.i32();
      case 'l':
        return this.readLong();
      case 'g':
        return this.f64();
      case 'f':
        return this.readAsciiFloat();
      case 'u':
      case 't':
        return this.decodeUtf8(this.take(this.length()));
      case 'a':
      case 'A':
        return this.latin1.decode(this.take(this.length()));
      case 'z':
      case 'Z':
        return this.latin1.decode(this.take(this.u8()));
      case 's':
        return this.take(this.length()).slice();
      case '(':
      case '[':
        return this.readSequence(this.length(), depth);
      case ')':
        return this.readSequence(this.u8(), depth);
      case '{':
        return this.readDict(depth);
      case 'r':
        return this.readRef(start);
      default:
        throw new MarshalError(`unsupported marshal type code 0x${this.bytes[start].toString(16)}`, start);
    }
  }

  private readSequence(count: number, depth: number): MarshalValue[] {
    // Each item takes at least one byte, so a count beyond the bytes left is a lie.
    this.need(count);
    const items: MarshalValue[] = [];
    for (let i = 0; i < count; i++) items.push(this.readObject(depth + 1));
    return items;
  }

  private readDict(depth: number): MarshalDict {
    const dict: MarshalDict = { kind: 'dict', entries: [] };
    for (;;) {
      this.need(1);
      if (this.bytes[this.offset] === 0x30 /* '0' TYPE_NULL */) {
        this.offset++;
        return dict;
      }
      const key = this.readObject(depth + 1);
      const value = this.readObject(depth + 1);
      dict.entries.push([key, value]);
    }
  }

  private readRef(start: number): MarshalValue {
    const index = this.i32();
    if (index < 0 || index >= this.refs.length) {
      throw new MarshalError(`reference ${index} outside the ${this.refs.length} stored objects`, start);
    }
    const value = this.refs[index];
    // A container referring to itself would make a cycle; pstats never needs one.
    if (value === IN_PROGRESS)
      throw new MarshalError(`reference ${index} to an object still being read`, start);
    return value;
  }

  private readLong(): number | bigint {
    const start = this.offset;
    const n = this.i32();
    const digits = Math.abs(n);
    // Building a bigint digit by digit is quadratic; profile data never holds such numbers.
    if (digits > MAX_LONG_DIGITS) throw new MarshalError(`long with ${digits} digits is too large`, start);
    this.need(digits * 2);
    let value = 0n;
    for (let i = digits - 1; i >= 0; i--) {
      const digit = this.view.getUint16(this.offset + i * 2, true);
      if (digit >= 1 << 15) throw new MarshalError('long digit out of range', start);
      value = (value << 15n) | BigInt(digit);
    }
    this.offset += digits * 2;
    if (n < 0) value = -value;
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value;
  }

  private readAsciiFloat(): number {
    const start = this.offset;
    const text = this.latin1.decode(this.take(this.u8()));
    const value = Number(text);
    if (Number.isNaN(value) && text.toLowerCase() !== 'nan')
      throw new MarshalError(`bad float "${text}"`, start);
    return value;
  }

  private decodeUtf8(bytes: Uint8Array): string {
    try {
      return this.utf8.decode(bytes);
    } catch {
      // CPython writes lone surrogates with "surrogatepass"; keep the string rather than fail.
      return new TextDecoder('utf-8').decode(bytes);
    }
  }

  private length(): number {
    const at = this.offset;
    const n = this.i32();
    if (n < 0) throw new MarshalError(`negative length ${n}`, at);
    return n;
  }

  private need(n: number): void {
    if (n > this.bytes.length - this.offset) {
      throw new MarshalError(
        `need ${n} bytes, ${this.bytes.length - this.offset} left (truncated input?)`,
        this.offset,
      );
    }
  }

  private take(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  private u8(): number {
    this.need(1);
    return this.bytes[this.offset++];
  }

  private i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.offset, true);
    this.offset += 4;
    return v;
  }

  private f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.offset, true);
    this.offset += 8;
    return v;
  }
}
