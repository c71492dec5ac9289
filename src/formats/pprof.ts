/**
 * pprof (profile.proto) import and export. The protobuf codec is pprof-format; this file checks
 * the framing it does not check (so truncation is reported with a byte offset instead of
 * decoding as silent nonsense), maps pprof's arbitrary ids to the model's dense ones, and
 * validates every cross reference.
 */
import { gzipSync } from 'node:zlib';
import {
  Function as PbFunction,
  Label as PbLabel,
  Line as PbLine,
  Location as PbLocation,
  Mapping as PbMapping,
  Profile as PbProfile,
  Sample as PbSample,
  ValueType as PbValueType,
  StringTable,
} from 'pprof-format';
import { FormatError } from '../errors.js';
import { maybeGunzip } from '../io/decompress.js';
import type {
  FunctionInfo,
  Label,
  Line,
  Location,
  Mapping,
  Profile,
  Sample,
  ValueType,
} from '../model/profile.js';
import { type PprofLimits, pprofLimitError, UNLIMITED_PPROF } from './pprof-limits.js';
import type { FormatExporter, FormatImporter } from './types.js';

type Numeric = number | bigint;

const WIRE_VARINT = 0;
const WIRE_LEN = 2;

/**
 * profileFieldWire is the wire type of each profile.proto Profile field. Field 13 (comment) is
 * repeated int64, so both packed (LEN) and unpacked (VARINT) encodings are legal, and the
 * other repeated scalar fields inside submessages are not checked at this level.
 */
const profileFieldWire: ReadonlyMap<number, readonly number[]> = new Map([
  [1, [WIRE_LEN]], // sample_type
  [2, [WIRE_LEN]], // sample
  [3, [WIRE_LEN]], // mapping
  [4, [WIRE_LEN]], // location
  [5, [WIRE_LEN]], // function
  [6, [WIRE_LEN]], // string_table
  [7, [WIRE_VARINT]], // drop_frames
  [8, [WIRE_VARINT]], // keep_frames
  [9, [WIRE_VARINT]], // time_nanos
  [10, [WIRE_VARINT]], // duration_nanos
  [11, [WIRE_LEN]], // period_type
  [12, [WIRE_VARINT]], // period
  [13, [WIRE_LEN, WIRE_VARINT]], // comment
  [14, [WIRE_VARINT]], // default_sample_type
  [15, [WIRE_VARINT]], // doc_url
]);

/** FramingResult is what checkFraming learned about the top-level fields. */
interface FramingResult {
  /** ok is false when a field is malformed; `offset` then says where, `reason` what. */
  ok: boolean;
  offset: number;
  reason: string;
  fields: number;
  /** Byte offsets of the tags of each sample (2), location (4) and function (5), for messages. */
  sampleOffsets: number[];
  /** samplePayloadEnds[i] is where sample i's payload ends; it starts at samplePayloadStarts[i]. */
  samplePayloadStarts: number[];
  samplePayloadEnds: number[];
  /** String table entries' payload spans, flat [start, end, start, end, ...]. */
  stringSpans: number[];
  /** Spans [tagStart, end, ...] of the fields decoded here (samples, strings), not by pprof-format. */
  ownSpans: number[];
  locationOffsets: number[];
  functionOffsets: number[];
  mappingOffsets: number[];
}

/** readVarint reads a varint at `pos`; returns [value, next] or undefined when it runs out or exceeds 10 bytes. */
function readVarint(bytes: Uint8Array, pos: number): [number, number] | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= bytes.length) return undefined;
    const b = bytes[pos + i];
    value += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) return [value, pos + i + 1];
  }
  return undefined;
}

/**
 * checkFraming walks the top-level fields of a Profile message (at most `maxFields`), checking
 * that each tag is a Profile field with the right wire type and each length stays in bounds.
 * pprof-format itself silently accepts a length running past the end.
 */
