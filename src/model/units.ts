/**
 * Unit scaling and number formatting that match `go tool pprof` character for character, so
 * our text reports can be diffed against pprof's. Memory units are base 1024 (pprof prints
 * "kB" and "MB" for KiB and MiB); time units go from ns to hours.
 */

interface UnitDef {
  /** name is what gets printed. */
  name: string;
  /** aliases are the lowercase spellings accepted in a profile's unit string. */
  aliases: readonly string[];
  /** factor converts one of this unit to the family's base unit. */
  factor: number;
}

interface UnitFamily {
  units: readonly UnitDef[];
  /** fallback is used when the target unit is not of this family. */
  fallback: UnitDef;
}

const bytes: UnitDef = { name: 'B', aliases: ['b', 'byte'], factor: 1 };
const seconds: UnitDef = { name: 's', aliases: ['s', 'sec', 'second'], factor: 1e9 };

const families: readonly UnitFamily[] = [
  {
    units: [
      bytes,
      { name: 'kB', aliases: ['kb', 'kbyte', 'kilobyte'], factor: 2 ** 10 },
      { name: 'MB', aliases: ['mb', 'mbyte', 'megabyte'], factor: 2 ** 20 },
      { name: 'GB', aliases: ['gb', 'gbyte', 'gigabyte'], factor: 2 ** 30 },
      { name: 'TB', aliases: ['tb', 'tbyte', 'terabyte'], factor: 2 ** 40 },
      { name: 'PB', aliases: ['pb', 'pbyte', 'petabyte'], factor: 2 ** 50 },
    ],
    fallback: bytes,
  },
  {
    units: [
      { name: 'ns', aliases: ['ns', 'nanosecond'], factor: 1 },
      { name: 'us', aliases: ['μs', 'us', 'microsecond'], factor: 1e3 },
      { name: 'ms', aliases: ['ms', 'millisecond'], factor: 1e6 },
      seconds,
      { name: 'hrs', aliases: ['hour', 'hr'], factor: 3600e9 },
    ],
    fallback: seconds,
  },
];

/** ScaledValue is a value expressed in a (possibly empty, i.e. uninteresting) unit. */
export interface ScaledValue {
  value: number;
  unit: string;
}

/** findUnit accepts "nanoseconds", "Bytes", "ms": lowercased, plural 's' dropped when longer than 2. */
function findUnit(family: UnitFamily, unit: string): UnitDef | undefined {
  let u = unit.toLowerCase();
  if (u.length > 2 && u.endsWith('s')) u = u.slice(0, -1);
  return family.units.find((d) => d.aliases.includes(u));
}

/** autoScale picks the largest unit that keeps the value at or above 1. */
function autoScale(family: UnitFamily, base: number): ScaledValue | undefined {
  let best: UnitDef | undefined;
  for (const u of family.units) {
    if ((best === undefined || u.factor >= best.factor) && base / u.factor >= 1) best = u;
  }
  return best && { value: base / best.factor, unit: best.name };
}

/**
 * scaleValue converts `value` from `fromUnit` to `toUnit`. `toUnit` may be a unit, or "auto" /
 * "minimum" to choose the largest unit keeping the value >= 1. Units pprof does not know
 * (count, samples, ...) come back unchanged with an empty unit, as pprof prints no suffix.
 */
export function scaleValue(value: number, fromUnit: string, toUnit: string): ScaledValue {
  if (value < 0) {
    const s = scaleValue(-value, fromUnit, toUnit);
    return { value: -s.value, unit: s.unit };
  }
  for (const family of families) {
    const from = findUnit(family, fromUnit);
    if (!from) continue;
    const base = value * from.factor;
    if (toUnit === 'minimum' || toUnit === 'auto') {
      return autoScale(family, base) ?? { value: base / family.fallback.factor, unit: family.fallback.name };
    }
    const to = findUnit(family, toUnit) ?? family.fallback;
    return { value: base / to.factor, unit: to.name };
  }
  const uninteresting = ['count', 'sample', 'unit', 'minimum', 'auto'];
  return { value, unit: uninteresting.includes(toUnit) ? '' : toUnit };
}

