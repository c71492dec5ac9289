import type { FunctionInfo, Label, Location, Mapping, Profile, ValueType } from './profile.js';
import { emptyProfile } from './profile.js';

/** FrameSpec describes one frame for the builder; only `name` is required. */
export interface FrameSpec {
  name: string;
  systemName?: string;
  file?: string;
  /** line of the frame's current position (0 when unknown). */
  line?: number;
  column?: number;
  /** startLine of the function (0 when unknown). */
  startLine?: number;
  address?: number;
  mappingId?: number;
}

/**
 * ProfileBuilder interns functions and locations so importers never touch id bookkeeping, and
 * keeps the model's invariants (dense 1-based ids, one value per sample type).
 */
export class ProfileBuilder {
  readonly profile: Profile;
  private readonly functionIds = new Map<string, number>();
  private readonly locationIds = new Map<string, number>();

  constructor(sampleTypes: ValueType[]) {
    this.profile = emptyProfile(sampleTypes);
  }

  /** functionId interns a function by name, system name, file and start line. */
  functionId(name: string, file = '', startLine = 0, systemName = name): number {
    const key = `${name}\u0000${systemName}\u0000${file}\u0000${startLine}`;
    let id = this.functionIds.get(key);
    if (id === undefined) {
      id = this.profile.functions.length + 1;
      const fn: FunctionInfo = { id, name, systemName, filename: file, startLine };
      this.profile.functions.push(fn);
      this.functionIds.set(key, id);
    }
    return id;
  }

  /** locationId interns a single-function location for a frame. */
  locationId(frame: FrameSpec): number {
    const fnId = this.functionId(
      frame.name,
      frame.file ?? '',
      frame.startLine ?? 0,
      frame.systemName ?? frame.name,
    );
    const line = frame.line ?? 0;
    const column = frame.column ?? 0;
    const address = frame.address ?? 0;
    const mappingId = frame.mappingId ?? 0;
    const key = `${fnId}:${line}:${column}:${address}:${mappingId}`;
    let id = this.locationIds.get(key);
    if (id === undefined) {
      id = this.profile.locations.length + 1;
      const loc: Location = {
        id,
        mappingId,
        address,
        lines: [column ? { functionId: fnId, line, column } : { functionId: fnId, line }],
      };
      this.profile.locations.push(loc);
      this.locationIds.set(key, id);
    }
    return id;
  }

  /**
   * inlinedLocationId interns one location holding several inlined frames, innermost first
   * (pprof order).
   */
  inlinedLocationId(framesInnermostFirst: FrameSpec[], address = 0, mappingId = 0): number {
    const lines = framesInnermostFirst.map((f) => ({
      functionId: this.functionId(f.name, f.file ?? '', f.startLine ?? 0, f.systemName ?? f.name),
      line: f.line ?? 0,
    }));
    const key = `i:${address}:${mappingId}:${lines.map((l) => `${l.functionId}.${l.line}`).join(',')}`;
    let id = this.locationIds.get(key);
    if (id === undefined) {
      id = this.profile.locations.length + 1;
      this.profile.locations.push({ id, mappingId, address, lines });
      this.locationIds.set(key, id);
    }
    return id;
  }

  /** addMapping appends a mapping and returns its id. */
  addMapping(mapping: Omit<Mapping, 'id'>): number {
    const id = this.profile.mappings.length + 1;
    this.profile.mappings.push({ id, ...mapping });
    return id;
  }

  /** addSample adds a sample with a leaf-first stack of location ids. */
  addSample(locationIdsLeafFirst: number[], values: number[], labels?: Label[]): void {
    if (values.length !== this.profile.sampleTypes.length) {
      throw new Error(
        `sample has ${values.length} values, profile has ${this.profile.sampleTypes.length} types`,
      );
    }
    this.profile.samples.push(
      labels && labels.length > 0
        ? { locationIds: locationIdsLeafFirst, values, labels }
        : { locationIds: locationIdsLeafFirst, values },
    );
  }

  /** addStackRootFirst adds a sample from frames listed root first (folded-stack order). */
  addStackRootFirst(framesRootFirst: Array<FrameSpec | string>, values: number[], labels?: Label[]): void {
    const ids = new Array<number>(framesRootFirst.length);
    for (let i = 0; i < framesRootFirst.length; i++) {
      const f = framesRootFirst[i];
      ids[framesRootFirst.length - 1 - i] = this.locationId(typeof f === 'string' ? { name: f } : f);
    }
    this.addSample(ids, values, labels);
  }

  /** build returns the profile; the builder should not be used afterwards. */
  build(): Profile {
    return this.profile;
  }
}
