import type { Profile } from './profile.js';

/**
 * profileProblems lists every broken invariant of a profile (see profile.ts): importers are
 * checked with it in tests and the fuzz test, so a garbled input can never yield a profile
 * that crashes analysis later. Empty when the profile is sound.
 */
export function profileProblems(profile: Profile, limit = 20): string[] {
  const problems: string[] = [];
  const report = (message: string) => problems.length < limit && problems.push(message);
  const width = profile.sampleTypes.length;
  if (width === 0) report('no sample types');
  profile.functions.forEach((f, i) => {
    if (f.id !== i + 1) report(`function at index ${i} has id ${f.id}`);
    if (typeof f.name !== 'string') report(`function ${f.id} has no name`);
  });
  profile.mappings.forEach((m, i) => {
    if (m.id !== i + 1) report(`mapping at index ${i} has id ${m.id}`);
  });
  profile.locations.forEach((loc, i) => {
    if (loc.id !== i + 1) report(`location at index ${i} has id ${loc.id}`);
    if (loc.mappingId < 0 || loc.mappingId > profile.mappings.length)
      report(`location ${loc.id} has mapping ${loc.mappingId}`);
    for (const line of loc.lines) {
      if (!(line.functionId >= 1 && line.functionId <= profile.functions.length)) {
        report(`location ${loc.id} names function ${line.functionId}`);
      }
    }
  });
  profile.samples.forEach((s, i) => {
    if (s.values.length !== width) report(`sample ${i} has ${s.values.length} values for ${width} types`);
    for (const v of s.values)
      if (typeof v !== 'number' || Number.isNaN(v)) report(`sample ${i} has value ${v}`);
    for (const id of s.locationIds) {
      if (!(id >= 1 && id <= profile.locations.length)) report(`sample ${i} names location ${id}`);
    }
  });
  return problems;
}
