import type { Label, Location, Profile, Sample } from './profile.js';

/**
 * FilterOptions follow `go tool pprof`: focus keeps samples through a matching frame, ignore
 * drops them, hide removes matching frames from stacks, show keeps only matching frames;
 * tagFocus / tagIgnore match labels as `key=regex` (or a bare regex on any string value).
 */
export interface FilterOptions {
  focus?: RegExp;
  ignore?: RegExp;
  hide?: RegExp;
  show?: RegExp;
  tagFocus?: LabelMatcher;
  tagIgnore?: LabelMatcher;
}

/** LabelMatcher matches a label key (any key when undefined) whose value matches `value`. */
export interface LabelMatcher {
  key?: string;
  value: RegExp;
}

/** parseLabelMatcher reads `key=regex` or a bare regex. */
export function parseLabelMatcher(text: string): LabelMatcher {
  const eq = text.indexOf('=');
  if (eq > 0) return { key: text.slice(0, eq), value: new RegExp(text.slice(eq + 1)) };
  return { value: new RegExp(text) };
}

/** filterProfile returns a new profile with the filters applied; the input is not changed. */
export function filterProfile(profile: Profile, options: FilterOptions): Profile {
  const frameMatches = (re: RegExp) => locationMatcher(profile, re);
  const focus = options.focus ? frameMatches(options.focus) : undefined;
  const ignore = options.ignore ? frameMatches(options.ignore) : undefined;

  let samples = profile.samples.filter((s) => {
    if (options.tagFocus && !labelsMatch(s.labels, options.tagFocus)) return false;
    if (options.tagIgnore && labelsMatch(s.labels, options.tagIgnore)) return false;
    if (focus && !s.locationIds.some(focus)) return false;
    if (ignore && s.locationIds.some(ignore)) return false;
    return true;
  });

  let locations = profile.locations;
  if (options.hide || options.show) {
    const rewritten = rewriteLocations(profile, options.hide, options.show);
    locations = rewritten.locations;
    samples = samples
      .map((s) => ({
        ...s,
        locationIds: s.locationIds.map((id) => rewritten.idMap[id - 1]).filter((id) => id > 0),
      }))
      .filter((s) => s.locationIds.length > 0);
  }
  return { ...profile, locations, samples };
}

/**
 * locationMatcher tests a location id against a regex over its functions' names and files, or
 * the mapping's file for unsymbolized frames, as pprof does.
 */
export function locationMatcher(profile: Profile, re: RegExp): (locationId: number) => boolean {
  const cache = new Map<number, boolean>();
  return (id) => {
    let hit = cache.get(id);
    if (hit === undefined) {
      hit = locationText(profile, profile.locations[id - 1]).some((text) => re.test(text));
      cache.set(id, hit);
    }
    return hit;
  };
}

function locationText(profile: Profile, loc: Location): string[] {
  const texts: string[] = [];
  for (const line of loc.lines) {
    const fn = profile.functions[line.functionId - 1];
    texts.push(fn.name);
    if (fn.filename) texts.push(fn.filename);
  }
  if (texts.length === 0 && loc.mappingId) texts.push(profile.mappings[loc.mappingId - 1].filename);
  return texts;
}

function labelsMatch(labels: Label[] | undefined, matcher: LabelMatcher): boolean {
  if (!labels) return false;
  return labels.some(
    (l) =>
      (matcher.key === undefined || l.key === matcher.key) &&
      matcher.value.test(l.str ?? (l.num !== undefined ? String(l.num) : '')),
  );
}

/**
 * rewriteLocations drops hidden lines (or keeps only shown ones) inside each location; a
 * location left with no line maps to 0 and disappears from stacks.
 */
function rewriteLocations(
  profile: Profile,
  hide: RegExp | undefined,
  show: RegExp | undefined,
): { locations: Location[]; idMap: number[] } {
  const keepLine = (functionId: number) => {
    const fn = profile.functions[functionId - 1];
    const matches = (re: RegExp) => re.test(fn.name) || (fn.filename !== '' && re.test(fn.filename));
    return !(hide && matches(hide)) && !(show && !matches(show));
  };
  // Locations that lose some lines get a copy with the rest, appended after the originals so
  // every existing id stays valid for samples that are not rewritten.
  const locations = profile.locations.slice();
  const idMap = profile.locations.map((loc) => {
    if (loc.lines.length === 0) return show ? 0 : loc.id;
    const lines = loc.lines.filter((line) => keepLine(line.functionId));
    if (lines.length === loc.lines.length) return loc.id;
    if (lines.length === 0) return 0;
    const id = locations.length + 1;
    locations.push({ ...loc, id, lines });
    return id;
  });
  return { locations, idMap };
}

/** filterSamples keeps the samples for which `keep` is true. */
export function filterSamples(profile: Profile, keep: (sample: Sample) => boolean): Profile {
  return { ...profile, samples: profile.samples.filter(keep) };
}
