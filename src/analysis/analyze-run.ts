import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { MultiRunManifest, RunManifest } from '../collect/manifest.js';
import { UsageError } from '../errors.js';
import { importMergedProfile } from '../formats/index.js';
import { mergeProfiles } from '../model/merge.js';
import type { Profile } from '../model/profile.js';
import { renderFindingsMarkdown } from '../report/findings-markdown.js';
import { renderRunReportHtml } from '../report/html-report.js';
import { readRunMetricSeries } from '../report/run-metrics.js';
import { runVariance } from './detectors/run-variance.js';
import { diagnose } from './diagnose.js';
import type { DiagnosisInput } from './features/diagnosis-input.js';
import { METRIC_NAMES, type Metrics } from './features/metrics.js';
import { mergeViews } from './features/sample-views.js';
import { mergeLineTicks } from './features/v8-line-ticks.js';
import { type Features, featuresOf, type RunInput, readRunInput, runtimesOf } from './features.js';
import {
  FINDINGS_SCHEMA,
  type Finding,
  type FindingsDocument,
  rankFindings,
  type Spread,
} from './findings.js';
import { loadPatterns } from './patterns/loader.js';
import { formatProblem } from './patterns/schema.js';
import { median } from './stats.js';

/** AnalyzeOptions configure analyzeRunDirectory. */
export interface AnalyzeOptions {
  /** patternFiles: user pattern files added to the built-in knowledge base. */
  patternFiles?: string[];
  /** write: write features.json, findings.json and report.md into the directory (default true). */
  write?: boolean;
}

/** AnalyzeResult is what `autoprof run` and `autoprof analyze` report. */
export interface AnalyzeResult {
  features: Features & { per_run?: Metrics[] };
  findings: FindingsDocument;
  reportMarkdownPath: string;
}

