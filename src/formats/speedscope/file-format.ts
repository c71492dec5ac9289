/**
 * The speedscope file format (https://www.speedscope.app/file-format-schema.json), as speedscope
 * itself reads and writes it. Field by field:
 */

/** SPEEDSCOPE_SCHEMA is the `$schema` value that identifies a speedscope file. */
export const SPEEDSCOPE_SCHEMA = 'https://www.speedscope.app/file-format-schema.json';

/** SpeedscopeUnit is the unit of every value in one profile. */
export type SpeedscopeUnit = 'none' | 'nanoseconds' | 'microseconds' | 'milliseconds' | 'seconds' | 'bytes';

/** SpeedscopeFrame is one entry of `shared.frames`; profiles refer to frames by index. */
export interface SpeedscopeFrame {
  name: string;
  /** file: source path or URL. */
  file?: string;
  /** line and col are 1-based (speedscope's importers normalise V8's 0-based positions). */
  line?: number;
  col?: number;
}

/**
 * SpeedscopeSampledProfile lists stacks with weights. `samples[i]` holds frame indexes ROOT
 * FIRST (the model is leaf first) and `weights[i]` its weight in `unit`; both have the same
 * length. startValue/endValue bound the profile (endValue >= startValue).
 */
export interface SpeedscopeSampledProfile {
  type: 'sampled';
  name: string;
  unit: SpeedscopeUnit;
  startValue: number;
  endValue: number;
  samples: number[][];
  weights: number[];
}

/**
 * SpeedscopeEvent opens ('O') or closes ('C') a frame at value `at`. Events are in
 * non-decreasing `at` order, balanced, and a close names the frame on top of the stack.
 */
export interface SpeedscopeEvent {
  type: 'O' | 'C';
  at: number;
  frame: number;
}

/** SpeedscopeEventedProfile is a trace of frame open/close events. */
export interface SpeedscopeEventedProfile {
  type: 'evented';
  name: string;
  unit: SpeedscopeUnit;
  startValue: number;
  endValue: number;
  events: SpeedscopeEvent[];
}

/** SpeedscopeProfile is either kind of profile. */
export type SpeedscopeProfile = SpeedscopeSampledProfile | SpeedscopeEventedProfile;

/**
 * SpeedscopeFile is a whole document. `name` (since 0.6.0) names the group,
 * `activeProfileIndex` is the profile shown first, `exporter` says who wrote the file.
 */
export interface SpeedscopeFile {
  $schema: typeof SPEEDSCOPE_SCHEMA;
  shared: { frames: SpeedscopeFrame[] };
  profiles: SpeedscopeProfile[];
  name?: string;
  activeProfileIndex?: number;
  exporter?: string;
}
