import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { functionOrigins } from '../../analysis/frame-origin.js';
import type { Profile } from '../../model/profile.js';

/** Definition is where a function of a source tree starts. */
export interface Definition {
  file: string;
  line: number;
}

const SOURCE_EXT = new Set([
  '.js',
  '.mjs',
  '.cjs',
  '.ts',
  '.mts',
  '.cts',
  '.py',
  '.java',
  '.kt',
  '.go',
  '.rb',
]);
const SKIP_DIR = /^(node_modules|\.git|\.hg|dist|build|target|vendor|venv|\.venv|__pycache__|site-packages)$/;
const MAX_FILES = 20_000;
const MAX_FILE_BYTES = 1 << 20;
const REBUILD_MS = 60_000;
const NOT_A_NAME =
  /^(if|for|while|switch|catch|return|function|new|typeof|await|else|do|try|with|super|this)$/;

// One regex per way a function is declared, in the languages stored profiles come from.
const DECLARATIONS: RegExp[] = [
  /\bfunction\s*\*?\s*([A-Za-z_$][\w$]*)\s*\(/,
  /^\s*(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(/,
  /^\s*(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:async\s+)?(?:function\b|\([^)]*\)\s*=>|[\w$]+\s*=>)/,
  /^func\s+(?:\([^)]*\)\s*)?([A-Za-z_]\w*)\s*\(/,
  // Methods: JS/TS class members and Java/Kotlin methods (modifiers and a return type before).
  /^\s*(?:(?:public|private|protected|static|final|synchronized|abstract|async|override|fun)\s+)*(?:[\w<>[\],.?]+\s+)?([A-Za-z_$][\w$]*)\s*\([^;]*\)\s*(?:throws\s+[\w., ]+)?\s*\{\s*$/,
];

/**
 * SourceIndex finds function definitions by name under configured source roots. Stored profiles
 * carry frame names only; a server that can read the services' source (a checkout, a mounted
 * volume) uses it to give frames back their file and first line, so the source-line patterns
 * of the knowledge base work on stored ranges as they do on runs. Rebuilt at most once a minute.
 */
export class SourceIndex {
  private byName = new Map<string, Definition[]>();
  private builtAt = 0;

  constructor(readonly roots: readonly string[]) {}

  /** definitions lists where `name` (its last dotted/colon component) is declared. */
  definitions(name: string): Definition[] {
    if (Date.now() - this.builtAt > REBUILD_MS) this.rebuild();
    const short = name.split(/[.:/#]/).pop() ?? name;
    return this.byName.get(short) ?? [];
  }

  private rebuild(): void {
    const byName = new Map<string, Definition[]>();
    let files = 0;
    const walk = (dir: string) => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (files >= MAX_FILES) return;
        const path = join(dir, e.name);
        if (e.isDirectory()) {
          if (!SKIP_DIR.test(e.name) && !e.name.startsWith('.')) walk(path);
        } else if (e.isFile() && SOURCE_EXT.has(extname(e.name))) {
          files++;
          indexFile(path, byName);
        }
      }
    };
    for (const root of this.roots) walk(resolve(root));
    this.byName = byName;
    this.builtAt = Date.now();
  }
}

function indexFile(path: string, byName: Map<string, Definition[]>): void {
  let text: string;
  try {
    if (statSync(path).size > MAX_FILE_BYTES) return;
    text = readFileSync(path, 'utf8');
  } catch {
    return;
  }
  text.split('\n').forEach((line, i) => {
    for (const re of DECLARATIONS) {
      const m = re.exec(line);
      if (!m || NOT_A_NAME.test(m[1])) continue;
      const list = byName.get(m[1]) ?? [];
      list.push({ file: path, line: i + 1 });
      byName.set(m[1], list);
      return;
    }
  });
}

/**
 * locateFunctions gives a names-only profile's own functions their file and first line, where
 * the index knows exactly one definition (or one in a file named after the qualifier, as Java's
 * `Class.method` lives in Class.java). An ambiguous name stays as it was: a wrong file would put
 * findings on someone else's code.
 */
export function locateFunctions(profile: Profile, index: SourceIndex): Profile {
  if (profile.functions.some((f) => f.filename !== '')) return profile;
  const origins = functionOrigins(profile.functions);
  let changed = false;
  const functions = profile.functions.map((fn, i) => {
    if (origins[i] !== 'own') return fn;
    const defs = index.definitions(fn.name);
    const qualifier = fn.name.split(/[.:/#]/).slice(-2, -1)[0];
    const pick =
      defs.length === 1
        ? defs[0]
        : qualifier
          ? onlyOne(defs.filter((d) => basename(d.file, extname(d.file)) === qualifier))
          : undefined;
    if (!pick) return fn;
    changed = true;
    return { ...fn, filename: pick.file, startLine: pick.line };
  });
  return changed ? { ...profile, functions } : profile;
}

function onlyOne<T>(xs: T[]): T | undefined {
  return xs.length === 1 ? xs[0] : undefined;
}