function checkFraming(
  bytes: Uint8Array,
  maxFields = Number.POSITIVE_INFINITY,
  limits: PprofLimits = UNLIMITED_PPROF,
): FramingResult {
  const result: FramingResult = {
    ok: true,
    offset: 0,
    reason: '',
    fields: 0,
    sampleOffsets: [],
    samplePayloadStarts: [],
    samplePayloadEnds: [],
    stringSpans: [],
    ownSpans: [],
    locationOffsets: [],
    functionOffsets: [],
    mappingOffsets: [],
  };
  const fail = (offset: number, reason: string): FramingResult =>
    Object.assign(result, { ok: false, offset, reason });
  let pos = 0;
  let sampleTypes = 0;
  while (pos < bytes.length && result.fields < maxFields) {
    const tagStart = pos;
    const tag = readVarint(bytes, pos);
    if (!tag) return fail(tagStart, 'truncated field tag');
    const field = Math.floor(tag[0] / 8);
    const wire = tag[0] % 8;
    const allowed = profileFieldWire.get(field);
    if (!allowed) return fail(tagStart, `unknown Profile field ${field}`);
    if (!allowed.includes(wire)) return fail(tagStart, `field ${field} has wire type ${wire}`);
    pos = tag[1];
    if (wire === WIRE_VARINT) {
      const v = readVarint(bytes, pos);
      if (!v) return fail(pos, `truncated varint in field ${field}`);
      pos = v[1];
    } else {
      const len = readVarint(bytes, pos);
      if (!len) return fail(pos, `truncated length of field ${field}`);
      if (len[1] + len[0] > bytes.length) {
        return fail(
          tagStart,
          `field ${field} claims ${len[0]} bytes but only ${bytes.length - len[1]} remain (truncated?)`,
        );
      }
      pos = len[1] + len[0];
      if (field === 2) {
        result.samplePayloadStarts.push(len[1]);
        result.samplePayloadEnds.push(pos);
        result.ownSpans.push(tagStart, pos);
      } else if (field === 6) {
        if (len[0] > limits.maxStringBytes)
          throw pprofLimitError(
            `string of ${len[0]} bytes at byte ${tagStart}`,
            limits.maxStringBytes,
            'maxStringBytes',
          );
        if (result.stringSpans.length / 2 >= limits.maxStrings)
          throw pprofLimitError('string table entries', limits.maxStrings, 'maxStrings');
        result.stringSpans.push(len[1], pos);
        result.ownSpans.push(tagStart, pos);
      }
    }
    if (field === 2) result.sampleOffsets.push(tagStart);
    else if (field === 4) result.locationOffsets.push(tagStart);
    else if (field === 5) result.functionOffsets.push(tagStart);
    else if (field === 3) result.mappingOffsets.push(tagStart);
    else if (field === 1) sampleTypes++;
    checkTableSizes(result, sampleTypes, limits);
    result.fields++;
  }
  return result;
}

/** checkTableSizes throws when a table of the message being framed passed its bound. */
function checkTableSizes(framing: FramingResult, sampleTypes: number, limits: PprofLimits): void {
  if (framing.sampleOffsets.length > limits.maxSamples)
    throw pprofLimitError('samples', limits.maxSamples, 'maxSamples');
  if (framing.locationOffsets.length > limits.maxLocations)
    throw pprofLimitError('locations', limits.maxLocations, 'maxLocations');
  if (framing.functionOffsets.length > limits.maxFunctions)
    throw pprofLimitError('functions', limits.maxFunctions, 'maxFunctions');
  if (framing.mappingOffsets.length > limits.maxMappings)
    throw pprofLimitError('mappings', limits.maxMappings, 'maxMappings');
  if (sampleTypes > limits.maxSampleTypes)
    throw pprofLimitError('sample types', limits.maxSampleTypes, 'maxSampleTypes');
}

/**
 * sniffPprof: raw protobuf has no magic, so look at the first few top-level fields: each must
 * be a Profile field with the right wire type and an in-bounds length. JSON ('{' is field 15
 * with wire type 3) and text (letters decode to fields with wire types 4..7 or unknown field
 * numbers) fail on the first byte.
 */
