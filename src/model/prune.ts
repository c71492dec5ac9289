import { locationMatcher } from './filter.js';
import { ProfileInterner } from './merge.js';
import type { Profile } from './profile.js';
import { emptyProfile } from './profile.js';

/**
 * pruneProfile removes, in every sample, the first frame from the root that matches `drop`
 * (and not `keep`) together with everything it called, as pprof does with a profile's
 * drop_frames: allocator or runtime internals collapse into their caller.
 */
export function pruneProfile(profile: Profile, drop: RegExp, keep?: RegExp): Profile {
  const dropped = locationMatcher(profile, drop);
  const kept = keep ? locationMatcher(profile, keep) : () => false;
  const samples = profile.samples.map((s) => {
    for (let i = s.locationIds.length - 1; i >= 0; i--) {
      const id = s.locationIds[i];
      if (dropped(id) && !kept(id)) return { ...s, locationIds: s.locationIds.slice(i + 1) };
    }
    return s;
  });
  return { ...profile, samples };
}

/**
 * compactProfile drops functions, locations and mappings no sample references and renumbers
 * the rest densely, e.g. after filtering, so exports do not carry dead tables.
 */
export function compactProfile(profile: Profile): Profile {
  const out = emptyProfile(profile.sampleTypes);
  const { functions: _f, locations: _l, mappings: _m, samples, sampleTypes: _t, ...rest } = profile;
  Object.assign(out, rest);
  const interner = new ProfileInterner(out);
  const locationMap = new Map<number, number>();
  for (const s of samples) {
    const locationIds = s.locationIds.map((id) => {
      let mapped = locationMap.get(id);
      if (mapped === undefined) {
        mapped = interner.location(profile, profile.locations[id - 1]);
        locationMap.set(id, mapped);
      }
      return mapped;
    });
    out.samples.push({ ...s, locationIds });
  }
  return out;
}
