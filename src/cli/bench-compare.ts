import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import {
  type BenchRecord,
  type BenchResult,
  formatSyntaxError,
  parseBenchInputs,
  parseBenchText,
  type UnitMetadata,
} from '../bench/benchfmt.js';
import { comparisonNote, formatDelta, isSignificant, pctRange } from '../bench/benchmath.js';
import { type BenchFilter, BenchQueryError, ProjectionParser, parseBenchFilter } from '../bench/benchproc.js';
import { importFromHyperfine, isHyperfineJson } from '../bench/hyperfine.js';
import { importFromNamedSamples } from '../bench/named-samples.js';
import { type BenchTable, renderTablesText, TableBuilder } from '../bench/table.js';
import { renderTablesCsv } from '../bench/table-csv.js';
import { UsageError } from '../errors.js';
import type { Command, CommandIo } from './command.js';
import { wantsHelp } from './command.js';

const usage = `Usage: autoprof bench-compare [flags] [label=]FILE...

Computes statistical summaries and A/B comparisons of benchmark results, like benchstat:
for each benchmark the median with a 95% confidence interval, and for every column after
the first the change against the first, with a Mann-Whitney U test p-value ("~" when the
change is not significant). The last row of each table is the geometric mean.

Inputs are Go benchmark output ('go test -bench . -count 10'), 'hyperfine --export-json'
files, or JSON objects {"name": [values...]} (seconds, or the unit in a "unit" member).
Name an input 'label=FILE' to label its column.

Flags (one or two dashes, '-flag value' or '-flag=value'):
  -table KEYS        split results into tables by KEYS (default .config)
  -row KEYS          split results into rows by KEYS (default .fullname)
  -col KEYS          compare across columns by KEYS (default .file)
  -ignore KEYS       ignore variation in KEYS
  -filter QUERY      use only benchmarks matching QUERY (default *), e.g. "/format:json .unit:ns/op"
  -alpha A           consider a change significant if p < A (default 0.05)
  -confidence L      confidence level for ranges (default 0.95)
  -format F          text (default), csv (warnings on stderr) or json
  --json             same as -format json

Keys: .name, .fullname, .file, .unit (filters only), .config (projections only),
/{name-key} for sub-benchmark keys such as /format, {file-key} for file keys such as goos.
`;

interface Flags {
  table: string;
  row: string;
  col: string;
  ignore: string;
  filter: string;
  alpha: number;
  confidence: number;
  format: 'text' | 'csv' | 'json';
  inputs: string[];
}

const STRING_FLAGS = ['table', 'row', 'col', 'ignore', 'filter', 'alpha', 'confidence', 'format'] as const;

/** parseFlags reads Go-style flags (benchstat's): "-col x", "--col=x"; "--" ends flags. */
export function parseBenchCompareFlags(argv: readonly string[]): Flags {
  const raw: Record<string, string> = {};
  const inputs: string[] = [];
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      inputs.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      inputs.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    if (name === 'json') {
      if (eq >= 0) throw new UsageError(`bench-compare: --json takes no value`);
      json = true;
      continue;
    }
    if (!(STRING_FLAGS as readonly string[]).includes(name)) {
      throw new UsageError(`bench-compare: unknown flag '${arg}' (see 'autoprof bench-compare --help')`);
    }
    if (eq >= 0) raw[name] = body.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw new UsageError(`bench-compare: flag '${arg}' needs a value`);
      raw[name] = argv[++i];
    }
  }
  const num = (name: string, fallback: number) => {
    const text = raw[name];
    if (text === undefined) return fallback;
    const v = Number(text);
    if (text.trim() === '' || !(v >= 0 && v <= 1)) {
      throw new UsageError(`bench-compare: -${name} must be in range [0, 1], got '${text}'`);
    }
    return v;
  };
  const format = json ? 'json' : (raw.format ?? 'text');
  if (format !== 'text' && format !== 'csv' && format !== 'json') {
    throw new UsageError('bench-compare: -format must be text, csv or json');
  }
  return {
    table: raw.table ?? '.config',
    row: raw.row ?? '.fullname',
    col: raw.col ?? '.file',
    ignore: raw.ignore ?? '',
    filter: raw.filter ?? '*',
    alpha: num('alpha', 0.05),
    confidence: num('confidence', 0.95),
    format,
    inputs,
  };
}

/** readInputText reads one input as UTF-8 text with a one-line error when it cannot. */
function readInputText(path: string, cwd: string): string {
  const full = path === '-' ? 0 : isAbsolute(path) ? path : resolve(cwd, path);
  try {
    if (full !== 0 && statSync(full).isDirectory())
      throw new UsageError(`bench-compare: ${path}: is a directory`);
    return readFileSync(full, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as { code?: string }).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new UsageError(`bench-compare: cannot read ${path}: ${reason}`);
  }
}

/** readRecords parses one input, sniffing JSON (hyperfine or named samples) from Go text. */
function readRecords(path: string, label: string, text: string, units: UnitMetadata): BenchRecord[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      doc = undefined;
    }
    if (doc !== undefined) {
      return isHyperfineJson(doc)
        ? importFromHyperfine(doc, path, label)
        : importFromNamedSamples(doc, path, label);
    }
  }
  return parseBenchText(text, path, { '.file': label }, units);
}

/** BenchCompareOptions: the directory relative input paths are read from. */
export interface BenchCompareOptions {
  cwd?: string;
}

