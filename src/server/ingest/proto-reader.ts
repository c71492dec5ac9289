/**
 * ProtoReader is a minimal bounds-checked protobuf wire reader for the few small messages the
 * server decodes by hand (push.v1). Every length is checked against the bytes left, so a hostile
 * message fails with ProtoError instead of reading out of bounds or allocating without limit.
 */
export class ProtoError extends Error {}

export class ProtoReader {
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.pos = start;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  /** varint reads up to 64 bits as a number (exact below 2^53, which all our fields are). */
  varint(): number {
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= this.end) throw new ProtoError(`truncated varint at offset ${this.pos}`);
      const b = this.bytes[this.pos++];
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
    throw new ProtoError(`varint longer than 10 bytes at offset ${this.pos}`);
  }

  /** tag reads a field key: [field number, wire type]. */
  tag(): [number, number] {
    const key = this.varint();
    const field = Math.floor(key / 8);
    if (field === 0) throw new ProtoError(`field number 0 at offset ${this.pos}`);
    return [field, key & 7];
  }

  /** bytesField reads a length-delimited payload (a view, no copy). */
  bytesField(): Uint8Array {
    const n = this.varint();
    if (n > this.end - this.pos)
      throw new ProtoError(`length ${n} exceeds the ${this.end - this.pos} bytes left`);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** message returns a reader over the next length-delimited field. */
  message(): ProtoReader {
    const b = this.bytesField();
    return new ProtoReader(b);
  }

  string(): string {
    return new TextDecoder('utf-8').decode(this.bytesField());
  }

  /** skip skips one field of the given wire type. */
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 2) this.bytesField();
    else if (wireType === 1 || wireType === 5) {
      const n = wireType === 1 ? 8 : 4;
      if (this.end - this.pos < n) throw new ProtoError(`truncated fixed field at offset ${this.pos}`);
      this.pos += n;
    } else throw new ProtoError(`unsupported wire type ${wireType} at offset ${this.pos}`);
  }
}
