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
