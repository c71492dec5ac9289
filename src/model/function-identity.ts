import type { Profile } from './profile.js';

/**
 * Function identity: the one rule by which `autoprof diff`, the server's render-diff and the
 * anomaly root cause decide that a function in one profile is the same function in another.
 *
 * A function is its name plus a location that is stable across checkouts and machines:
 *
 *   1. `file://` URLs become paths (percent-decoded); backslashes become slashes.
 *   2. Code inside a package manager's folder is named from that folder on, versions and
 *      install prefixes dropped: `node_modules/<pkg>/<file>` (the last node_modules, so pnpm's
 *      `.pnpm/x@1.2.3/node_modules/x/...` reads `node_modules/x/...`), `site-packages/<path>`,
 *      `dist-packages/<path>`, and the entry inside a JAR (`jar:file:/a/b.jar!/C.class` reads
 *      `b.jar!/C.class`).
 *   3. Python's standard library is `<prefix>/lib/pythonX.Y/<path>`, whatever the prefix.
 *   4. A shared object is its file name (`/usr/lib/x86_64-linux-gnu/libc.so.6` reads
 *      `libc.so.6`): the soname, which together with the symbol names the function.
 *   5. Any other absolute path is made relative to the longest project root that holds it: the
 *      git top-level of the file or the run's cwd (given by the caller, who can see the disk),
 *      else the deepest folder common to all the profile's remaining absolute paths (inferred
 *      from the profile alone, for the server, which never sees the machine).
 *   6. Anything already relative or symbolic (`node:internal/...`, `<frozen ...>`, `[vdso]`) is
 *      kept as it is.
 *
 * After that, two sides are aligned: a function present on one side only whose name occurs
 * exactly once among the unmatched functions of each side is the same function, renamed or
 * moved (alignFunctionLocations). An ambiguous name is left unmatched: then it reads as
 * removed on one side and new on the other, which is honest.
 */

/** LocationContext lists folders known to be project roots (absolute, any order). */
export interface LocationContext {
  projectRoots: readonly string[];
}

const NO_ROOTS: LocationContext = { projectRoots: [] };

const PACKAGE_DIRS = ['node_modules', 'site-packages', 'dist-packages'] as const;
const PYTHON_STDLIB = /\/lib\/(python\d+(?:\.\d+)?)\/(.*)$/;
const SHARED_OBJECT = /(?:^|\/)([^/]+\.so(?:\.\d+)*)$/;
const JAR_ENTRY = /^(?:jar:)?(?:file:)?(?:.*\/)?([^/!]+\.jar)!\/?(.*)$/;

/** decodeFileUrl turns a `file://` URL into a path; other text is returned with `/` separators. */
export function decodeFileUrl(file: string): string {
  let path = file;
  if (/^file:\/\//i.test(path)) {
    path = path.replace(/^file:\/\/(localhost)?/i, '');
    try {
      path = decodeURIComponent(path);
    } catch {
      // A malformed escape stays as written; the identity is still deterministic.
    }
    // file:///C:/x on Windows reads /C:/x.
    if (/^\/[A-Za-z]:\//.test(path)) path = path.slice(1);
  }
  return path.replace(/\\/g, '/');
}

function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:\//.test(path);
}

/**
 * portableLocation applies rules 1-4: the parts of the identity that need no project root.
 * It returns the location and whether it is still an absolute path (rule 5 applies to it).
 */
export function portableLocation(file: string): { location: string; absolute: boolean } {
  if (!file) return { location: '', absolute: false };
  const jar = JAR_ENTRY.exec(file);
  if (jar) return { location: `${jar[1]}!/${jar[2]}`, absolute: false };
  const path = decodeFileUrl(file);
  for (const dir of PACKAGE_DIRS) {
    const at = path.lastIndexOf(`/${dir}/`);
    if (at >= 0) return { location: path.slice(at + 1), absolute: false };
    if (path.startsWith(`${dir}/`)) return { location: path, absolute: false };
  }
  const stdlib = PYTHON_STDLIB.exec(path);
  if (stdlib && isAbsolutePath(path))
    return { location: `<prefix>/lib/${stdlib[1]}/${stdlib[2]}`, absolute: false };
  const so = SHARED_OBJECT.exec(path);
  if (so) return { location: so[1], absolute: false };
  return { location: path, absolute: isAbsolutePath(path) };
}

/** stableLocation is the whole rule for one file (see the module comment). */
export function stableLocation(file: string, context: LocationContext = NO_ROOTS): string {
  const { location, absolute } = portableLocation(file);
  if (!absolute) return location;
  const root = longestRootOf(location, context.projectRoots);
  return root === undefined ? location : location.slice(root.length).replace(/^\/+/, '');
}

function longestRootOf(path: string, roots: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const raw of roots) {
    const root = decodeFileUrl(raw).replace(/\/+$/, '');
    if (root === '') continue;
    if (path.startsWith(`${root}/`) && (best === undefined || root.length > best.length)) best = root;
  }
  return best;
}

/**
 * commonRootOf is the deepest folder holding every path (undefined for none, or when the only
 * common folder is the file system's root, which says nothing about the project).
 */
