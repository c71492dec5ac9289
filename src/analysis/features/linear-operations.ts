/** SourceLanguage is what a hot line is read as: Python or JavaScript/TypeScript. */
export type SourceLanguage = 'python' | 'js';

/** languageOf tells how to read a file's lines; undefined for languages not read here. */
export function languageOf(file: string): SourceLanguage | undefined {
  const path = file.replace(/[?#].*$/, '');
  if (/\.py$/.test(path)) return 'python';
  if (/\.(c|m)?[jt]sx?$/.test(path)) return 'js';
  return undefined;
}

/**
 * LinearOperation is a call on a source line whose cost grows with the size of what it is
 * given: a scan (regex search, find, index), a copy (slice to the end, concat) or a
 * serialisation (String() or join of a container).
 */
export interface LinearOperation {
  /** what: how the report names the operation, e.g. "regex search". */
  what: string;
  /** subject: the expression the operation scans, copies or serialises (the receiver or argument). */
  subject: string;
  /** instead: what to do instead when it is repeated in a loop. */
  instead: string;
}

interface Rule {
  re: RegExp;
  what: string;
  instead: string;
  /** subjectFrom: 'receiver' (the word before `.op(`) or 'argument' (the first argument). */
  subjectFrom: 'receiver' | 'argument';
}

// Python: only operations a Python line hands to C code, so the line holds their whole cost.
// `.match(` / `.fullmatch(` are anchored (they stop at the first mismatch) and are left out;
// `.search(` scans forward from its start position until it finds a match or the end.
const PYTHON_RULES: Rule[] = [
  {
    re: /([\w.\])]+)\.(search|findall|finditer|subn?)\s*\(/,
    what: 'regex search',
    instead:
      'search once for all occurrences (finditer over the whole text) instead of re-searching the rest of it on every step',
    subjectFrom: 'argument',
  },
  {
    re: /([\w.\])]+)\.(find|rfind|index|rindex|count)\s*\(/,
    what: 'linear search',
    instead: 'find all positions in one pass, or keep an index (dict/set) instead of scanning on every step',
    subjectFrom: 'receiver',
  },
  {
    re: /([\w.\])]+)\.(replace|split|rsplit|splitlines)\s*\(/,
    what: 'whole-string scan',
    instead: 'process the text once instead of re-scanning or re-splitting it on every step',
    subjectFrom: 'receiver',
  },
  {
    re: /(['"\w.\])]+)\.join\s*\(/,
    what: 'join of a whole container',
    instead: 'build the joined result once, after the loop, instead of re-joining on every step',
    subjectFrom: 'argument',
  },
  {
    re: /([\w.]+)\[[^\]:[]*:\s*\]|([\w.]+)\[\s*:[^\]:[]+\]/,
    what: 'slice copy to the end',
    instead: 'keep an offset into the original instead of copying the rest on every step (or use memoryview)',
    subjectFrom: 'receiver',
  },
  {
    re: /([\w.\])]+)\.(pop\(\s*0\s*\)|insert\(\s*0\s*,)/,
    what: 'front insert/removal on a list',
    instead: 'use collections.deque (popleft/appendleft are O(1))',
    subjectFrom: 'receiver',
  },
  {
    re: /\b(sorted|deepcopy|json\.dumps|repr)\s*\(/,
    what: 'copy or serialisation of a whole container',
    instead: 'do it once outside the loop, or update the result incrementally',
    subjectFrom: 'argument',
  },
];

// JavaScript: builtins V8 shows no frame for, so their cost stays on the calling line. String
// slicing and `+=` are left out: V8 slices and concatenates strings in O(1) (sliced and cons
// strings); regex calls are left out because V8 shows the regex engine as its own frame.
const JS_RULES: Rule[] = [
  {
    re: /\b(String|JSON\.stringify|JSON\.parse|Object\.(keys|values|entries|assign)|Array\.from)\s*\(\s*(?=[\w$({[])/,
    what: 'conversion of a whole container',
    instead: 'convert once and reuse the result, or key on something cheap instead of the whole value',
    subjectFrom: 'argument',
  },
  {
    re: /([\w$.\])]+)\.(join|concat)\s*\(/,
    what: 'join or copy of a whole array',
    instead: 'build the result once after the loop (push into one array, join at the end)',
    subjectFrom: 'receiver',
  },
  {
    re: /([\w$.\])]+)\.(indexOf|lastIndexOf|includes)\s*\(/,
    what: 'linear search',
    instead: 'keep a Set or Map for lookups instead of scanning on every step',
    subjectFrom: 'receiver',
  },
  {
    re: /([\w$.\])]+)\.(splice|shift|unshift)\s*\(/,
    what: 'shift of every array element',
    instead: 'read with an index that moves forward (or a queue) instead of removing from the front',
    subjectFrom: 'receiver',
  },
];

/**
 * linearOperation recognises a call whose cost is linear in its input on one source line, or
 * undefined. Comments and string literals are ignored so a mention of `.find(` in text does
 * not count.
 */
export function linearOperation(text: string, language: SourceLanguage): LinearOperation | undefined {
  const code = stripLiteralsAndComments(text, language);
  for (const rule of language === 'python' ? PYTHON_RULES : JS_RULES) {
    const m = rule.re.exec(code);
    if (!m) continue;
    const subject =
      rule.subjectFrom === 'receiver'
        ? (m[1] ?? m[2] ?? '')
        : firstArgument(code.slice(m.index + m[0].length));
    return { what: rule.what, subject, instead: rule.instead };
  }
  return undefined;
}

/** firstArgument: the text of a call's first argument, from just after its `(`. */
function firstArgument(rest: string): string {
  let depth = 0;
  for (let i = 0; i < rest.length; i++) {
    const ch = rest[i];
    if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) {
      if (depth === 0) return rest.slice(0, i).trim();
      depth--;
    } else if (ch === ',' && depth === 0) return rest.slice(0, i).trim();
  }
  return rest.trim();
}

/**
 * stripLiteralsAndComments blanks string contents (keeping the quotes, so `''.join(` still
 * reads as a join) and drops a trailing comment.
 */
export function stripLiteralsAndComments(text: string, language: SourceLanguage): string {
  let out = '';
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === '\\') {
        i++;
        continue;
      }
      if (ch === quote) {
        quote = '';
        out += ch;
      }
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') {
      quote = ch;
      out += ch;
      continue;
    }
    if (language === 'python' && ch === '#') break;
    if (language === 'js' && ch === '/' && text[i + 1] === '/') break;
    out += ch;
  }
  return out;
}
