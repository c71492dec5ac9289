import { type SourceLanguage, stripLiteralsAndComments } from './linear-operations.js';

/** EnclosingLoop is a loop a source line runs inside, within one function. */
export interface EnclosingLoop {
  /** line: 1-based line of the loop header. */
  line: number;
  kind: 'for' | 'while' | 'callback';
  /** variables: the names a `for` loop binds per iteration (empty for while loops). */
  variables: string[];
  /** iterable: what a `for` loop iterates over ('' for while loops and counted loops). */
  iterable: string;
}

/**
 * enclosingLoops lists the loops around `line` inside the function that starts at `start`
 * (both 1-based; `lines[0]` is line 1), innermost first. A `while` header or a comprehension on
 * the line itself counts, since that code runs once per iteration; a `for` header's iterable
 * is evaluated once and does not.
 */
export function enclosingLoops(
  lines: readonly string[],
  start: number,
  line: number,
  language: SourceLanguage,
): EnclosingLoop[] {
  if (start <= 0 || line < start || line > lines.length) return [];
  return language === 'python' ? pythonLoops(lines, start, line) : jsLoops(lines, start, line);
}

const PY_FOR = /^(?:async\s+)?for\s+(.+?)\s+in\s+(.+?)\s*:\s*$/;
const PY_WHILE = /^while\b.*:\s*$/;
const PY_COMPREHENSION = /[[({][^\]})]*\bfor\s+[\w, ()]+\s+in\b/;

function pythonLoops(lines: readonly string[], start: number, line: number): EnclosingLoop[] {
  const out: EnclosingLoop[] = [];
  const target = stripLiteralsAndComments(lines[line - 1], 'python').trim();
  if (PY_WHILE.test(target)) out.push({ line, kind: 'while', variables: [], iterable: '' });
  else if (!PY_FOR.test(target) && PY_COMPREHENSION.test(target))
    out.push({ line, kind: 'for', variables: [], iterable: '' });
  let indent = indentOf(lines[line - 1]);
  const defIndent = indentOf(lines[start - 1]);
  for (let i = line - 1; i >= start && indent > defIndent; i--) {
    const raw = lines[i - 1];
    const text = stripLiteralsAndComments(raw, 'python').trim();
    if (text === '') continue;
    const ind = indentOf(raw);
    if (ind >= indent) continue;
    indent = ind;
    const f = PY_FOR.exec(text);
    if (f) out.push({ line: i, kind: 'for', variables: namesIn(f[1]), iterable: f[2].trim() });
    else if (PY_WHILE.test(text)) out.push({ line: i, kind: 'while', variables: [], iterable: '' });
  }
  return out;
}

function indentOf(s: string): number {
  return s.length - s.trimStart().length;
}

function namesIn(s: string): string[] {
  return s.match(/[A-Za-z_$][\w$]*/g)?.filter((n) => !/^(const|let|var|of|in)$/.test(n)) ?? [];
}

// A loop header before a `{` (or with the `{` on the next line): for (...), while (...), do,
// and array iteration callbacks.
const JS_LOOP_HEADER =
  /(\bfor\s*(await\s*)?\(.*\)|\bwhile\s*\(.*\)|\bdo)\s*$|\.(forEach|map|flatMap|filter|reduce|some|every|find|findIndex)\s*\(.*(=>|function\b[^{]*)\s*$/;
const JS_FOR_OF = /\bfor\s*(?:await\s*)?\(\s*(?:const|let|var)?\s*(.+?)\s+(?:of|in)\s+(.+)\)\s*$/;

function jsHeader(before: string, line: number): EnclosingLoop | undefined {
  const m = JS_LOOP_HEADER.exec(before);
  if (!m) return undefined;
  const of = JS_FOR_OF.exec(m[0]);
  if (of) return { line, kind: 'for', variables: namesIn(of[1]), iterable: of[2].trim() };
  if (/^\.(forEach|map|flatMap|filter|reduce|some|every|find|findIndex)/.test(m[0])) {
    const params = /\(\s*\(?([\w$,\s]*)\)?\s*=>\s*$|function\b\s*\w*\s*\(([\w$,\s]*)\)\s*$/.exec(m[0]);
    return {
      line,
      kind: 'callback',
      variables: namesIn(params?.[1] ?? params?.[2] ?? ''),
      iterable: before.slice(0, m.index).trim().split(/\s+/).pop() ?? '',
    };
  }
  return { line, kind: m[1]?.startsWith('for') ? 'for' : 'while', variables: [], iterable: '' };
}

function jsLoops(lines: readonly string[], start: number, line: number): EnclosingLoop[] {
  // A stack of open blocks from the function's first line to the target line.
  const stack: Array<EnclosingLoop | undefined> = [];
  let pending: EnclosingLoop | undefined;
  for (let i = start; i < line; i++) {
    const code = stripLiteralsAndComments(lines[i - 1], 'js');
    let from = 0;
    for (let c = 0; c < code.length; c++) {
      if (code[c] === '{') {
        const before = code.slice(0, c);
        const header = jsHeader(before, i) ?? (before.trim() === '' ? pending : undefined);
        stack.push(header);
        pending = undefined;
        from = c + 1;
      } else if (code[c] === '}') {
        stack.pop();
        from = c + 1;
      }
    }
    // A header whose `{` is on the next line, or a brace-less loop body on the next line.
    pending = jsHeader(code.slice(from).trimEnd(), i);
  }
  const out: EnclosingLoop[] = [];
  const target = stripLiteralsAndComments(lines[line - 1], 'js');
  if (/\bwhile\s*\(/.test(target)) out.push({ line, kind: 'while', variables: [], iterable: '' });
  if (pending) out.push(pending);
  for (let k = stack.length - 1; k >= 0; k--) {
    const loop = stack[k];
    if (loop) out.push(loop);
  }
  return out;
}

/**
 * iteratesOverItem: the loop's iterable is the outer loop's item itself or a part of it
 * (`for cell in row`, `for (const x of group.items)`), so the nested loops together visit each
 * input element once: rows times their cells is linear in the input, not a product of two inputs.
 */
export function iteratesOverItem(inner: EnclosingLoop, outer: EnclosingLoop): boolean {
  const head = /^[A-Za-z_$][\w$]*/.exec(inner.iterable)?.[0];
  return head !== undefined && outer.variables.includes(head);
}

/**
 * iteratesOverCollection: a `for` loop over a collection (not a numeric range or a counter), the
 * shape of "for each element of A, go over B".
 */
export function iteratesOverCollection(loop: EnclosingLoop): boolean {
  if (loop.kind === 'callback') return loop.iterable !== '';
  if (loop.kind !== 'for' || loop.iterable === '') return false;
  return !/^(range|enumerate\(\s*range|reversed\(\s*range|zip\(\s*range)\b|^\d+$/.test(loop.iterable);
}
