import { UsageError } from '../errors.js';
import type { Profile } from './profile.js';
import { sampleTypeIndex } from './profile.js';

/**
 * selectSampleType keeps one sample type (by index), dropping samples that are zero in it, for
 * exports whose format holds a single value per stack (collapsed, flamebearer).
 */
export function selectSampleType(profile: Profile, index: number): Profile {
  const type = profile.sampleTypes[index];
  if (!type) throw new UsageError(`sample type index ${index} is out of range`);
  return {
    ...profile,
    sampleTypes: [{ ...type }],
    defaultSampleType: type.type,
    samples: profile.samples
      .filter((s) => s.values[index] !== 0)
      .map((s) => ({ ...s, values: [s.values[index]] })),
  };
}

/** resolveSampleType finds a sample type by `type` or `type/unit`, or throws a UsageError naming the choices. */
export function resolveSampleType(profile: Profile, wanted: string): number {
  const index = sampleTypeIndex(profile, wanted);
  if (index < 0) {
    const choices = profile.sampleTypes.map((t) => `${t.type}/${t.unit}`).join(', ');
    throw new UsageError(`no sample type '${wanted}' in this profile (it has ${choices})`);
  }
  return index;
}
