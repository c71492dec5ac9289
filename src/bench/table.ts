/**
 * benchstat comparison tables: results are projected into tables (one per configuration and
 * unit), rows and columns; each cell is summarised (median ± CI), every column after the
 * first is compared against the first ("vs base": delta, p-value, n), and a geomean row
 * closes each table. Warnings become superscript footnotes under the table.
 */
import { geomean } from '../analysis/stats.js';
import type { BenchResult, UnitMetadata } from './benchfmt.js';
import { unitAssumption } from './benchfmt.js';
import {
  type Assumption,
  type Comparison,
  compare,
  comparisonNote,
  formatDelta,
  formatSignedPercent,
  pctRange,
  type Summary,
  summarize,
} from './benchmath.js';
import {
  type Field,
  type Key,
  keyHeader,
  nonSingularFields,
  type Projection,
  sortKeys,
} from './benchproc.js';
import { classOf, commonScale, formatScaled, scale } from './benchunit.js';
import { TextTable } from './text-table.js';

/** TableCell is one row x column sample with its summary and, past column 0, its comparison. */
export interface TableCell {
  values: number[];
  /** sampleWarnings: warnings about the sample itself (e.g. hidden variation). */
  sampleWarnings: string[];
  summary: Summary;
  baseline?: TableCell;
  comparison?: Comparison;
}

/** ColumnSummary is a geomean cell: of the column's centres, and of its ratios to the base. */
export interface ColumnSummary {
  summary?: number;
  ratio?: number;
  warnings: string[];
}

/** BenchTable is one finished table: all its cells share a table key, including the unit. */
export interface BenchTable {
  key: Key;
  unit: string;
  assumption: Assumption;
  rows: Key[];
  cols: Key[];
  cell(row: Key, col: Key): TableCell | undefined;
  summaries: Map<Key, ColumnSummary>;
}

/** TableOptions: confidence level for intervals, alpha for tests, and unit metadata. */
export interface TableOptions {
  confidence: number;
  alpha: number;
  units: UnitMetadata;
}

interface BuilderCell {
  values: number[];
  residues: Set<Key>;
}

interface BuilderTable {
  rows: Set<Key>;
  cols: Set<Key>;
  cells: Map<Key, Map<Key, BuilderCell>>;
}

/**
 * TableBuilder accumulates results. tableBy must come from ProjectionParser.parseWithUnit so
 * each measurement lands in the table for its unit.
 */
export class TableBuilder {
  private readonly tables = new Map<Key, BuilderTable>();
  private readonly unitField: Field;

  constructor(
    private readonly tableBy: Projection,
    private readonly rowBy: Projection,
    private readonly colBy: Projection,
    private readonly residue: Projection,
  ) {
    if (!tableBy.unitField) throw new Error('tableBy projection has no .unit field');
    this.unitField = tableBy.unitField;
  }

  /** add files every measurement of a result into its table cell. */
  add(r: BenchResult): void {
    const tableKeys = this.tableBy.projectValues(r);
    const rowKey = this.rowBy.project(r);
    const colKey = this.colBy.project(r);
    const residueKey = this.residue.project(r);
    tableKeys.forEach((tableKey, i) => {
      let table = this.tables.get(tableKey);
      if (!table) {
        table = { rows: new Set(), cols: new Set(), cells: new Map() };
        this.tables.set(tableKey, table);
      }
      let byCol = table.cells.get(rowKey);
      if (!byCol) {
        byCol = new Map();
        table.cells.set(rowKey, byCol);
      }
      let cell = byCol.get(colKey);
      if (!cell) {
        cell = { values: [], residues: new Set() };
        byCol.set(colKey, cell);
        table.rows.add(rowKey);
        table.cols.add(colKey);
      }
      cell.values.push(r.values[i].value);
      cell.residues.add(residueKey);
    });
  }

  /** build summarises and compares every cell and returns the tables in key order. */
  build(opts: TableOptions): BenchTable[] {
    return sortKeys([...this.tables.keys()]).map((key) => this.buildTable(key, this.tables.get(key)!, opts));
  }