export function sniffPprof(bytes: Uint8Array): boolean {
  if (bytes.length < 2) return false;
  const head = checkFraming(bytes, 8);
  if (head.ok) return head.fields > 0;
  // A truncated file is still pprof ("my format, but broken") if some fields framed fine.
  return head.fields >= 2 && /truncated|claims/.test(head.reason);
}

/** toInt64 turns a decoded varint (number or bigint of the raw unsigned bits) into a signed number. */
function toInt64(n: Numeric): number {
  return typeof n === 'bigint' ? Number(BigInt.asIntN(64, n)) : n;
}

/** toUint64 turns a decoded varint into an unsigned number (exact up to 2^53). */
function toUint64(n: Numeric): number {
  return typeof n === 'bigint' ? Number(BigInt.asUintN(64, n)) : n;
}

/** Ctx carries what error messages need. */
interface Ctx {
  source: string;
  strings: string[];
  framing: FramingResult;
}

function broken(ctx: Ctx, message: string, offset?: number): FormatError {
  return new FormatError(
    'pprof',
    message,
    offset === undefined ? ctx.source : `${ctx.source}, byte offset ${offset}`,
  );
}

function str(ctx: Ctx, index: Numeric, what: string, offset?: number): string {
  const i = toInt64(index);
  if (i < 0 || i >= ctx.strings.length) {
    throw broken(
      ctx,
      `${what} refers to string ${i}, but the string table has ${ctx.strings.length} entries`,
      offset,
    );
  }
  return ctx.strings[i];
}

/**
 * buildIdIndex maps pprof ids to dense 0-based indexes, rejecting duplicate ids. Id 0 is reserved
 * by profile.proto, but some .NET exporters leave every function id unset and reference
 * functions by position (1-based), which Pyroscope accepts: a table whose ids are all 0 gets
 * positional ids. A single id 0 is accepted too, and a reference to 0 resolves to it.
 */
function buildIdIndex(ctx: Ctx, ids: Numeric[], what: string, offsets: number[]): Map<number, number> {
  const index = new Map<number, number>();
  const positional = ids.length > 1 && ids.every((id) => id === 0);
  for (let i = 0; i < ids.length; i++) {
    const id = positional ? i + 1 : toUint64(ids[i]);
    if (index.has(id)) throw broken(ctx, `${what} #${i + 1} repeats id ${id}`, offsets[i]);
    index.set(id, i);
  }
  return index;
}

function convertValueType(ctx: Ctx, vt: PbValueType, what: string): ValueType {
  return { type: str(ctx, vt.type, `${what} type`), unit: str(ctx, vt.unit, `${what} unit`) };
}

function convertFunctions(ctx: Ctx, pb: PbProfile): { functions: FunctionInfo[]; ids: Map<number, number> } {
  const offsets = ctx.framing.functionOffsets;
  const ids = buildIdIndex(
    ctx,
    pb.function.map((f) => f.id),
    'function',
    offsets,
  );
  const functions = pb.function.map((f: PbFunction, i): FunctionInfo => {
    const at = offsets[i];
    return {
      id: i + 1,
      name: str(ctx, f.name, `function #${i + 1} name`, at),
      systemName: str(ctx, f.systemName, `function #${i + 1} system name`, at),
      filename: str(ctx, f.filename, `function #${i + 1} file name`, at),
      startLine: toInt64(f.startLine),
    };
  });
  return { functions, ids };
}

function convertMappings(ctx: Ctx, pb: PbProfile): { mappings: Mapping[]; ids: Map<number, number> } {
  const ids = buildIdIndex(
    ctx,
    pb.mapping.map((m) => m.id),
    'mapping',
    ctx.framing.mappingOffsets,
  );
  const mappings = pb.mapping.map((m: PbMapping, i): Mapping => {
    const mapping: Mapping = {
      id: i + 1,
      memoryStart: toUint64(m.memoryStart),
      memoryLimit: toUint64(m.memoryLimit),
      fileOffset: toUint64(m.fileOffset),
      filename: str(ctx, m.filename, `mapping #${i + 1} file name`, ctx.framing.mappingOffsets[i]),
      buildId: str(ctx, m.buildId, `mapping #${i + 1} build id`, ctx.framing.mappingOffsets[i]),
    };
    if (m.hasFunctions) mapping.hasFunctions = true;
    return mapping;
  });
  return { mappings, ids };
}

