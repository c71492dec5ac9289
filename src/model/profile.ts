/**
 * The one in-memory profile every importer builds and every analysis reads. Its shape follows
 * pprof's profile.proto so export to pprof is a field-by-field copy.
 *
 * Invariants (ProfileBuilder keeps them; importers must use it or keep them too):
 * - ids are dense and 1-based: `functions[i].id === i + 1`, likewise for locations and mappings,
 *   so an id is an index without a map lookup.
 * - `Sample.locationIds` is LEAF FIRST, as in pprof: `locationIds[0]` is the innermost frame.
 * - `Location.lines` is innermost first as well: with inlining, `lines[0]` is the inlined callee
 *   and the last entry the function the code was inlined into.
 * - every sample has exactly `sampleTypes.length` values.
 */

/** ValueType names what a sample value measures: e.g. {type: 'cpu', unit: 'nanoseconds'}. */
export interface ValueType {
  type: string;
  unit: string;
}

/** FunctionInfo is one entry of the function table. */
export interface FunctionInfo {
  id: number;
  name: string;
  /** systemName is the mangled or raw name where it differs from `name`. */
  systemName: string;
  filename: string;
  startLine: number;
}

/** Line is one (possibly inlined) source position inside a location. */
export interface Line {
  functionId: number;
  line: number;
  column?: number;
}

/** Mapping is a loaded binary or module. */
export interface Mapping {
  id: number;
  memoryStart: number;
  memoryLimit: number;
  fileOffset: number;
  filename: string;
  buildId: string;
  hasFunctions?: boolean;
}

/** Location is one frame: an address with the functions and lines it resolves to. */
export interface Location {
  id: number;
  /** 0 when unknown. */
  mappingId: number;
  address: number;
  lines: Line[];
  isFolded?: boolean;
}

/** Label is a sample label: a string value or a number with an optional unit. */
export interface Label {
  key: string;
  str?: string;
  num?: number;
  numUnit?: string;
}

/** Sample is one stack with a value per sample type. */
export interface Sample {
  /** Leaf first (see the file comment). */
  locationIds: number[];
  values: number[];
  labels?: Label[];
}

/** Profile is the model. See the file comment for its invariants. */
export interface Profile {
  /** name is optional: a thread or profile name given by the source format. */
  name?: string;
  sampleTypes: ValueType[];
  /** defaultSampleType is the `type` of the sample type to show first, when the source says. */
  defaultSampleType?: string;
  periodType?: ValueType;
  period: number;
  /** Start of the profile, nanoseconds since the epoch; 0 when unknown. */
  timeNanos: number;
  durationNanos: number;
  functions: FunctionInfo[];
  locations: Location[];
  mappings: Mapping[];
  samples: Sample[];
  comments: string[];
  dropFrames?: string;
  keepFrames?: string;
}

/** emptyProfile returns a profile with the given sample types and nothing else. */
export function emptyProfile(sampleTypes: ValueType[]): Profile {
  return {
    sampleTypes: sampleTypes.map((t) => ({ ...t })),
    period: 0,
    timeNanos: 0,
    durationNanos: 0,
    functions: [],
    locations: [],
    mappings: [],
    samples: [],
    comments: [],
  };
}

/** sampleTypeIndex finds a sample type by `type` (or `type/unit`); -1 when absent. */
export function sampleTypeIndex(profile: Profile, wanted: string): number {
  const slash = wanted.indexOf('/');
  if (slash >= 0) {
    const type = wanted.slice(0, slash);
    const unit = wanted.slice(slash + 1);
    return profile.sampleTypes.findIndex((t) => t.type === type && t.unit === unit);
  }
  return profile.sampleTypes.findIndex((t) => t.type === wanted);
}

/**
 * defaultSampleTypeIndex picks the sample type to show: the declared default, else the last
 * one, as `go tool pprof` does.
 */
export function defaultSampleTypeIndex(profile: Profile): number {
  if (profile.defaultSampleType) {
    const i = sampleTypeIndex(profile, profile.defaultSampleType);
    if (i >= 0) return i;
  }
  return profile.sampleTypes.length - 1;
}

/**
 * frameNamesRootFirst expands a sample's stack to function names, root first, inlined frames
 * included (the callee after its caller).
 */
export function frameNamesRootFirst(profile: Profile, sample: Sample): string[] {
  const names: string[] = [];
  for (let i = sample.locationIds.length - 1; i >= 0; i--) {
    const loc = profile.locations[sample.locationIds[i] - 1];
    if (loc.lines.length === 0) {
      names.push(loc.address ? `0x${loc.address.toString(16)}` : '<unknown>');
      continue;
    }
    for (let j = loc.lines.length - 1; j >= 0; j--) {
      names.push(profile.functions[loc.lines[j].functionId - 1].name);
    }
  }
  return names;
}
