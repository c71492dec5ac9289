import type { Profile } from './profile.js';

// py-spy and Pyroscope's Python agents fold frames as "function (path/file.py:line)".
const NAME_WITH_FILE = /^(.+?) \(([^()]+?):(\d+)\)$/;

/**
 * splitEmbeddedFileNames recovers file and line from frame names that carry them, for profiles
 * that arrive as folded text (no file table): "validate (app/forms.py:42)" becomes function
 * `validate` in `app/forms.py`, with the line on its locations. Other functions are untouched.
 */
export function splitEmbeddedFileNames(profile: Profile): Profile {
  const parsed = profile.functions.map((fn) => (fn.filename === '' ? NAME_WITH_FILE.exec(fn.name) : null));
  if (!parsed.some((m) => m !== null)) return profile;
  const functions = profile.functions.map((fn, i) => {
    const m = parsed[i];
    return m
      ? { ...fn, name: m[1], systemName: fn.systemName === fn.name ? m[1] : fn.systemName, filename: m[2] }
      : fn;
  });
  const locations = profile.locations.map((loc) => ({
    ...loc,
    lines: loc.lines.map((line) => {
      const m = parsed[line.functionId - 1];
      return m && line.line === 0 ? { ...line, line: Number(m[3]) } : line;
    }),
  }));
  return { ...profile, functions, locations };
}
