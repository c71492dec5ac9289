import type { Profile } from './profile.js';

/**
 * scaleProfile multiplies every sample value by `factor` (one number for all sample types, or
 * one per type). A diff is head merged with the base scaled by -1, so negative factors are valid.
 */
export function scaleProfile(profile: Profile, factor: number | number[]): Profile {
  const factors = typeof factor === 'number' ? profile.sampleTypes.map(() => factor) : factor;
  if (factors.length !== profile.sampleTypes.length) {
    throw new Error(`scaleProfile: ${factors.length} factors for ${profile.sampleTypes.length} sample types`);
  }
  return {
    ...profile,
    samples: profile.samples.map((s) => ({ ...s, values: s.values.map((v, i) => v * factors[i]) })),
  };
}