/**
 * formatScaled renders a value in `toUnit` with two decimals, dropping ".00" and printing a
 * bare "0" for zero: "10ms", "1.50s", "1.23MB", "7".
 */
export function formatScaled(value: number, fromUnit: string, toUnit: string): string {
  const s = scaleValue(value, fromUnit, toUnit);
  let text = formatFixed(s.value, 2);
  if (text.endsWith('.00')) text = text.slice(0, -3);
  if (text === '0' || text === '-0') return '0';
  return text + s.unit;
}

/** formatAuto renders a value in the unit that suits it best ("2s", "240.36s", "1.68MB"). */
export function formatAuto(value: number, unit: string): string {
  return formatScaled(value, unit, 'auto');
}

/**
 * formatPercentage renders value/total as pprof does: "  100%" near 100, two decimals from 1%
 * up, two significant digits below (" 0.4%", "0.029%"), padded to at least 5 characters.
 */
export function formatPercentage(value: number, total: number): string {
  const ratio = total !== 0 ? Math.abs(value / total) * 100 : 0;
  if (ratio >= 99.95 && ratio <= 100.05) return '  100%';
  if (ratio >= 1) return `${formatFixed(ratio, 2).padStart(5)}%`;
  return `${formatGeneral2(ratio).padStart(5)}%`;
}

/**
 * selectOutputUnit chooses one unit for a whole report: the unit of the smallest non-zero
 * value, unless the largest value is over 100 times bigger and lives in a larger unit, in
 * which case the unit of 100x the smallest (so the smallest still shows as at least 0.01).
 * Returns the sample unit itself when no known unit applies.
 */
export function selectOutputUnit(minValue: number, maxValue: number, sampleUnit: string): string {
  const min = minValue === 0 ? maxValue : minValue;
  const minUnit = scaleValue(min, sampleUnit, 'minimum').unit;
  const maxUnit = scaleValue(maxValue, sampleUnit, 'minimum').unit;
  let unit = minUnit;
  if (minUnit !== maxUnit && min * 100 < maxValue) unit = scaleValue(100 * min, sampleUnit, 'minimum').unit;
  return unit !== '' ? unit : sampleUnit;
}

/**
 * formatFixed is `%.{digits}f` with Go's rounding: exact ties (like 0.125 to two places) go to
 * the even digit, where JavaScript's toFixed rounds them up.
 */
export function formatFixed(value: number, digits: number): string {
  const plain = value.toFixed(digits);
  if (!Number.isFinite(value) || Math.abs(value) >= 1e21) return plain;
  // Doubles in the range we print have at most ~70 exact fractional digits; 90 is exact.
  const exact = Math.abs(value).toFixed(90);
  const dot = exact.indexOf('.');
  const rest = exact.slice(dot + 1 + digits);
  if (!/^50*$/.test(rest)) return plain;
  const kept = exact.slice(0, dot + 1 + digits).replace(/\.$/, '');
  const lastDigit = Number(kept[kept.length - 1]);
  if (lastDigit % 2 === 0) return (value < 0 ? '-' : '') + kept;
  return plain;
}

/**
 * formatGeneral2 is Go's `%.2g`: two significant digits, trailing zeros removed, exponent form
 * (with at least two exponent digits) below 1e-4 or from 100 up.
 */
export function formatGeneral2(value: number): string {
  if (value === 0) return '0';
  const [mantissa, expText] = Math.abs(value).toExponential(1).split('e');
  const exp = Number(expText);
  const sign = value < 0 ? '-' : '';
  if (exp < -4 || exp >= 2) {
    const m = mantissa.replace(/\.?0+$/, '');
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  const fixed = formatFixed(Math.abs(value), Math.max(0, 1 - exp));
  return sign + (fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed);
}