function convertLocations(
  ctx: Ctx,
  pb: PbProfile,
  functionIds: Map<number, number>,
  mappingIds: Map<number, number>,
): { locations: Location[]; ids: Map<number, number> } {
  const offsets = ctx.framing.locationOffsets;
  const ids = buildIdIndex(
    ctx,
    pb.location.map((l) => l.id),
    'location',
    offsets,
  );
  const locations = pb.location.map((l: PbLocation, i): Location => {
    const at = offsets[i];
    let mappingId = 0;
    const rawMapping = toUint64(l.mappingId);
    if (rawMapping !== 0) {
      const m = mappingIds.get(rawMapping);
      if (m === undefined)
        throw broken(ctx, `location #${i + 1} refers to mapping id ${rawMapping}, which does not exist`, at);
      mappingId = m + 1;
    }
    const lines: Line[] = [];
    for (const ln of l.line as PbLine[]) {
      const rawFn = toUint64(ln.functionId);
      const f = functionIds.get(rawFn);
      // pprof allows a line without a function (id 0); it carries nothing the model can show.
      if (f === undefined && rawFn === 0) continue;
      if (f === undefined)
        throw broken(ctx, `location #${i + 1} refers to function id ${rawFn}, which does not exist`, at);
      const column = toInt64(ln.column);
      lines.push(
        column
          ? { functionId: f + 1, line: toInt64(ln.line), column }
          : { functionId: f + 1, line: toInt64(ln.line) },
      );
    }
    const loc: Location = { id: i + 1, mappingId, address: toUint64(l.address), lines };
    if (l.isFolded) loc.isFolded = true;
    return loc;
  });
  return { locations, ids };
}

function convertLabel(ctx: Ctx, l: PbLabel, at: number): Label {
  const label: Label = { key: str(ctx, l.key, 'label key', at) };
  const s = toInt64(l.str);
  if (s !== 0) label.str = str(ctx, l.str, 'label value', at);
  else {
    label.num = toInt64(l.num);
    const unit = toInt64(l.numUnit);
    if (unit !== 0) label.numUnit = str(ctx, l.numUnit, 'label unit', at);
  }
  return label;
}

function convertSamples(
  ctx: Ctx,
  raw: RawSample[],
  locationIds: Map<number, number>,
  typeCount: number,
): Sample[] {
  const offsets = ctx.framing.sampleOffsets;
  const samples = new Array<Sample>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const s = raw[i];
    const at = offsets[i];
    if (s.value.length !== typeCount) {
      throw broken(
        ctx,
        `sample #${i + 1} has ${s.value.length} values, but the profile has ${typeCount} sample types`,
        at,
      );
    }
    // Map ids and signed values in place: a second array per sample doubled the garbage.
    const stack = s.locationId as number[];
    for (let j = 0; j < stack.length; j++) {
      const raw: Numeric = stack[j];
      const loc = locationIds.get(typeof raw === 'number' ? raw : toUint64(raw));
      if (loc === undefined)
        throw broken(
          ctx,
          `sample #${i + 1} refers to location id ${toUint64(raw)}, which does not exist`,
          at,
        );
      stack[j] = loc + 1;
    }
    const values = s.value as number[];
    for (let j = 0; j < typeCount; j++) {
      const v: Numeric = values[j];
      if (typeof v !== 'number') values[j] = toInt64(v);
    }
    samples[i] =
      s.label.length > 0
        ? { locationIds: stack, values, labels: s.label.map((l) => convertLabel(ctx, l, at)) }
        : { locationIds: stack, values };
  }
  return samples;
}

