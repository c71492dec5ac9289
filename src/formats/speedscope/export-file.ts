import type { Location, Profile } from '../../model/profile.js';
import type {
  SpeedscopeFile,
  SpeedscopeFrame,
  SpeedscopeSampledProfile,
  SpeedscopeUnit,
} from './file-format.js';
import { SPEEDSCOPE_SCHEMA } from './file-format.js';

const SPEEDSCOPE_UNITS = new Set(['nanoseconds', 'microseconds', 'milliseconds', 'seconds', 'bytes']);

/** speedscopeUnitFor maps a model unit to speedscope's; units it has no name for become 'none'. */
export function speedscopeUnitFor(unit: string): SpeedscopeUnit {
  return SPEEDSCOPE_UNITS.has(unit) ? (unit as SpeedscopeUnit) : 'none';
}

/**
 * exportToSpeedscope writes one sampled speedscope profile per sample type (speedscope shows
 * one weight per profile), opening on the model's default sample type. With several types the
 * profiles are named `NAME (type)`. Samples keep the model's order, so time order survives.
 * Inlined frames become separate frames, the inlined callee on top of its caller. Samples whose
 * value is zero for a type are left out of that type's profile.
 */
export function exportToSpeedscope(profile: Profile): SpeedscopeFile {
  const frames: SpeedscopeFrame[] = [];
  const frameIndex = new Map<string, number>();
  const locationFrames = new Map<number, number[]>();
  const framesOf = (loc: Location): number[] => {
    let indexes = locationFrames.get(loc.id);
    if (!indexes) {
      indexes = locationFramesRootFirst(profile, loc).map((frame) => {
        const key = JSON.stringify(frame);
        let index = frameIndex.get(key);
        if (index === undefined) {
          index = frames.length;
          frames.push(frame);
          frameIndex.set(key, index);
        }
        return index;
      });
      locationFrames.set(loc.id, indexes);
    }
    return indexes;
  };

  const baseName = profile.name ?? 'profile';
  const profiles = profile.sampleTypes.map((type, t): SpeedscopeSampledProfile => {
    const samples: number[][] = [];
    const weights: number[] = [];
    let total = 0;
    for (const sample of profile.samples) {
      const weight = sample.values[t];
      if (!weight) continue;
      const stack: number[] = [];
      for (let i = sample.locationIds.length - 1; i >= 0; i--) {
        for (const index of framesOf(profile.locations[sample.locationIds[i] - 1])) stack.push(index);
      }
      samples.push(stack);
      weights.push(weight);
      if (weight > 0) total += weight;
    }
    return {
      type: 'sampled',
      name: profile.sampleTypes.length > 1 ? `${baseName} (${type.type})` : baseName,
      unit: speedscopeUnitFor(type.unit),
      startValue: 0,
      endValue: total,
      samples,
      weights,
    };
  });

  const active = defaultIndex(profile);
  return {
    $schema: SPEEDSCOPE_SCHEMA,
    exporter: 'autoprof',
    name: baseName,
    activeProfileIndex: active,
    shared: { frames },
    profiles,
  };
}

function defaultIndex(profile: Profile): number {
  const wanted = profile.defaultSampleType;
  const i = wanted === undefined ? -1 : profile.sampleTypes.findIndex((t) => t.type === wanted);
  return i >= 0 ? i : Math.max(0, profile.sampleTypes.length - 1);
}

/** locationFramesRootFirst lists a location's frames, the caller of inlined code first. */
function locationFramesRootFirst(profile: Profile, loc: Location): SpeedscopeFrame[] {
  if (loc.lines.length === 0) {
    return [{ name: loc.address ? `0x${loc.address.toString(16)}` : '<unknown>' }];
  }
  const frames: SpeedscopeFrame[] = [];
  for (let j = loc.lines.length - 1; j >= 0; j--) {
    const line = loc.lines[j];
    const fn = profile.functions[line.functionId - 1];
    const frame: SpeedscopeFrame = { name: fn.name };
    if (fn.filename) frame.file = fn.filename;
    if (line.line > 0) frame.line = line.line;
    if (line.column) frame.col = line.column;
    frames.push(frame);
  }
  return frames;
}
