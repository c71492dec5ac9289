import { type JfrClass, type JfrTypes, readMetadata } from './metadata.js';
import type { JfrKey, JfrReader } from './reader.js';
import { type JfrValue, ValueDecoder } from './values.js';

/** CHUNK_HEADER_SIZE is the fixed size of a chunk header; events start right after it. */
export const CHUNK_HEADER_SIZE = 68;

/** JFR_MAGIC is 'FLR\0', the first four bytes of every chunk. */
export const JFR_MAGIC = [0x46, 0x4c, 0x52, 0x00] as const;

/** ChunkHeader is the fixed 68-byte header of one chunk (offsets relative to the chunk start). */
export interface ChunkHeader {
  major: number;
  minor: number;
  size: number;
  constantPoolOffset: number;
  metadataOffset: number;
  startNanos: number;
  durationNanos: number;
  startTicks: number;
  ticksPerSecond: number;
  features: number;
}

/** ConstantPools maps a type id to that type's constants by id, for one chunk. */
export type ConstantPools = Map<number, Map<JfrKey, JfrValue>>;

/** JfrChunk is one parsed chunk: where it is, its types, and its constant pools. */
export interface JfrChunk {
  start: number;
  end: number;
  header: ChunkHeader;
  types: JfrTypes;
  pools: ConstantPools;
  decoder: ValueDecoder;
}

/** hasJfrMagic: the bytes start with 'FLR\0'. */
export function hasJfrMagic(bytes: Uint8Array, at = 0): boolean {
  return bytes.length >= at + 4 && JFR_MAGIC.every((b, i) => bytes[at + i] === b);
}

/** readChunkHeader reads and validates the header of the chunk starting at `start`. */
export function readChunkHeader(r: JfrReader, start: number): ChunkHeader {
  r.limit = r.bytes.length;
  r.seek(start);
  if (!hasJfrMagic(r.bytes, start)) r.fail("chunk does not start with magic 'FLR\\0'", start);
  r.pos += 4;
  const header: ChunkHeader = {
    major: r.u16(),
    minor: r.u16(),
    size: r.i64(),
    constantPoolOffset: r.i64(),
    metadataOffset: r.i64(),
    startNanos: r.i64(),
    durationNanos: r.i64(),
    startTicks: r.i64(),
    ticksPerSecond: r.i64(),
    features: r.u32(),
  };
  if (header.major < 1 || header.major > 2)
    r.fail(`unsupported JFR version ${header.major}.${header.minor}`, start + 4);
  const available = r.bytes.length - start;
  if (header.size < CHUNK_HEADER_SIZE || header.size > available) {
    r.fail(`chunk size ${header.size} is out of range (${available} bytes left)`, start + 8);
  }
  for (const [what, off] of [
    ['constant pool', header.constantPoolOffset],
    ['metadata', header.metadataOffset],
  ] as const) {
    if (off < CHUNK_HEADER_SIZE || off >= header.size)
      r.fail(`${what} offset ${off} is outside the chunk`, start);
  }
  return header;
}

/**
 * readChunk reads the header, the metadata and the constant pools of the chunk at `start`, and
 * leaves the reader limited to the chunk. Constant pools are read along the chain of checkpoint
 * events: each one's `delta` points back to the previous one, and 0 ends the chain.
 */
export function readChunk(r: JfrReader, start: number): JfrChunk {
  const header = readChunkHeader(r, start);
  const end = start + header.size;
  // JDK 11+ and async-profiler always set the compressed-integers bit; honour it either way.
  r.compressed = (header.features & 1) !== 0;
  r.limit = end;
  r.seek(start + header.metadataOffset);
  const types = readMetadata(r);
  const pools: ConstantPools = new Map();
  const stringType = types.byName.get('java.lang.String');
  const lookupString = (key: JfrKey): string | null => {
    const v = stringType ? pools.get(stringType.id)?.get(key) : undefined;
    return typeof v === 'string' ? v : null;
  };
  const decoder = new ValueDecoder(r, types, lookupString);
  readConstantPools(r, start, start + header.constantPoolOffset, types, pools, decoder);
  return { start, end, header, types, pools, decoder };
}

function readConstantPools(
  r: JfrReader,
  chunkStart: number,
  first: number,
  types: JfrTypes,
  pools: ConstantPools,
  decoder: ValueDecoder,
): void {
  const visited = new Set<number>();
  let pos = first;
  for (;;) {
    if (visited.has(pos)) r.fail('constant pool chain loops back on itself', pos);
    visited.add(pos);
    r.seek(pos);
    const size = r.varlong();
    if (size <= 0 || pos + size > r.limit) r.fail(`constant pool event size ${size} is out of range`, pos);
    r.varlong(); // event type (1)
    r.varlong(); // start time
    r.varlong(); // duration
    const delta = r.varlong();
    r.u8(); // flush flag
    const poolCount = r.count('constant pool');
    for (let i = 0; i < poolCount; i++) {
      const typeAt = r.pos;
      const typeId = r.varlong();
      const cls = types.byId.get(typeId);
      if (!cls) r.fail(`constant pool of unknown type id ${typeId}`, typeAt);
      readPool(r, cls, pools, decoder);
    }
    if (delta === 0) return;
    pos += delta;
    if (pos < chunkStart + CHUNK_HEADER_SIZE || pos >= r.limit)
      r.fail(`constant pool delta ${delta} leaves the chunk`);
  }
}

function readPool(r: JfrReader, cls: JfrClass, pools: ConstantPools, decoder: ValueDecoder): void {
  let pool = pools.get(cls.id);
  if (!pool) {
    pool = new Map();
    pools.set(cls.id, pool);
  }
  const n = r.count(`${cls.name} constant`);
  for (let j = 0; j < n; j++) {
    const key = r.varkey();
    pool.set(key, decoder.readObject(cls));
  }
}

/** JfrEventVisitor receives each event's class with the reader at its payload; it may ignore it. */
export type JfrEventVisitor = (cls: JfrClass, chunk: JfrChunk) => void;

/**
 * forEachEvent walks every chunk of the file and every event in it (including the metadata and
 * checkpoint events, whose type ids normally have no class), calling `visit` for events whose
 * type is known. The reader is re-positioned after each event from its size, so a visitor that
 * reads nothing or only part of the payload is fine.
 */
export function forEachEvent(
  r: JfrReader,
  visit: JfrEventVisitor,
  onChunk?: (chunk: JfrChunk) => void,
): void {
  let start = 0;
  while (start < r.bytes.length) {
    const chunk = readChunk(r, start);
    onChunk?.(chunk);
    let pos = start + CHUNK_HEADER_SIZE;
    while (pos < chunk.end) {
      r.limit = chunk.end;
      r.seek(pos);
      const size = r.varlong();
      if (size <= 0 || pos + size > chunk.end) r.fail(`event size ${size} is out of range`, pos);
      const eventEnd = pos + size;
      // jfr-parser lets a payload run past its declared size; keep the chunk as the bound so
      // a slightly inconsistent writer does not fail here either.
      const typeId = r.varlong();
      const cls = chunk.types.byId.get(typeId);
      if (cls) visit(cls, chunk);
      pos = eventEnd;
    }
    start = chunk.end;
  }
}
