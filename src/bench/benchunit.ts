/**
 * Benchmark units: tidying pre-scaled units into base units ("ns/op" -> "sec/op",
 * "MB/s" -> "B/s"), deciding whether a unit scales by 1000 or 1024, and printing numbers
 * with at least three significant digits and an SI or IEC prefix ("1.718µ", "2.001Gi"),
 * the way benchstat prints them.
 */

/** UnitClass: decimal units scale by 1000 (k, M, µ), binary units by 1024 (Ki, Mi). */
export type UnitClass = 'decimal' | 'binary';

/** unitTokens splits a unit like "B*MB/s" into tokens, noting whether each is in the denominator. */
function unitTokens(unit: string): { tok: string; pos: number; denom: boolean }[] {
  const out: { tok: string; pos: number; denom: boolean }[] = [];
  let denom = false;
  let i = 0;
  const isSep = (ch: string) => ch === '*' || ch === '/' || ch === '-' || /\s/u.test(ch);
  while (i < unit.length) {
    const ch = unit[i];
    if (ch === '*') denom = false;
    else if (ch === '/') denom = true;
    if (isSep(ch)) {
      i++;
      continue;
    }
    let end = i;
    while (end < unit.length && !isSep(unit[end])) end++;
    out.push({ tok: unit.slice(i, end), pos: i, denom });
    i = end;
  }
  return out;
}

/**
 * tidyUnit returns the base-unit form of unit and the factor that converts values to it.
 * Only numerators are rewritten: "op/ns" stays as it is.
 */
export function tidyUnit(unit: string): { unit: string; factor: number } {
  switch (unit) {
    case 'ns/op':
      return { unit: 'sec/op', factor: 1e-9 };
    case 'MB/s':
      return { unit: 'B/s', factor: 1e6 };
    case 'B/op':
    case 'allocs/op':
      return { unit, factor: 1 };
  }
  if (!unit.includes('ns') && !unit.includes('MB')) return { unit, factor: 1 };
  let factor = 1;
  const edits: { pos: number; len: number; text: string }[] = [];
  for (const t of unitTokens(unit)) {
    if (t.denom) continue;
    if (t.tok === 'ns') {
      edits.push({ pos: t.pos, len: 2, text: 'sec' });
      factor /= 1e9;
    } else if (t.tok === 'MB') {
      edits.push({ pos: t.pos, len: 2, text: 'B' });
      factor *= 1e6;
    }
  }
  let out = unit;
  for (const e of edits.reverse()) out = out.slice(0, e.pos) + e.text + out.slice(e.pos + e.len);
  return { unit: out, factor };
}

/** tidy converts a value in unit into base units. */
export function tidy(value: number, unit: string): { value: number; unit: string } {
  const t = tidyUnit(unit);
  return { value: value * t.factor, unit: t.unit };
}

/** classOf: binary when a numerator measures bytes ("B", "MB", "bytes"), else decimal. */
export function classOf(unit: string): UnitClass {
  for (const t of unitTokens(unit)) {
    if (!t.denom && (t.tok === 'B' || t.tok === 'MB' || t.tok === 'bytes')) return 'binary';
  }
  return 'decimal';
}

/** Scaler formats numbers with a fixed number of decimals after dividing by a prefix's factor. */
export interface Scaler {
  prec: number;
  factor: number;
  prefix: string;
}

interface Factor {
  factor: number;
  prefix: string;
  /** Smallest values printed as 100.0, 10.00 and 1.000 with this prefix (after rounding). */
  t100: number;
  t10: number;
  t1: number;
}

// Thresholds are parsed from the decimal text so they agree exactly with how printing rounds.
const SI_FACTORS: Factor[] = ['T', 'G', 'M', 'k', '', 'm', 'µ', 'n'].map((prefix, i) => {
  const exp = 12 - 3 * i;
  return {
    factor: 10 ** exp,
    prefix,
    t100: Number(`99.995e${exp}`),
    t10: Number(`9.9995e${exp}`),
    t1: Number(`.99995e${exp}`),
  };
});

