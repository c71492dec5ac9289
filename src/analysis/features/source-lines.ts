import { readFileSync, statSync } from 'node:fs';
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
