import { ProfileBuilder } from '../src/model/builder.js';
import type { Profile, ValueType } from '../src/model/profile.js';
import { frameNamesRootFirst } from '../src/model/profile.js';

/**
 * profileFromFolded builds a profile from folded lines `a;b;c v1 [v2 ...]` so a test reads as a
 * picture of its stacks. An optional `{k=v}` after the stack adds string labels.
 */
export function profileFromFolded(
  lines: string[],
  sampleTypes: ValueType[] = [{ type: 'samples', unit: 'count' }],
) {
  const b = new ProfileBuilder(sampleTypes);
  for (const line of lines) {
    const m = /^(\S+?)(?:\{([^}]*)\})?((?: -?\d+(?:\.\d+)?)+)$/.exec(line.trim());
    if (!m) throw new Error(`bad folded test line: ${line}`);
    const labels = m[2]
      ? m[2].split(',').map((kv) => {
          const [key, str] = kv.split('=');
          return { key, str };
        })
      : undefined;
    b.addStackRootFirst(m[1].split(';'), m[3].trim().split(' ').map(Number), labels);
  }
  return b.build();
}

/** foldedOf renders a profile back to sorted, aggregated folded lines for one sample type. */
export function foldedOf(profile: Profile, typeIndex = 0): string[] {
  const sums = new Map<string, number>();
  for (const s of profile.samples) {
    const key = frameNamesRootFirst(profile, s).join(';');
    sums.set(key, (sums.get(key) ?? 0) + s.values[typeIndex]);
  }
  return [...sums]
    .filter(([, v]) => v !== 0)
    .map(([k, v]) => `${k} ${v}`)
    .sort();
}
