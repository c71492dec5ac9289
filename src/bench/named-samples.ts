/**
 * Reader for the simplest sample format: a JSON object mapping each benchmark name to its
 * measurements, `{"parse": [0.121, 0.119, ...], "render": [...]}`. Values are seconds per
 * operation unless the object has a string "unit" member (e.g. "B/op", "ns/op"), which then
 * applies to every list; units are tidied like Go benchmark units.
 */
import { FormatError } from '../errors.js';
import type { BenchResult } from './benchfmt.js';
import { tidy } from './benchunit.js';

/** isNamedSamplesJson: an object whose members are numeric arrays (plus an optional "unit"). */
export function isNamedSamplesJson(doc: unknown): boolean {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return false;
  return Object.entries(doc).every(([k, v]) => (k === 'unit' ? typeof v === 'string' : Array.isArray(v)));
}

/** importFromNamedSamples converts `{"name": [values...]}` into benchmark results. */
export function importFromNamedSamples(doc: unknown, fileName: string, label: string): BenchResult[] {
  if (!isNamedSamplesJson(doc)) {
    throw new FormatError(
      'named samples',
      'expected {"name": [numbers...], ...} with an optional "unit"',
      fileName,
    );
  }
  const entries = Object.entries(doc as Record<string, unknown>);
  const unitMember = (doc as { unit?: unknown }).unit;
  const unit = typeof unitMember === 'string' ? unitMember : 'sec/op';
  const out: BenchResult[] = [];
  for (const [name, values] of entries) {
    if (name === 'unit') continue;
    for (const v of values as unknown[]) {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new FormatError('named samples', `"${name}" must hold only finite numbers`, fileName);
      }
      const t = tidy(v, unit);
      out.push({
        kind: 'result',
        config: [{ key: '.file', value: label, file: false }],
        name,
        iters: 1,
        values: [
          t.value === v ? { value: v, unit } : { value: t.value, unit: t.unit, origValue: v, origUnit: unit },
        ],
        fileName,
        line: 0,
      });
    }
  }
  return out;
}