/** RawSample is a decoded Sample message before validation. */
interface RawSample {
  locationId: Numeric[];
  value: Numeric[];
  label: PbLabel[];
}

/**
 * SampleReader decodes Sample messages (packed or unpacked location ids and values, plus
 * labels through pprof-format). Samples are most of a profile's bytes, and pprof-format's
 * decoder allocates a view per number, which made it most of the import time; everything
 * else still goes through pprof-format.
 */
class SampleReader {
  private pos = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly fail: (message: string) => never,
    private readonly limits: PprofLimits,
  ) {}

  /** varint reads an unsigned varint; beyond 2^53 it returns a bigint of the raw 64 bits. */
  private varint(end: number): Numeric {
    const b = this.bytes;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) this.fail('truncated varint');
      const byte = b[this.pos++];
      if (i < 7) {
        value += (byte & 0x7f) * scale;
        scale *= 128;
        if (byte < 0x80) return value;
      } else {
        return this.bigVarint(value, byte, end, i);
      }
    }
    return this.fail('varint longer than 10 bytes');
  }

  /** bigVarint finishes a varint of more than 7 bytes, where doubles lose precision. */
  private bigVarint(low: number, byte: number, end: number, index: number): bigint {
    let value = BigInt(low) | (BigInt(byte & 0x7f) << BigInt(7 * index));
    let cur = byte;
    let i = index;
    while (cur >= 0x80) {
      i++;
      if (i >= 10) this.fail('varint longer than 10 bytes');
      if (this.pos >= end) this.fail('truncated varint');
      cur = this.bytes[this.pos++];
      value |= BigInt(cur & 0x7f) << BigInt(7 * i);
    }
    return BigInt.asUintN(64, value);
  }

  /** repeated appends a packed or unpacked number field, refusing more than `max` in all. */
  private repeated(out: Numeric[], wire: number, end: number, max: number, bound: () => never): void {
    if (wire === WIRE_VARINT) {
      if (out.length >= max) bound();
      out.push(this.varint(end));
      return;
    }
    if (wire !== WIRE_LEN) this.fail(`packed field has wire type ${wire}`);
    const len = this.varint(end);
    const stop = this.pos + Number(len);
    if (stop > end) this.fail('packed field runs past the sample');
    while (this.pos < stop) {
      if (out.length >= max) bound();
      out.push(this.varint(stop));
    }
  }

  private skip(wire: number, end: number): void {
    if (wire === WIRE_VARINT) this.varint(end);
    else if (wire === WIRE_LEN) this.pos += Number(this.varint(end));
    else if (wire === 1) this.pos += 8;
    else if (wire === 5) this.pos += 4;
    else this.fail(`unknown wire type ${wire}`);
    if (this.pos > end) this.fail('field runs past the sample');
  }

  private label(len: number): PbLabel {
    try {
      return PbLabel.decode(this.bytes.subarray(this.pos, this.pos + len));
    } catch (err) {
      return this.fail(`undecodable label: ${(err as Error).message}`);
    }
  }

  read(start: number, end: number): RawSample {
    this.pos = start;
    const sample: RawSample = { locationId: [], value: [], label: [] };
    while (this.pos < end) {
      const tag = Number(this.varint(end));
      const field = tag >>> 3;
      const wire = tag & 7;
      const limits = this.limits;
      if (field === 1)
        this.repeated(sample.locationId, wire, end, limits.maxStackDepth, () => {
          throw pprofLimitError('stack depth', limits.maxStackDepth, 'maxStackDepth');
        });
      else if (field === 2)
        this.repeated(sample.value, wire, end, limits.maxSampleTypes, () => {
          throw pprofLimitError('values in a sample', limits.maxSampleTypes, 'maxSampleTypes');
        });
      else if (field === 3 && wire === WIRE_LEN) {
        if (sample.label.length >= limits.maxLabelsPerSample)
          throw pprofLimitError('labels in a sample', limits.maxLabelsPerSample, 'maxLabelsPerSample');
        const len = Number(this.varint(end));
        if (this.pos + len > end) this.fail('label runs past the sample');
        sample.label.push(this.label(len));
        this.pos += len;
      } else this.skip(wire, end);
    }
    return sample;
  }
}