  private buildTable(key: Key, t: BuilderTable, opts: TableOptions): BenchTable {
    const unit = key.get(this.unitField);
    const assumption = unitAssumption(opts.units, unit);
    const rows = sortKeys([...t.rows]);
    const cols = sortKeys([...t.cols]);
    const cells = new Map<Key, Map<Key, TableCell>>();
    for (const [rowKey, byCol] of t.cells) {
      const out = new Map<Key, TableCell>();
      for (const [colKey, c] of byCol) {
        out.set(colKey, {
          values: c.values,
          sampleWarnings: [],
          summary: summarize(c.values, assumption, opts.confidence),
        });
      }
      cells.set(rowKey, out);
    }
    const cell = (row: Key, col: Key) => cells.get(row)?.get(col);
    const baseCol = cols[0];
    for (const [rowKey, byCol] of t.cells) {
      for (const [colKey, c] of byCol) {
        const tc = cell(rowKey, colKey)!;
        const base = colKey !== baseCol ? cell(rowKey, baseCol) : undefined;
        if (base) {
          tc.baseline = base;
          tc.comparison = compare(base.values, tc.values, assumption, opts.alpha);
        }
        const varying = nonSingularFields(sortKeys([...c.residues]));
        if (varying.length > 0)
          tc.sampleWarnings.push(`benchmarks vary in ${varying.map((f) => f.name).join(', ')}`);
      }
    }
    const nBase = rows.filter((r) => cell(r, baseCol)).length;
    const summaries = new Map<Key, ColumnSummary>(
      cols.map((col, i) => [col, summarizeColumn(rows, col, cell, nBase, i === 0)]),
    );
    return { key, unit, assumption, rows, cols, cell, summaries };
  }
}

/**
 * summarizeColumn takes the geomean of the column's centres and, for non-base columns, the
 * geomean of each row's ratio to its baseline (not the ratio of geomeans, which would mislead
 * when the benchmark sets differ).
 */
function summarizeColumn(
  rows: readonly Key[],
  col: Key,
  cell: (row: Key, col: Key) => TableCell | undefined,
  nBase: number,
  isBase: boolean,
): ColumnSummary {
  const centres: number[] = [];
  const ratios: number[] = [];
  let badRatio = false;
  for (const row of rows) {
    const c = cell(row, col);
    if (!c) continue;
    centres.push(c.summary.center);
    if (!c.baseline) continue;
    const a = c.summary.center;
    const b = c.baseline.summary.center;
    if (a === b)
      ratios.push(1); // 0/0 counts as no change
    else if (b === 0) {
      badRatio = true;
      ratios.push(0);
    } else ratios.push(a / b);
  }
  const out: ColumnSummary = { warnings: [] };
  if (!isBase && nBase !== ratios.length) {
    out.warnings.push('benchmark set differs from baseline; geomeans may not be comparable');
  }
  const gm = geomean(centres);
  if (Number.isNaN(gm)) out.warnings.push('summaries must be >0 to compute geomean');
  else out.summary = gm;
  if (!isBase && !badRatio) {
    const gr = geomean(ratios);
    if (Number.isNaN(gr)) out.warnings.push('ratios must be >0 to compute geomean');
    else out.ratio = gr;
  }
  return out;
}

/**
 * tableHeaderLines returns the "key: value" lines printed before each table for the
 * configuration fields that changed since the previous table (all of them before the first).
 */
export function tableHeaderLines(tables: readonly BenchTable[]): string[][] {
  let prev: Key | undefined;
  return tables.map((t) => {
    const lines: string[] = [];
    for (const f of t.key.proj.flattenedFields()) {
      if (f.name === '.unit') continue;
      const val = t.key.get(f);
      if (!prev || val !== prev.get(f)) lines.push(`${f.name}: ${val}`);
    }
    prev = t.key;
    return lines;
  });
}

