import { gzipSync } from 'node:zlib';
import {
  Function as PbFunction,
  Line as PbLine,
  Location as PbLocation,
  Profile as PbProfile,
  Sample as PbSample,
  ValueType as PbValueType,
  StringTable,
} from 'pprof-format';

/** CallFrame is V8's frame as the inspector reports it (line and column are 0-based). */
export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
  scriptId?: string;
}

/**
 * PprofWriter builds one profile.proto from V8 frames: one function per (name, file), one location
 * per distinct call frame, and samples as leaf-first location lists, as pprof-nodejs writes them.
 * The agent keeps its own small writer (rather than the ESM model in src/model) because it is
 * loaded with `--require` before the app, where only CommonJS and built-ins are at hand.
 */
export class PprofWriter {
  private readonly strings = new StringTable();
  private readonly functions: PbFunction[] = [];
  private readonly locations: PbLocation[] = [];
  private readonly samples: PbSample[] = [];
  private readonly functionIds = new Map<string, number>();
  private readonly locationIds = new Map<string, number>();

  constructor(
    private readonly sampleTypes: ReadonlyArray<[type: string, unit: string]>,
    private readonly periodType?: [type: string, unit: string],
    private readonly period = 0,
  ) {}

  /** location returns the id of a frame's location, creating it (and its function) once. */
  location(frame: CallFrame): number {
    const name = frame.functionName || '(anonymous)';
    const key = `${name}\u0000${frame.url}\u0000${frame.lineNumber}\u0000${frame.columnNumber}`;
    let id = this.locationIds.get(key);
    if (id !== undefined) return id;
    const fkey = `${name}\u0000${frame.url}`;
    let functionId = this.functionIds.get(fkey);
    if (functionId === undefined) {
      functionId = this.functions.length + 1;
      this.functionIds.set(fkey, functionId);
      const nameId = this.strings.dedup(name);
      this.functions.push(
        new PbFunction({
          id: functionId,
          name: nameId,
          systemName: nameId,
          filename: this.strings.dedup(frame.url),
        }),
      );
    }
    id = this.locations.length + 1;
    this.locationIds.set(key, id);
    this.locations.push(
      new PbLocation({
        id,
        line: [new PbLine({ functionId, line: frame.lineNumber + 1, column: frame.columnNumber + 1 })],
      }),
    );
    return id;
  }

  addSample(locationIdsLeafFirst: number[], values: number[]): void {
    this.samples.push(new PbSample({ locationId: locationIdsLeafFirst, value: values }));
  }

  get sampleCount(): number {
    return this.samples.length;
  }

  /** encode returns the gzipped profile, what /ingest?format=pprof and `go tool pprof` read. */
  encode(timeNanos: number, durationNanos: number): Buffer {
    const vt = ([type, unit]: [string, string]) =>
      new PbValueType({ type: this.strings.dedup(type), unit: this.strings.dedup(unit) });
    const profile = new PbProfile({
      sampleType: this.sampleTypes.map(vt),
      sample: this.samples,
      location: this.locations,
      function: this.functions,
      stringTable: this.strings,
      timeNanos,
      durationNanos,
      periodType: this.periodType ? vt(this.periodType) : undefined,
      period: this.period,
    });
    return gzipSync(profile.encode());
  }
}
