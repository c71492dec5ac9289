import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importProfileFile } from '../formats/index.js';
import { exportToPprof } from '../formats/pprof.js';
import { mergeProfiles } from '../model/merge.js';
import type { Label, Profile } from '../model/profile.js';
import type { ArtifactKind, ArtifactRecord } from './collector.js';

/** PROFILE_KINDS are the artifact kinds that hold stacks and go into profile.pb.gz. */
export const PROFILE_KINDS: ReadonlySet<ArtifactKind> = new Set([
  'cpu-profile',
  'wall-profile',
  'heap-profile',
  'alloc-profile',
  'lock-profile',
  'off-cpu-profile',
  'call-stats',
]);

/** MERGED_PROFILE_FILE is the merged pprof inside a run (or the top-level) directory. */
export const MERGED_PROFILE_FILE = 'profile.pb.gz';

/**
 * withProcessLabels returns the profile with `pid` (and `process`, the command name, when
 * known) on every sample, so the merged profile can still be split by process. Labels the
 * source already set (a thread label from perf, say) are kept.
 */
export function withProcessLabels(
  profile: Profile,
  pid: number | undefined,
  comm: string | undefined,
): Profile {
  if (pid === undefined) return profile;
  const extra: Label[] = [{ key: 'pid', num: pid }];
  if (comm) extra.push({ key: 'process', str: comm });
  return {
    ...profile,
    samples: profile.samples.map((s) => {
      const own = (s.labels ?? []).filter((l) => l.key !== 'pid' && l.key !== 'process');
      return { ...s, labels: [...own, ...extra] };
    }),
  };
}

/** MergeOutcome reports what went into the merged profile. */
export interface MergeOutcome {
  /** path is absolute; undefined when no artifact held a profile. */
  path?: string;
  imported: string[];
  warnings: string[];
}

/**
 * mergeArtifacts imports every profile artifact of one or more runs, labels samples with their
 * process, merges them into one profile carrying every sample type, and writes it as gzipped
 * pprof into `outDir`. An artifact that fails to import is a warning, not a failed run.
 */
export function mergeArtifacts(
  baseDir: string,
  artifacts: ArtifactRecord[],
  outDir: string,
  commOf: (pid: number) => string | undefined = () => undefined,
): MergeOutcome {
  const profiles: Profile[] = [];
  const imported: string[] = [];
  const warnings: string[] = [];
  for (const a of artifacts) {
    if (!PROFILE_KINDS.has(a.kind)) continue;
    try {
      const found = importProfileFile(join(baseDir, a.path), (w) => warnings.push(`${a.path}: ${w}`));
      const comm = a.pid !== undefined ? commOf(a.pid) : undefined;
      for (const p of found) profiles.push(withProcessLabels(p, a.pid, comm));
      imported.push(a.path);
    } catch (err) {
      warnings.push(`${a.path}: not merged: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  if (profiles.length === 0) return { imported, warnings };
  const path = join(outDir, MERGED_PROFILE_FILE);
  writeFileSync(path, exportToPprof(mergeProfiles(profiles)));
  return { path, imported, warnings };
}
