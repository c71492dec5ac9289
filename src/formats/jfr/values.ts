import type { JfrClass, JfrTypes } from './metadata.js';
import type { JfrKey, JfrReader } from './reader.js';

/**
 * JfrValue is a decoded value: numbers for primitives, strings, constant-pool ids (JfrKey) for
 * fields marked constantPool, arrays for dimension-1 fields, and for objects an array of field
 * values in the class's field order (look names up with JfrClass.fieldIndex).
 */
export type JfrValue = number | boolean | string | null | bigint | JfrValue[];

// Objects nest inline only a few levels in real recordings (StackTrace > StackFrame); a cycle of
// inline types would otherwise recurse forever without consuming a byte.
const MAX_DEPTH = 16;

/**
 * ValueDecoder decodes values generically from the chunk's metadata. Every value is charged to
 * the reader's work budget (see JfrReader.spend), so decoding time stays proportional to the input.
 */
export class ValueDecoder {
  constructor(
    private readonly r: JfrReader,
    private readonly types: JfrTypes,
    private readonly stringPool: (key: JfrKey) => string | null,
  ) {}

  /** readObject reads the fields of `cls` (an event payload or a constant). */
  readObject(cls: JfrClass, depth = 0): JfrValue {
    const primitive = this.readPrimitive(cls.name);
    if (primitive !== undefined) return primitive;
    if (depth > MAX_DEPTH) this.r.fail(`type ${cls.name} nests too deeply`);
    const out = new Array<JfrValue>(cls.fields.length);
    for (let i = 0; i < cls.fields.length; i++) {
      const f = cls.fields[i];
      if (f.array) {
        const n = this.r.count(`${cls.name}.${f.name} element`);
        const arr = new Array<JfrValue>(n);
        for (let j = 0; j < n; j++) arr[j] = this.readField(f.typeId, f.constantPool, depth);
        out[i] = arr;
      } else {
        out[i] = this.readField(f.typeId, f.constantPool, depth);
      }
    }
    return out;
  }

  private readField(typeId: number, constantPool: boolean, depth: number): JfrValue {
    this.r.spend();
    if (constantPool) return this.r.varkey();
    const cls = this.types.byId.get(typeId);
    if (!cls) this.r.fail(`field refers to unknown type id ${typeId}`);
    return this.readObject(cls, depth + 1);
  }

  /** readPrimitive reads a built-in type, or returns undefined when `name` is not one. */
  private readPrimitive(name: string): JfrValue | undefined {
    const r = this.r;
    switch (name) {
      case 'boolean':
        return r.u8() !== 0;
      case 'byte':
        return (r.u8() << 24) >> 24;
      case 'char':
        return r.compressed ? r.varint() & 0xffff : r.u16();
      case 'short':
        return r.short();
      case 'int':
        return r.varint();
      case 'long':
        return r.varlong();
      case 'float':
        return r.f32();
      case 'double':
        return r.f64();
      case 'java.lang.String':
        return r.string(this.stringPool);
      default:
        return undefined;
    }
  }
}