function readJson<T>(path: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    throw new UsageError(`analyze: cannot read ${path}: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** shellQuote quotes one argv word for a POSIX shell, only when needed. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** verifyHintFor names the exact commands that check an improvement against this run. */
export function verifyHintFor(dir: string, argv: string[], runs: number): string {
  if (argv.length === 0) return '';
  const after = `${dir.replace(/\/+$/, '')}-after`;
  const runsFlag = runs > 1 ? ` --runs ${runs}` : '';
  return `Verify: \`autoprof run${runsFlag} --out ${shellQuote(after)} -- ${argv.map(shellQuote).join(' ')}\` then \`autoprof diff ${shellQuote(dir)} ${shellQuote(after)}\`.`;
}

/**
 * analyzeRunDirectory redoes the analysis of a run directory from its artifacts alone: it reads
 * manifest.json (one run, or `runs/N` for --runs), writes features.json, findings.json,
 * report.md and report.html, and returns them. With several runs the findings come from all runs pooled, carry
 * their spread across runs, and abnormal variance between runs is a finding of its own.
 */
export async function analyzeRunDirectory(dir: string, options: AnalyzeOptions = {}): Promise<AnalyzeResult> {
  const root = resolve(dir);
  const manifestPath = join(root, 'manifest.json');
  if (!existsSync(manifestPath))
    throw new UsageError(`analyze: ${dir} has no manifest.json (is it an 'autoprof run' output?)`);
  const top = readJson<RunManifest | MultiRunManifest>(manifestPath);
  const runDirs = 'runs' in top ? top.runs.map((r) => join(root, r.dir)) : [root];
  const manifests =
    'runs' in top ? runDirs.map((d) => readJson<RunManifest>(join(d, 'manifest.json'))) : [top];

  const set = loadPatterns(options.patternFiles ?? []);
  const userProblems = set.problems.map(formatProblem);
  if (userProblems.length > 0) throw new UsageError(`analyze: invalid pattern file: ${userProblems[0]}`);
  const verifyHint = verifyHintFor(dir, top.target.argv, runDirs.length);

  const perRun: RunInput[] = manifests.map((m, i) => readRunInput(runDirs[i], m));
  const pooled = perRun.length === 1 ? perRun[0].input : poolInputs(perRun.map((r) => r.input));
  const notes = [
    ...new Set(perRun.flatMap((r, i) => r.notes.map((n) => (perRun.length > 1 ? `run ${i + 1}: ${n}` : n)))),
  ];
  const diagnosis = diagnose(pooled, { patterns: set.patterns, verifyHint });
  let findings = diagnosis.findings;
  if (perRun.length > 1) {
    const runDiagnoses = perRun.map(
      (r) => diagnose(r.input, { patterns: set.patterns, verifyHint }).findings,
    );
    findings = rankFindings([
      ...findings.map((f) => withSpread(f, runDiagnoses)),
      ...runVariance(
        perRun.map((r) => r.input.metrics),
        { verifyHint },
      ),
    ]);
  }
  const last = manifests[manifests.length - 1];
  const doc: FindingsDocument = {
    schema: FINDINGS_SCHEMA,
    target: { argv: top.target.argv, cwd: top.target.cwd },
    run: {
      dir: basename(root),
      runs: runDirs.length,
      wall_s: pooled.metrics.wall_s ?? (last.wallMs ? last.wallMs / 1000 : null),
      exit_status: top.exit?.status ?? null,
      collectors: [
        ...new Set(
          manifests.flatMap((m) =>
            m.collectors.filter((c) => c.status === 'ok' || c.status === 'partial').map((c) => c.name),
          ),
        ),
      ],
    },
    classification: diagnosis.classification,
    findings,
    notes,
  };
  const features: AnalyzeResult['features'] = featuresOf(pooled, notes);
  if (perRun.length > 1) features.per_run = perRun.map((r) => r.input.metrics);
  const reportMarkdownPath = join(root, 'report.md');
  if (options.write !== false) {
    writeFileSync(join(root, 'features.json'), `${JSON.stringify(features, null, 2)}\n`);
    writeFileSync(join(root, 'findings.json'), `${JSON.stringify(doc, null, 2)}\n`);
    writeFileSync(reportMarkdownPath, renderFindingsMarkdown(doc, features));
    writeFileSync(
      join(root, 'report.html'),
      renderRunReportHtml({
        findings: doc,
        profile: pooledRunProfile(runDirs),
        metrics: readRunMetricSeries(root),
      }),
    );
  }
  return { features, findings: doc, reportMarkdownPath };
}

/**
 * poolInputs combines runs: profiles merged per kind (more samples, steadier shares), metrics
 * as the median of each metric over the runs that have it.
 */
export function poolInputs(inputs: DiagnosisInput[]): DiagnosisInput {
  const first = inputs[0];
  const metrics: Metrics = {};
  for (const name of METRIC_NAMES) {
    const values = inputs.map((i) => i.metrics[name]).filter((v): v is number => typeof v === 'number');
    if (values.length > 0) (metrics as Record<string, number>)[name] = median(values);
  }
  const lineTicks = new Map();
  for (const i of inputs) mergeLineTicks(lineTicks, i.lineTicks);
  const views = mergeViews(inputs.flatMap((i) => i.views));
  return {
    ...first,
    views,
    metrics,
    lineTicks,
    runtimes: runtimesOf(views),
    callStats: inputs.flatMap((i) => i.callStats),
    processes: inputs.flatMap((i) => i.processes),
    nodeProcesses: inputs.flatMap((i) => i.nodeProcesses),
    have: {
      timeseries: inputs.some((i) => i.have.timeseries),
      nodeMetrics: inputs.some((i) => i.have.nodeMetrics),
      callStats: inputs.some((i) => i.have.callStats),
    },
  };
}

/** withSpread attaches the finding's first evidence number as seen in each run. */
export function withSpread(f: Finding, runs: Finding[][]): Finding {
  const [metric, main] = Object.entries(f.evidence)[0] ?? [];
  if (!metric || !main) return f;
  const perRun = runs.map((list) => list.find((x) => x.id === f.id)?.evidence[metric]?.value ?? null);
  const present = perRun.filter((v): v is number => v !== null);
  if (present.length === 0) return f;
  const mean = present.reduce((a, b) => a + b, 0) / present.length;
  const sd = Math.sqrt(present.reduce((a, b) => a + (b - mean) ** 2, 0) / present.length);
  const spread: Spread = {
    metric,
    unit: main.unit,
    runs: runs.length,
    per_run: perRun,
    median: median(present),
    min: Math.min(...present),
    max: Math.max(...present),
    cv: mean === 0 ? 0 : Math.round((sd / mean) * 1000) / 1000,
  };
  // Seen in only some runs: less sure it is real.
  const seen = present.length / runs.length;
  return { ...f, spread, confidence: Math.round(f.confidence * (0.5 + 0.5 * seen) * 100) / 100 };
}

/** pooledRunProfile merges each run's profile.pb.gz for the report's flame graph (none: undefined). */
function pooledRunProfile(runDirs: string[]): Profile | undefined {
  const files = runDirs.map((d) => join(d, 'profile.pb.gz')).filter((f) => existsSync(f));
  if (files.length === 0) return undefined;
  const profiles = files.map((f) => importMergedProfile(f));
  return profiles.length === 1 ? profiles[0] : mergeProfiles(profiles);
}
