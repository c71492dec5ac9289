/**
 * CSV rendering of benchstat tables: unscaled numbers (Go %v formatting) in base units,
 * CI and "vs base" columns, and warnings sent to a separate stream prefixed with
 * spreadsheet-style cell references ("B6: benchmarks vary in .fullname").
 */
import { comparisonNote, formatDelta, formatSignedPercent, pctRange } from './benchmath.js';
import { formatGoFloat } from './benchunit.js';
import { type BenchTable, tableHeaderLines } from './table.js';

/** csvField quotes a field when Go's encoding/csv would. */
function csvField(s: string): string {
  if (s === '') return s;
  const needs = s === '\\.' || /[",\r\n]/.test(s) || /^\s/u.test(s);
  return needs ? `"${s.replace(/"/g, '""')}"` : s;
}

/** columnName is the spreadsheet-style name benchstat gives column index x. */
function columnName(x: number): string {
  let name = '';
  for (let v = x; v > 0; v = Math.floor(v / 26)) name = String.fromCharCode(65 + (v % 26)) + name;
  return name === '' ? 'A' : name;
}

/** renderTablesCsv returns the CSV text and the warning lines. */
export function renderTablesCsv(tables: readonly BenchTable[]): { csv: string; warnings: string } {
  const lines: string[] = [];
  let warnings = '';
  const emit = (row: readonly string[]) => lines.push(row.map(csvField).join(','));
  const headers = tableHeaderLines(tables);
  tables.forEach((t, i) => {
    if (i > 0) emit(['']);
    for (const h of headers[i]) emit([h]);
    warnings += renderTableCsv(t, lines.length + 1, emit);
  });
  return { csv: lines.map((l) => `${l}\n`).join(''), warnings };
}

function renderTableCsv(t: BenchTable, startRow: number, emit: (row: readonly string[]) => void): string {
  const labelCols = 1;
  const centerCols = 2;
  const deltaCols = 2;
  const startCol = (exp: number) =>
    exp === 0 ? labelCols : labelCols + centerCols + (exp - 1) * (centerCols + deltaCols);
  let row: string[] = [];
  let rowCount = 0;
  let warnings = '';
  const clearTo = (col: number) => {
    while (row.length < col) row.push('');
  };
  const flush = () => {
    // Every row is as wide as the full table, so spreadsheets line the columns up.
    clearTo(startCol(t.cols.length));
    emit(row);
    row = [];
    rowCount++;
  };
  const warn = (msgs: readonly string[]) => {
    for (const msg of msgs) warnings += `${columnName(row.length)}${startRow + rowCount}: ${msg}\n`;
  };

  for (const field of t.cols[0].proj.flattenedFields()) {
    t.cols.forEach((key, exp) => {
      clearTo(startCol(exp));
      row.push(key.get(field));
    });
    flush();
  }
  t.cols.forEach((_, exp) => {
    clearTo(startCol(exp));
    row.push(t.unit, 'CI');
    if (exp > 0) row.push('vs base', 'P');
  });
  flush();

  for (const rowKey of t.rows) {
    row.push(rowKey.stringValues());
    t.cols.forEach((colKey, exp) => {
      const c = t.cell(rowKey, colKey);
      if (!c) return;
      clearTo(startCol(exp));
      warn(c.sampleWarnings);
      warn(c.summary.warnings);
      row.push(formatGoFloat(c.summary.center), pctRange(c.summary));
      if (exp > 0 && c.baseline && c.comparison) {
        warn(c.comparison.warnings);
        row.push(
          formatDelta(c.comparison, c.baseline.summary.center, c.summary.center),
          comparisonNote(c.comparison),
        );
      }
    });
    flush();
  }

  row.push('geomean');
  t.cols.forEach((key, exp) => {
    const s = t.summaries.get(key);
    if (!s) return;
    clearTo(startCol(exp));
    warn(s.warnings);
    if (s.summary !== undefined) row.push(formatGoFloat(s.summary));
    if (exp > 0) {
      clearTo(startCol(exp) + centerCols);
      row.push(s.ratio !== undefined ? formatSignedPercent((s.ratio - 1) * 100) : '?');
    }
  });
  flush();
  return warnings;
}