export function commonRootOf(paths: Iterable<string>): string | undefined {
  let common: string[] | undefined;
  for (const path of paths) {
    const dirs = path.split('/').slice(0, -1);
    if (common === undefined) {
      common = dirs;
      continue;
    }
    let i = 0;
    while (i < common.length && i < dirs.length && common[i] === dirs[i]) i++;
    common = common.slice(0, i);
  }
  if (common === undefined) return undefined;
  const root = common.join('/');
  return root === '' || /^[A-Za-z]:$/.test(root) ? undefined : root;
}

/**
 * inferredProjectRoot is rule 5's fallback: the deepest folder common to the profile's
 * absolute paths that are not packages, the standard library or shared objects, and that no
 * given root already holds.
 */
export function inferredProjectRoot(
  profile: Profile,
  context: LocationContext = NO_ROOTS,
): string | undefined {
  const paths = new Set<string>();
  for (const fn of profile.functions) {
    const { location, absolute } = portableLocation(fn.filename);
    if (absolute && longestRootOf(location, context.projectRoots) === undefined) paths.add(location);
  }
  return commonRootOf(paths);
}

/**
 * withStableLocations returns the profile with every function's file replaced by its stable
 * location (the given roots, then the inferred one). Functions, locations and samples are
 * otherwise untouched, so ids stay valid; merging afterwards folds functions that became equal.
 */
export function withStableLocations(profile: Profile, context: LocationContext = NO_ROOTS): Profile {
  const inferred = inferredProjectRoot(profile, context);
  const full: LocationContext = {
    projectRoots: inferred === undefined ? context.projectRoots : [...context.projectRoots, inferred],
  };
  const cache = new Map<string, string>();
  const functions = profile.functions.map((fn) => {
    let location = cache.get(fn.filename);
    if (location === undefined) {
      location = stableLocation(fn.filename, full);
      cache.set(fn.filename, location);
    }
    return location === fn.filename ? fn : { ...fn, filename: location };
  });
  return { ...profile, functions };
}

/** functionIdentity is the key two profiles' functions are matched by (name + stable location). */
export function functionIdentity(name: string, location: string): string {
  return location ? `${name}\u0000${location}` : name;
}

/**
 * renamedLocations finds functions that moved: for each name that is unmatched on both sides
 * and occurs exactly once among each side's unmatched functions, it maps the base's location
 * to the head's. Input lists are the distinct (name, location) pairs of each side.
 */
export function renamedLocations(
  base: ReadonlyArray<{ name: string; location: string }>,
  head: ReadonlyArray<{ name: string; location: string }>,
): Map<string, string> {
  const key = (f: { name: string; location: string }) => functionIdentity(f.name, f.location);
  const baseKeys = new Set(base.map(key));
  const headKeys = new Set(head.map(key));
  const unmatchedByName = (list: ReadonlyArray<{ name: string; location: string }>, other: Set<string>) => {
    const byName = new Map<string, string[]>();
    for (const f of list) {
      if (other.has(key(f))) continue;
      const locations = byName.get(f.name) ?? [];
      if (!locations.includes(f.location)) locations.push(f.location);
      byName.set(f.name, locations);
    }
    return byName;
  };
  const baseUnmatched = unmatchedByName(base, headKeys);
  const headUnmatched = unmatchedByName(head, baseKeys);
  const moves = new Map<string, string>();
  for (const [name, baseLocations] of baseUnmatched) {
    const headLocations = headUnmatched.get(name);
    if (baseLocations.length === 1 && headLocations?.length === 1) {
      moves.set(functionIdentity(name, baseLocations[0]), headLocations[0]);
    }
  }
  return moves;
}

/**
 * alignFunctionLocations gives the base side's moved functions the head's location (the code
 * as it is now is what a report should point at), so that identity by name and location then
 * matches them. Both sides must already carry stable locations.
 */
export function alignFunctionLocations(base: Profile[], head: Profile[]): Profile[] {
  const pairs = (profiles: Profile[]) => {
    const seen = new Map<string, { name: string; location: string }>();
    for (const p of profiles) {
      for (const fn of p.functions) {
        const k = functionIdentity(fn.name, fn.filename);
        if (!seen.has(k)) seen.set(k, { name: fn.name, location: fn.filename });
      }
    }
    return [...seen.values()];
  };
  const moves = renamedLocations(pairs(base), pairs(head));
  if (moves.size === 0) return base;
  return base.map((p) => ({
    ...p,
    functions: p.functions.map((fn) => {
      const moved = moves.get(functionIdentity(fn.name, fn.filename));
      return moved === undefined ? fn : { ...fn, filename: moved };
    }),
  }));
}

/**
 * identifySides is the whole identity rule for two sides: stable locations on every profile
 * (given roots, then each profile's inferred root), then moved functions aligned by name.
 * Profiles that already carry stable locations pass through unchanged.
 */
export function identifySides(
  base: Profile[],
  head: Profile[],
  contexts: { base?: LocationContext; head?: LocationContext } = {},
): { base: Profile[]; head: Profile[] } {
  const stableHead = head.map((p) => withStableLocations(p, contexts.head));
  const stableBase = base.map((p) => withStableLocations(p, contexts.base));
  return { base: alignFunctionLocations(stableBase, stableHead), head: stableHead };
}
