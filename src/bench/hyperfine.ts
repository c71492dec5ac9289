/**
 * Reader for `hyperfine --export-json` files: each entry of `results` becomes one benchmark
 * named after its command (or its `--command-name`), with one "sec/op" measurement per
 * entry of `times` (seconds), so it compares like a Go benchmark run with -count=N.
 */
import { FormatError } from '../errors.js';
import type { BenchResult } from './benchfmt.js';

interface HyperfineResult {
  command?: unknown;
  times?: unknown;
}

/** isHyperfineJson: a JSON object whose "results" is an array of objects with "times". */
export function isHyperfineJson(doc: unknown): boolean {
  if (typeof doc !== 'object' || doc === null) return false;
  const results = (doc as { results?: unknown }).results;
  return (
    Array.isArray(results) && results.every((r) => typeof r === 'object' && r !== null && 'command' in r)
  );
}

/** importFromHyperfine converts a parsed hyperfine export into benchmark results. */
export function importFromHyperfine(doc: unknown, fileName: string, label: string): BenchResult[] {
  if (!isHyperfineJson(doc))
    throw new FormatError('hyperfine', 'expected {"results": [{"command", "times"}]}', fileName);
  const out: BenchResult[] = [];
  (doc as { results: HyperfineResult[] }).results.forEach((r, i) => {
    const where = `${fileName} results[${i}]`;
    if (typeof r.command !== 'string' || r.command === '')
      throw new FormatError('hyperfine', 'command must be a non-empty string', where);
    if (!Array.isArray(r.times) || r.times.length === 0) {
      throw new FormatError(
        'hyperfine',
        'times must be a non-empty array (export with a recent hyperfine)',
        where,
      );
    }
    for (const t of r.times) {
      if (typeof t !== 'number' || !Number.isFinite(t))
        throw new FormatError('hyperfine', 'times must hold numbers', where);
      out.push({
        kind: 'result',
        config: [{ key: '.file', value: label, file: false }],
        name: r.command,
        iters: 1,
        values: [{ value: t, unit: 'sec/op' }],
        fileName,
        line: 0,
      });
    }
  });
  return out;
}