/**
 * withoutOwnFields copies every top-level field except samples and strings, which are read
 * here, for pprof-format to decode.
 */
function withoutOwnFields(bytes: Uint8Array, framing: FramingResult): Uint8Array {
  const spans = framing.ownSpans;
  let size = bytes.length;
  for (let i = 0; i < spans.length; i += 2) size -= spans[i + 1] - spans[i];
  const out = new Uint8Array(size);
  let from = 0;
  let at = 0;
  for (let i = 0; i < spans.length; i += 2) {
    out.set(bytes.subarray(from, spans[i]), at);
    at += spans[i] - from;
    from = spans[i + 1];
  }
  out.set(bytes.subarray(from), at);
  return out;
}

/**
 * decodeStrings reads the string table with one decoder (pprof-format makes one per string).
 * Invalid UTF-8 becomes U+FFFD rather than an error, as real profiles contain it.
 */
function decodeStrings(bytes: Uint8Array, spans: number[]): string[] {
  const decoder = new TextDecoder();
  const strings = new Array<string>(spans.length / 2);
  for (let i = 0; i < spans.length; i += 2)
    strings[i / 2] = decoder.decode(bytes.subarray(spans[i], spans[i + 1]));
  return strings;
}

/** decodeProtobuf decodes the profile, turning the codec's exceptions into FormatErrors. */
function decodeProtobuf(
  bytes: Uint8Array,
  source: string,
  framing: FramingResult,
  limits: PprofLimits,
): { pb: PbProfile; samples: RawSample[]; strings: string[] } {
  let pb: PbProfile;
  try {
    pb = PbProfile.decode(withoutOwnFields(bytes, framing));
  } catch (err) {
    throw new FormatError('pprof', `undecodable protobuf: ${(err as Error).message}`, source, { cause: err });
  }
  const samples = new Array<RawSample>(framing.sampleOffsets.length);
  let current = 0;
  const reader = new SampleReader(
    bytes,
    (message) => {
      throw new FormatError(
        'pprof',
        `sample #${current + 1}: ${message}`,
        `${source}, byte offset ${framing.sampleOffsets[current]}`,
      );
    },
    limits,
  );
  for (; current < samples.length; current++) {
    samples[current] = reader.read(framing.samplePayloadStarts[current], framing.samplePayloadEnds[current]);
  }
  return { pb, samples, strings: decodeStrings(bytes, framing.stringSpans) };
}

/**
 * importPprof reads a profile.proto message, gzipped or not. Throws FormatError naming the
 * source and, where it can, the byte offset of the broken message, and InputLimitError naming
 * the bound when a table, a string or a sample passes `limits` (checked while decoding).
 */
export function importPprof(
  input: Uint8Array,
  source: string,
  limits: PprofLimits = UNLIMITED_PPROF,
): Profile {
  const unzipped = maybeGunzip(input, source);
  // A plain Uint8Array view: Buffer's subarray is several times slower, and the codec takes many.
  const bytes = new Uint8Array(unzipped.buffer, unzipped.byteOffset, unzipped.byteLength);
  const framing = checkFraming(bytes, Number.POSITIVE_INFINITY, limits);
  if (!framing.ok) throw new FormatError('pprof', framing.reason, `${source}, byte offset ${framing.offset}`);
  const { pb, samples: rawSamples, strings } = decodeProtobuf(bytes, source, framing, limits);
  const ctx: Ctx = { source, strings: strings.length > 0 ? strings : [''], framing };
  if (ctx.strings[0] !== '')
    throw broken(ctx, `string table entry 0 must be empty, got ${JSON.stringify(ctx.strings[0])}`);

  const sampleTypes = pb.sampleType.map((vt, i) => convertValueType(ctx, vt, `sample type #${i + 1}`));
  const fns = convertFunctions(ctx, pb);
  const maps = convertMappings(ctx, pb);
  const locs = convertLocations(ctx, pb, fns.ids, maps.ids);
  const samples = convertSamples(ctx, rawSamples, locs.ids, sampleTypes.length);

  const profile: Profile = {
    sampleTypes,
    period: toInt64(pb.period),
    timeNanos: toInt64(pb.timeNanos),
    durationNanos: toInt64(pb.durationNanos),
    functions: fns.functions,
    locations: locs.locations,
    mappings: maps.mappings,
    samples,
    comments: pb.comment.map((c) => str(ctx, c, 'comment')),
  };
  if (pb.periodType) profile.periodType = convertValueType(ctx, pb.periodType, 'period type');
  const defaultType = str(ctx, pb.defaultSampleType, 'default sample type');
  if (defaultType) profile.defaultSampleType = defaultType;
  const drop = str(ctx, pb.dropFrames, 'drop_frames');
  if (drop) profile.dropFrames = drop;
  const keep = str(ctx, pb.keepFrames, 'keep_frames');
  if (keep) profile.keepFrames = keep;
  return profile;
}