/** BenchCompareResult is everything a run computed, for callers that want data, not text. */
export interface BenchCompareResult {
  tables: BenchTable[];
  syntaxErrors: string[];
}

/** computeBenchCompare reads the inputs and builds the tables the flags describe. */
export function computeBenchCompare(
  flags: Flags,
  io: CommandIo,
  opts: BenchCompareOptions = {},
): BenchCompareResult {
  const cwd = opts.cwd ?? process.cwd();
  let filter: BenchFilter;
  const parser = new ProjectionParser();
  let builder: TableBuilder;
  try {
    filter = parseBenchFilter(flags.filter);
  } catch (err) {
    throw new UsageError(`bench-compare: parsing -filter: ${(err as Error).message}`);
  }
  const parse = (flag: string, expr: string, withUnit: boolean) => {
    try {
      return withUnit ? parser.parseWithUnit(expr, filter) : parser.parse(expr, filter);
    } catch (err) {
      if (err instanceof BenchQueryError)
        throw new UsageError(`bench-compare: parsing -${flag}: ${err.message}`);
      throw err;
    }
  };
  const tableBy = parse('table', flags.table, true);
  const rowBy = parse('row', flags.row, false);
  const colBy = parse('col', flags.col, false);
  parse('ignore', flags.ignore, false);
  builder = new TableBuilder(tableBy, rowBy, colBy, parser.residue());

  const units: UnitMetadata = new Map();
  const syntaxErrors: string[] = [];
  for (const input of parseBenchInputs(flags.inputs)) {
    const text = readInputText(input.path, cwd);
    for (const rec of readRecords(input.path, input.label, text, units)) {
      if (rec.kind === 'syntax-error') {
        const line = formatSyntaxError(rec);
        syntaxErrors.push(line);
        io.stderr(`${line}\n`);
        continue;
      }
      const kept = filter.apply(rec);
      if (kept) builder.add(kept);
    }
  }
  return { tables: builder.build({ confidence: flags.confidence, alpha: flags.alpha, units }), syntaxErrors };
}

/** benchTablesToJson is the --json document: per table its rows, cells and comparisons. */
export function benchTablesToJson(result: BenchCompareResult): unknown {
  return {
    schema: 'autoprof.bench-compare/v1',
    warnings: result.syntaxErrors,
    tables: result.tables.map((t) => {
      const config: Record<string, string> = {};
      for (const f of t.key.proj.flattenedFields()) if (f.name !== '.unit') config[f.name] = t.key.get(f);
      const columns = t.cols.map((c) => c.stringValues());
      return {
        config,
        unit: t.unit,
        assumption: t.assumption,
        columns,
        rows: t.rows.map((row) => ({
          name: row.stringValues(),
          cells: t.cols.flatMap((col, i) => {
            const c = t.cell(row, col);
            if (!c) return [];
            const cell: Record<string, unknown> = {
              column: columns[i],
              center: c.summary.center,
              ci: {
                lo: nullIfInfinite(c.summary.lo),
                hi: nullIfInfinite(c.summary.hi),
                level: c.summary.confidence,
              },
              ci_percent: pctRange(c.summary),
              n: c.values.length,
              warnings: [...c.sampleWarnings, ...c.summary.warnings],
            };
            if (c.baseline && c.comparison) {
              const base = c.baseline.summary.center;
              cell.vs_base = {
                base_center: base,
                head_center: c.summary.center,
                delta_percent: base === 0 ? null : (c.summary.center / base - 1) * 100,
                delta: formatDelta(c.comparison, base, c.summary.center),
                p: c.comparison.p,
                n_base: c.comparison.n1,
                n_head: c.comparison.n2,
                alpha: c.comparison.alpha,
                significant: isSignificant(c.comparison),
                note: comparisonNote(c.comparison),
                warnings: c.comparison.warnings,
              };
            }
            return [cell];
          }),
        })),
        geomean: t.cols.map((col, i) => {
          const s = t.summaries.get(col);
          return {
            column: columns[i],
            value: s?.summary ?? null,
            delta_percent: s?.ratio === undefined ? null : (s.ratio - 1) * 100,
            warnings: s?.warnings ?? [],
          };
        }),
      };
    }),
  };
}

function nullIfInfinite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** runBenchCompare is the whole command with an explicit working directory (tests use it). */
export async function runBenchCompare(
  argv: string[],
  io: CommandIo,
  opts: BenchCompareOptions = {},
): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout(usage);
    return 0;
  }
  const flags = parseBenchCompareFlags(argv);
  if (flags.inputs.length === 0)
    throw new UsageError('bench-compare: expected at least one input file (see --help)');
  const result = computeBenchCompare(flags, io, opts);
  if (flags.format === 'json') io.stdout(`${JSON.stringify(benchTablesToJson(result), null, 2)}\n`);
  else if (flags.format === 'csv') {
    const { csv, warnings } = renderTablesCsv(result.tables);
    io.stdout(csv);
    if (warnings) io.stderr(warnings);
  } else io.stdout(renderTablesText(result.tables));
  return 0;
}

/** benchCompareCommand is `autoprof bench-compare`, a benchstat equivalent. */
export const benchCompareCommand: Command = {
  name: 'bench-compare',
  summary: 'compare benchmark runs statistically (like benchstat): medians, CIs, U-test, geomean',
  usage,
  run: (argv, io) => runBenchCompare(argv, io),
};

export type { BenchResult };
