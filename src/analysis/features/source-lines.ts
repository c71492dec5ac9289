import { type Dirent, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** MAX_SOURCE_BYTES: larger files are bundles or generated code, not worth scanning. */
const MAX_SOURCE_BYTES = 2 * 1024 * 1024;
/** MAX_BODY_LINES caps a function body read without a clear end. */
const MAX_BODY_LINES = 200;

/**
 * SourceReader reads the program's source lines, when they are still on disk, so a pattern can
 * recognise the call on a hot line that no profiler shows as a frame (a C builtin in Python, a
 * V8 builtin in Node). It never fails: unreadable sources simply do not match.
 */
export class SourceReader {
  private readonly cache = new Map<string, string[] | undefined>();

  /** lines returns the file's lines (index 0 = line 1), or undefined. */
  lines(file: string): string[] | undefined {
    if (this.cache.has(file)) return this.cache.get(file);
    let lines: string[] | undefined;
    try {
      const path = file.startsWith('file://') ? fileURLToPath(file) : file;
      if (path.startsWith('/') && statSync(path).size <= MAX_SOURCE_BYTES)
        lines = readFileSync(path, 'utf8').split('\n');
    } catch {
      lines = undefined;
    }
    this.cache.set(file, lines);
    return lines;
  }

  /** line returns one source line (1-based), trimmed, or undefined. */
  line(file: string, line: number): string | undefined {
    if (line <= 0) return undefined;
    return this.lines(file)?.[line - 1]?.trim();
  }

  /**
   * startOf finds where a function begins when the profile does not say (Python samplers give
   * only the executing line): the `def NAME` / `function NAME` line of the last component of a
   * qualified name, the nearest one above `hint` (a line known to be in it) when there are
   * several. `known` is returned as is when positive; 0 when nothing matches.
   */
  startOf(file: string, name: string, known: number, hint = 0): number {
    const lines = this.lines(file);
    const short = name.split(/[.:]/).pop() ?? '';
    // V8 and pprof give the real first line; Python samplers give whatever line was executing,
    // so a Python "start" is only trusted when it is the def itself.
    const python = file.endsWith('.py');
    if (known > 0 && (!python || /^\s*(async\s+)?def\s/.test(lines?.[known - 1] ?? ''))) return known;
    if (!lines || !/^[A-Za-z_$][\w$]*$/.test(short)) return 0;
    if (hint === 0) hint = known;
    const esc = short.replace(/\$/g, '\\$');
    const re = new RegExp(
      `^\\s*(async\\s+)?def\\s+${esc}\\s*\\(|\\bfunction\\s*\\*?\\s*${esc}\\s*\\(|^\\s*(static\\s+|async\\s+)*${esc}\\s*\\([^)]*\\)\\s*\\{|\\b${esc}\\s*=\\s*(async\\s+)?(function\\b|\\([^)]*\\)\\s*=>|[\\w$]+\\s*=>)`,
    );
    let best = 0;
    for (let i = 0; i < lines.length; i++) {
      if (!re.test(lines[i])) continue;
      const line = i + 1;
      if (best === 0 || (hint > 0 && line <= hint && line > best) || (hint > 0 && best > hint && line < best))
        best = line;
    }
    return best;
  }

  /**
   * body returns the function starting at `startLine`: up to the line where its braces balance,
   * or, for indentation languages, up to the first line indented no deeper than its first line.
   */
  body(file: string, startLine: number): Array<{ line: number; text: string }> {
    const lines = this.lines(file);
    if (!lines || startLine <= 0 || startLine > lines.length) return [];
    const out: Array<{ line: number; text: string }> = [];
    const first = lines[startLine - 1];
    const indentOf = (s: string) => s.length - s.trimStart().length;
    const python = /^\s*(async\s+)?def\s|^\s*class\s/.test(first) || file.endsWith('.py');
    let depth = 0;
    let opened = false;
    for (let i = startLine - 1; i < lines.length && out.length < MAX_BODY_LINES; i++) {
      const text = lines[i];
      if (python) {
        if (i > startLine - 1 && text.trim() !== '' && indentOf(text) <= indentOf(first)) break;
        out.push({ line: i + 1, text: text.trim() });
        continue;
      }
      out.push({ line: i + 1, text: text.trim() });
      for (const ch of text) {
        if (ch === '{') {
          depth++;
          opened = true;
        } else if (ch === '}') depth--;
      }
      if (opened && depth <= 0) break;
    }
    return out;
  }
}

/** MAX_SCAN_DIRS bounds the directory walk that looks for a JVM class's source file. */
const MAX_SCAN_DIRS = 4000;
const MAX_SCAN_DEPTH = 8;
const SKIP_DIRS = /^(\.|node_modules$|target$|build$|out$|dist$|coverage$)/;

/**
 * JavaSourceLocator finds the .java (or .kt) file of a JVM class, since JFR frames name the
 * class and line but not the file: `pkg.Outer$Inner` is looked up as pkg/Outer.java under the
 * roots (the classpath entries and the working directory, with the src/main/java layouts), then
 * by a bounded walk of the working directory for a file at that relative path. A file is
 * accepted only when it declares the class and mentions the method.
 */
export class JavaSourceLocator {
  private index: Map<string, string[]> | undefined;
  private readonly found = new Map<string, string | undefined>();

  constructor(
    private readonly roots: string[],
    private readonly walkRoot: string | undefined,
  ) {}

  /** locate returns the absolute source path of `Class.method` (JVM frame name), or undefined. */
  locate(frameName: string): string | undefined {
    const m = /^((?:[\w$]+[./])*)([A-Za-z_][\w]*)(?:\$[\w$]*)?\.([\w$<>]+)$/.exec(frameName);
    if (!m) return undefined;
    const pkg = m[1].replace(/[./]$/, '').replace(/\./g, '/');
    const outer = m[2];
    const method = m[3].replace(/^lambda\$(\w+)\$\d+$/, '$1');
    const key = `${pkg}/${outer}`;
    if (!this.found.has(key)) this.found.set(key, this.search(pkg, outer));
    const file = this.found.get(key);
    if (!file) return undefined;
    if (!method.startsWith('<') && !readText(file).includes(method)) return undefined;
    return file;
  }

  private search(pkg: string, outer: string): string | undefined {
    const rel = pkg ? `${pkg}/${outer}` : outer;
    const declares = new RegExp(`\\b(class|interface|enum|record|object)\\s+${outer}\\b`);
    const ok = (path: string) => declares.test(readText(path));
    for (const root of this.roots)
      for (const layout of ['', 'src/main/java/', 'src/main/kotlin/', 'src/'])
        for (const ext of ['.java', '.kt']) {
          const path = join(root, layout, rel + ext);
          if (isFile(path) && ok(path)) return path;
        }
    if (!this.walkRoot) return undefined;
    const hits = (this.walkIndex().get(`${outer}.java`) ?? [])
      .concat(this.walkIndex().get(`${outer}.kt`) ?? [])
      .filter((p) => p.slice(0, p.lastIndexOf('.')).endsWith(`/${rel}`) && ok(p));
    return hits.length === 1 ? hits[0] : undefined;
  }

  private walkIndex(): Map<string, string[]> {
    if (this.index) return this.index;
    const index = new Map<string, string[]>();
    const queue: Array<[string, number]> = this.walkRoot ? [[this.walkRoot, 0]] : [];
    let dirs = 0;
    while (queue.length > 0 && dirs < MAX_SCAN_DIRS) {
      const [dir, depth] = queue.shift() as [string, number];
      dirs++;
      let entries: Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const e of entries) {
        if (e.isDirectory()) {
          if (depth < MAX_SCAN_DEPTH && !SKIP_DIRS.test(e.name)) queue.push([join(dir, e.name), depth + 1]);
        } else if (e.isFile() && /\.(java|kt)$/.test(e.name)) {
          const list = index.get(e.name) ?? [];
          list.push(join(dir, e.name));
          index.set(e.name, list);
        }
      }
    }
    this.index = index;
    return index;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function readText(path: string): string {
  try {
    return statSync(path).size <= MAX_SOURCE_BYTES ? readFileSync(path, 'utf8') : '';
  } catch {
    return '';
  }
}