/** encodePprof builds the uncompressed profile.proto bytes; the model's dense ids carry over as they are. */
export function encodePprof(profile: Profile): Uint8Array {
  const table = new StringTable();
  const s = (text: string | undefined): number => (text ? table.dedup(text) : 0);
  const valueType = (vt: ValueType) => new PbValueType({ type: s(vt.type), unit: s(vt.unit) });
  const pb = new PbProfile({
    sampleType: profile.sampleTypes.map(valueType),
    sample: profile.samples.map(
      (smp) =>
        new PbSample({
          locationId: smp.locationIds,
          value: smp.values,
          label: (smp.labels ?? []).map(
            (l) =>
              new PbLabel(
                l.str !== undefined
                  ? { key: s(l.key), str: s(l.str) }
                  : { key: s(l.key), num: l.num ?? 0, numUnit: s(l.numUnit) },
              ),
          ),
        }),
    ),
    mapping: profile.mappings.map(
      (m) =>
        new PbMapping({
          id: m.id,
          memoryStart: m.memoryStart,
          memoryLimit: m.memoryLimit,
          fileOffset: m.fileOffset,
          filename: s(m.filename),
          buildId: s(m.buildId),
          hasFunctions: m.hasFunctions ?? false,
        }),
    ),
    location: profile.locations.map(
      (l) =>
        new PbLocation({
          id: l.id,
          mappingId: l.mappingId,
          address: l.address,
          line: l.lines.map(
            (ln) => new PbLine({ functionId: ln.functionId, line: ln.line, column: ln.column ?? 0 }),
          ),
          isFolded: l.isFolded ?? false,
        }),
    ),
    function: profile.functions.map(
      (f) =>
        new PbFunction({
          id: f.id,
          name: s(f.name),
          systemName: s(f.systemName),
          filename: s(f.filename),
          startLine: f.startLine,
        }),
    ),
    stringTable: table,
    dropFrames: s(profile.dropFrames),
    keepFrames: s(profile.keepFrames),
    timeNanos: profile.timeNanos,
    durationNanos: profile.durationNanos,
    periodType: profile.periodType ? valueType(profile.periodType) : undefined,
    period: profile.period,
    comment: profile.comments.map((c) => table.dedup(c)),
    defaultSampleType: s(profile.defaultSampleType),
  });
  return pb.encode();
}

/** exportToPprof writes the profile as gzipped profile.proto, what `go tool pprof` and Pyroscope expect. */
export function exportToPprof(profile: Profile): Uint8Array {
  return gzipSync(encodePprof(profile));
}

/** pprofImporter is the registry entry for profile.proto. */
export const pprofImporter: FormatImporter = {
  name: 'pprof',
  sniff: sniffPprof,
  importProfiles: (bytes, options) => [importPprof(bytes, options.source)],
};

/** pprofExporter is the registry entry writing gzipped profile.proto. */
export const pprofExporter: FormatExporter = {
  name: 'pprof',
  exportProfile: exportToPprof,
};
