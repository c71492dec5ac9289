import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { redactSecrets } from './redact.js';

/**
 * Source snippets: a few lines around the locations the findings name. Sent to a model only on
 * an explicit opt-in (--explain-source), because source code is the user's property, and always
 * redacted, because code holds keys more often than anyone admits.
 */

/** SourceSnippet is a few redacted lines of one file around one line. */
export interface SourceSnippet {
  file: string;
  line: number;
  /** first: the line number of the first line in `text`. */
  first: number;
  text: string;
  redactions: number;
}

/** SnippetOptions: where relative paths start, how much context, how many snippets. */
export interface SnippetOptions {
  root: string;
  context?: number;
  max?: number;
  maxChars?: number;
}

const MAX_FILE_BYTES = 2 * 1024 * 1024;

/** readSnippets reads the lines around each (file, line); unreadable files are skipped quietly. */
export function readSnippets(
  locations: Array<{ file: string; line: number }>,
  options: SnippetOptions,
): SourceSnippet[] {
  const context = options.context ?? 3;
  const max = options.max ?? 5;
  const maxChars = options.maxChars ?? 800;
  const out: SourceSnippet[] = [];
  const seen = new Set<string>();
  for (const loc of locations) {
    if (out.length >= max) break;
    const file = loc.file.replace(/^file:\/\//, '');
    if (!file || loc.line <= 0) continue;
    const key = `${file}:${loc.line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const path = isAbsolute(file) ? file : resolve(options.root, file);
    let lines: string[];
    try {
      const st = statSync(path);
      if (!st.isFile() || st.size > MAX_FILE_BYTES) continue;
      lines = readFileSync(path, 'utf8').split('\n');
    } catch {
      continue;
    }
    if (loc.line > lines.length) continue;
    const first = Math.max(1, loc.line - context);
    const last = Math.min(lines.length, loc.line + context);
    const raw = lines
      .slice(first - 1, last)
      .join('\n')
      .slice(0, maxChars);
    const r = redactSecrets(raw);
    out.push({ file, line: loc.line, first, text: r.text, redactions: r.count });
  }
  return out;
}
