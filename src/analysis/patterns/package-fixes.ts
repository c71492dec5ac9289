import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { UsageError } from '../../errors.js';
import type { Finding } from '../findings.js';
import { packageRoot } from './loader.js';

/** PackageFix is a performance bug a package fixed: versions below `fixedIn` have it. */
export interface PackageFix {
  package: string;
  fixedIn: string;
  function?: RegExp;
  summary: string;
  references: string[];
}

let builtin: PackageFix[] | undefined;

/** builtinPackageFixes reads src/analysis/patterns/fixes/package-fixes.yaml once. */
export function builtinPackageFixes(): PackageFix[] {
  if (builtin) return builtin;
  const file = join(packageRoot(), 'src', 'analysis', 'patterns', 'fixes', 'package-fixes.yaml');
  builtin = parsePackageFixes(readFileSync(file, 'utf8'), file);
  return builtin;
}

/** parsePackageFixes validates a `package_fixes:` document; a broken entry is a UsageError. */
export function parsePackageFixes(text: string, file: string): PackageFix[] {
  const doc = parse(text) as { package_fixes?: unknown };
  const list = doc?.package_fixes;
  if (!Array.isArray(list)) throw new UsageError(`${file}: must be a mapping with a 'package_fixes:' list`);
  return list.map((e, i) => {
    const entry = e as Record<string, unknown>;
    const pkg = entry.package;
    const fixedIn = entry.fixed_in === undefined ? undefined : String(entry.fixed_in);
    const summary = entry.summary;
    if (typeof pkg !== 'string' || !fixedIn || typeof summary !== 'string')
      throw new UsageError(`${file}: package_fixes[${i}] needs package, fixed_in and summary`);
    const refs = Array.isArray(entry.references) ? entry.references.map(String) : [];
    return {
      package: pkg,
      fixedIn,
      summary,
      references: refs,
      ...(typeof entry.function === 'string' ? { function: new RegExp(entry.function) } : {}),
    };
  });
}

/**
 * compareVersions orders dotted versions by their numeric parts (1.10.0 > 1.9.3; Debian's
 * 2.36-9+deb12u14 compares as 2.36.9.12.14); missing parts count as 0.
 */
export function compareVersions(a: string, b: string): number {
  const pa = a.match(/\d+/g)?.map(Number) ?? [];
  const pb = b.match(/\d+/g)?.map(Number) ?? [];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/**
 * withUpgradeAdvice: a finding whose hotspot sits in a package version with a known fix gets
 * "upgrade to X or later" as its first suggestion, and the advisory as a reference.
 */
export function withUpgradeAdvice(f: Finding, fixes: PackageFix[]): Finding {
  const h = f.hotspot;
  if (!h?.package || !h.version) return f;
  const fix = fixes.find(
    (x) =>
      x.package === h.package &&
      compareVersions(h.version ?? '', x.fixedIn) < 0 &&
      (!x.function || x.function.test(h.function) || (h.entry ? x.function.test(h.entry.function) : false)),
  );
  if (!fix) return f;
  return {
    ...f,
    suggestions: [
      `Upgrade ${fix.package} from ${h.version} to ${fix.fixedIn} or later: that version fixes ${fix.summary}.`,
      ...f.suggestions,
    ],
    references: [...new Set([...f.references, ...fix.references])],
  };
}
