import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { type LocationContext, portableLocation } from '../model/function-identity.js';
import type { Profile } from '../model/profile.js';

/**
 * projectRootsOf finds the project roots of a profile recorded on this machine, for the
 * function identity rule (model/function-identity.ts): the git top-level of every absolute
 * source file that still exists (a folder holding `.git`, a directory in a clone or a file in a
 * `git worktree`), then the run's cwd when known. Files that no longer exist are left to the
 * identity rule's inferred root.
 */
export function projectRootsOf(profiles: Profile[], cwd?: string): LocationContext {
  const roots = new Set<string>();
  const topOfDir = new Map<string, string | null>();
  for (const profile of profiles) {
    for (const fn of profile.functions) {
      const { location, absolute } = portableLocation(fn.filename);
      if (!absolute) continue;
      const top = gitTopLevel(dirname(location), topOfDir);
      if (top) roots.add(top);
    }
  }
  if (cwd) roots.add(cwd);
  return { projectRoots: [...roots] };
}

/** gitTopLevel walks up from `dir` to the folder holding `.git`, memoising every folder seen. */
function gitTopLevel(dir: string, memo: Map<string, string | null>): string | null {
  const walked: string[] = [];
  let current = dir;
  let found: string | null = null;
  for (;;) {
    const known = memo.get(current);
    if (known !== undefined) {
      found = known;
      break;
    }
    walked.push(current);
    if (existsSync(`${current}/.git`)) {
      found = current;
      break;
    }
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const d of walked) memo.set(d, found);
  return found;
}