/** renderTablesText renders all tables as benchstat's text output. */
export function renderTablesText(tables: readonly BenchTable[]): string {
  const headers = tableHeaderLines(tables);
  return tables
    .map((t, i) => (i > 0 ? '\n' : '') + headers[i].map((h) => `${h}\n`).join('') + renderTableText(t))
    .join('');
}

const SUPERSCRIPT_DIGITS = [...'⁰¹²³⁴⁵⁶⁷⁸⁹'];

/** superscript writes a footnote number with superscript digits. */
export function superscript(n: number): string {
  return [...String(n)].map((d) => SUPERSCRIPT_DIGITS[Number(d)]).join('');
}

/** renderTableText lays one table out; each logical column is centre, ± CI, notes (+ delta, p, notes). */
export function renderTableText(t: BenchTable): string {
  const o = new TextTable();
  const labelCols = 1;
  const centerCols = 3;
  const deltaCols = 3;
  const startCol = (exp: number) =>
    exp === 0 ? labelCols : labelCols + centerCols + (exp - 1) * (centerCols + deltaCols);
  const footnotes: string[] = [];
  const warn = (...lists: string[][]) => {
    const marks: string[] = [];
    for (const msg of lists.flat()) {
      let i = footnotes.indexOf(msg);
      if (i < 0) {
        i = footnotes.length;
        footnotes.push(msg);
      }
      marks.push(superscript(i + 1));
    }
    o.cell(marks.join(' '));
  };

  const rEdge = startCol(t.cols.length + 1);
  let nodes = keyHeader(t.cols);
  while (nodes.length > 0) {
    o.row();
    for (const node of nodes) {
      const l = startCol(node.start);
      const r = startCol(node.start + node.len);
      o.col(l).span(r - l, node.value, { align: 'center', leftMargin: ' │ ' });
    }
    o.col(rEdge).cell('', { leftMargin: ' │' });
    nodes = nodes.flatMap((n) => n.children);
  }

  o.row();
  t.cols.forEach((_, i) => {
    const l = startCol(i);
    o.col(l);
    o.span(centerCols, t.unit, { align: 'center', leftMargin: ' │ ' });
    if (i > 0) o.span(deltaCols, 'vs base', { align: 'left', leftMargin: '  ' });
    for (let j = l + 1; j < o.currentCol(); j++) o.setShrink(j, true);
  });
  o.col(rEdge).cell('', { leftMargin: ' │' });

  const cls = classOf(t.unit);
  for (const row of t.rows) {
    o.row();
    o.cell(row.stringValues());
    const centres = t.cols.flatMap((col) => {
      const c = t.cell(row, col);
      return c ? [c.summary.center] : [];
    });
    const scaler = commonScale(centres, cls);
    t.cols.forEach((col, exp) => {
      const c = t.cell(row, col);
      if (!c) return;
      o.col(startCol(exp));
      o.cell(formatScaled(scaler, c.summary.center), { align: 'right' });
      o.cell(pctRange(c.summary), { align: 'right', leftMargin: ' ± ' });
      warn(c.sampleWarnings, c.summary.warnings);
      if (exp > 0 && c.baseline && c.comparison) {
        o.cell(formatDelta(c.comparison, c.baseline.summary.center, c.summary.center), { align: 'right' });
        o.cell(`(${comparisonNote(c.comparison)})`);
        warn(c.comparison.warnings);
      }
    });
  }

  if (t.rows.length > 1) {
    o.row();
    o.cell('geomean');
    t.cols.forEach((col, exp) => {
      const s = t.summaries.get(col);
      if (!s) return;
      if (s.summary !== undefined) {
        o.col(startCol(exp));
        o.cell(scale(s.summary, cls), { align: 'right' });
      }
      if (exp > 0) {
        o.col(startCol(exp) + centerCols);
        if (s.ratio !== undefined) o.cell(formatSignedPercent((s.ratio - 1) * 100), { align: 'right' });
        else o.cell('?');
      }
      o.col(startCol(exp + 1) - 1);
      warn(s.warnings);
    });
  }

  return o.format() + footnotes.map((msg, i) => `${superscript(i + 1)} ${msg}\n`).join('');
}
