import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../errors.js';
import { type Pattern, parsePatternFile, type SchemaProblem } from './schema.js';

/**
 * packageRoot walks up from this module to the folder holding package.json, so the knowledge
 * base is found from src/ (tsx) and from dist/ alike: tsc does not copy .yaml files.
 */
export function packageRoot(from = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
}

/** builtinKbDir is src/analysis/patterns/kb under the package root. */
export function builtinKbDir(): string {
  return join(packageRoot(), 'src', 'analysis', 'patterns', 'kb');
}

/** PatternSet is every loaded pattern plus the problems found on the way. */
export interface PatternSet {
  patterns: Pattern[];
  problems: SchemaProblem[];
  files: string[];
}

/** loadPatternFiles validates and compiles the given files; ids must be unique across all of them. */
export function loadPatternFiles(files: string[]): PatternSet {
  const seen = new Set<string>();
  const out: PatternSet = { patterns: [], problems: [], files };
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      out.problems.push({ file, line: 1, path: '', message: `cannot read: ${(err as Error).message}` });
      continue;
    }
    const r = parsePatternFile(file, text, seen);
    out.patterns.push(...r.patterns);
    out.problems.push(...r.problems);
  }
  return out;
}

/** yamlFilesIn lists *.yaml and *.yml in a folder, sorted. */
export function yamlFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * loadPatterns loads the built-in knowledge base plus user files (`--patterns FILE` or the
 * AUTOPROF_PATTERNS variable, colon-separated). A broken built-in file is a bug and throws; a
 * broken user file is reported by the caller.
 */
export function loadPatterns(extraFiles: string[] = []): PatternSet {
  const env = process.env.AUTOPROF_PATTERNS?.split(':').filter(Boolean) ?? [];
  const builtin = yamlFilesIn(builtinKbDir());
  const set = loadPatternFiles([...builtin, ...extraFiles, ...env]);
  const broken = set.problems.filter((p) => builtin.includes(p.file));
  if (broken.length > 0)
    throw new UsageError(
      `built-in pattern knowledge base is invalid: ${broken[0].file}:${broken[0].line}: ${broken[0].message}`,
    );
  return set;
}
