import { FormatError } from '../../errors.js';

/**
 * LabelsSnapshot is the companion the Pyroscope Java agent sends next to a JFR file: contextId
 * (written into events by its async-profiler fork) -> label pairs given as string ids.
 *
 *   message Context { map<int64, int64> labels = 1; }
 *   message LabelsSnapshot { map<int64, Context> contexts = 1; map<int64, string> strings = 2; }
 *
 * It is decoded by hand (five fields, no schema needed) with a bounds-checked varint reader.
 */
export interface LabelsSnapshot {
  /** contexts: contextId -> (key string id -> value string id). */
  contexts: Map<number, Map<number, number>>;
  strings: Map<number, string>;
}

const utf8 = new TextDecoder('utf-8');

/** ProtoCursor is the minimal protobuf wire reader the snapshot needs. */
class ProtoCursor {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    readonly source: string,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  fail(message: string): never {
    throw new FormatError('jfr-labels', message, `${this.source} offset ${this.pos}`);
  }

  /** varint reads an int64 varint as a number (label ids are small; exact up to 2^53). */
  varint(): number {
    let v = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const b = this.bytes[this.pos++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v >= 2 ** 63 ? v - 2 ** 64 : v;
    }
    this.fail('varint longer than 10 bytes');
  }

  /** sub returns a cursor over the next length-delimited field. */
  sub(): ProtoCursor {
    const n = this.varint();
    if (n < 0 || n > this.end - this.pos)
      this.fail(`length ${n} exceeds the ${this.end - this.pos} bytes left`);
    const c = new ProtoCursor(this.bytes, this.source, this.pos, this.pos + n);
    this.pos += n;
    return c;
  }

  /** skip skips a field of the given wire type. */
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 2) this.sub();
    else if (wireType === 1 || wireType === 5) {
      const n = wireType === 1 ? 8 : 4;
      if (this.end - this.pos < n) this.fail('truncated fixed-width field');
      this.pos += n;
    } else this.fail(`unsupported wire type ${wireType}`);
  }

  done(): boolean {
    return this.pos >= this.end;
  }
}

/** decodeLabelsSnapshot decodes a (decompressed) LabelsSnapshot message. */
export function decodeLabelsSnapshot(bytes: Uint8Array, source: string): LabelsSnapshot {
  const snapshot: LabelsSnapshot = { contexts: new Map(), strings: new Map() };
  const c = new ProtoCursor(bytes, source, 0, bytes.length);
  while (!c.done()) {
    const tag = c.varint();
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (wireType !== 2 || (field !== 1 && field !== 2)) {
      c.skip(wireType);
      continue;
    }
    const entry = c.sub();
    if (field === 1) {
      const [key, ctx] = readEntry(entry, (e) => readContext(e.sub()));
      snapshot.contexts.set(key, ctx ?? new Map());
    } else {
      const [key, str] = readEntry(entry, (e) => {
        const s = e.sub();
        return utf8.decode(s.bytes.subarray(s.pos, s.end));
      });
      snapshot.strings.set(key, str ?? '');
    }
  }
  return snapshot;
}

/** readEntry reads a map entry: key = field 1 (varint), value = field 2 (length-delimited). */
function readEntry<T>(e: ProtoCursor, readValue: (e: ProtoCursor) => T): [number, T | undefined] {
  let key = 0;
  let value: T | undefined;
  while (!e.done()) {
    const tag = e.varint();
    if (tag === 8) key = e.varint();
    else if (tag === 18) {
      const before = e.pos;
      value = readValue(e);
      if (e.pos === before) e.fail('empty map value');
    } else e.skip(tag & 7);
  }
  return [key, value];
}

function readContext(c: ProtoCursor): Map<number, number> {
  const labels = new Map<number, number>();
  while (!c.done()) {
    const tag = c.varint();
    if (tag !== 10) {
      c.skip(tag & 7);
      continue;
    }
    const e = c.sub();
    let key = 0;
    let value = 0;
    while (!e.done()) {
      const t = e.varint();
      if (t === 8) key = e.varint();
      else if (t === 16) value = e.varint();
      else e.skip(t & 7);
    }
    labels.set(key, value);
  }
  return labels;
}