// Binary prefixes stop at "" (no fractional IEC prefixes); the thresholds are 99.995, 9.9995
// and .99995 rounded to doubles, scaled by exact powers of two.
const IEC_FACTORS: Factor[] = ['Ti', 'Gi', 'Mi', 'Ki', ''].map((prefix, i) => {
  const exp = 40 - 10 * i;
  return {
    factor: 2 ** exp,
    prefix,
    t100: 99.995 * 2 ** exp,
    t10: 9.9995 * 2 ** exp,
    t1: 0.99995 * 2 ** exp,
  };
});

// Below the smallest prefix, print up to 10 decimals so at least three digits stay significant.
const SIGFIGS = Array.from({ length: 8 }, (_, i) => Number(`9.9995e${-1 - i}`));
const SIGFIGS_BASE = 3;

/** commonScale picks one Scaler that shows at least three significant digits for every value. */
export function commonScale(values: readonly number[], cls: UnitClass): Scaler {
  let min = 0;
  for (const v0 of values) {
    const v = Math.abs(v0);
    if (v !== 0 && (min === 0 || v < min)) min = v;
  }
  if (min === 0) return { prec: 3, factor: 1, prefix: '' };
  const factors = cls === 'binary' ? IEC_FACTORS : SI_FACTORS;
  for (const f of factors) {
    if (min >= f.t100) return { prec: 1, factor: f.factor, prefix: f.prefix };
    if (min >= f.t10) return { prec: 2, factor: f.factor, prefix: f.prefix };
    if (min >= f.t1) return { prec: 3, factor: f.factor, prefix: f.prefix };
  }
  const last = factors[factors.length - 1];
  const val = min / last.factor;
  for (let i = 0; i < SIGFIGS.length; i++) {
    if (val >= SIGFIGS[i] || i === SIGFIGS.length - 1) {
      return { prec: i + SIGFIGS_BASE, factor: last.factor, prefix: last.prefix };
    }
  }
  throw new Error('unreachable');
}

/** formatScaled prints value / factor with the scaler's decimals and its prefix. */
export function formatScaled(s: Scaler, value: number): string {
  return formatFixed(value / s.factor, s.prec) + s.prefix;
}

/** scale formats one value with its own common scale. */
export function scale(value: number, cls: UnitClass): string {
  return formatScaled(commonScale([value], cls), value);
}

/**
 * formatFixed prints x with prec decimals, rounding exact halves to even as Go's strconv
 * does (JavaScript's toFixed rounds them up), and keeping the sign of negative zero results.
 */
export function formatFixed(x: number, prec: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? '+Inf' : '-Inf';
  const neg = x < 0 || Object.is(x, -0);
  const ax = Math.abs(x);
  let body: string;
  if (ax >= 1e21) {
    body = BigInt(Math.round(ax)).toString() + (prec > 0 ? `.${'0'.repeat(prec)}` : '');
  } else {
    body = ax.toFixed(prec);
    const exact = ax.toFixed(Math.min(100, prec + 60));
    const dot = exact.indexOf('.');
    const tail = exact.slice(dot + 1 + prec);
    if (/^50*$/.test(tail)) body = roundHalfEven(exact.slice(0, dot + 1 + prec).replace(/\.$/, ''));
  }
  return neg ? `-${body}` : body;
}

/** roundHalfEven finishes rounding a truncated decimal whose dropped part was exactly one half. */
function roundHalfEven(truncated: string): string {
  const last = truncated.replace('.', '').slice(-1);
  if (Number(last) % 2 === 0) return truncated;
  const digits = truncated.split('');
  for (let i = digits.length - 1; i >= 0; i--) {
    if (digits[i] === '.') continue;
    if (digits[i] !== '9') {
      digits[i] = String(Number(digits[i]) + 1);
      return digits.join('');
    }
    digits[i] = '0';
  }
  return `1${digits.join('')}`;
}

/**
 * formatGoFloat prints x like Go's %v for float64: the shortest round-trip digits, in
 * exponent form ("2.253e-06") when the decimal exponent is below -4 or at least 6.
 */
export function formatGoFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mant, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    const digits = String(Math.abs(exp)).padStart(2, '0');
    return `${mant}e${sign}${digits}`;
  }
  // Below 1e6 and at or above 1e-4 JavaScript also prints plain decimals with the same digits.
  return String(x);
}
