import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diffBenchmarks } from '../analysis/benchmark-diff.js';
import { type DiffSide, loadDiffSide } from '../analysis/diff-inputs.js';
import { evaluateGate } from '../analysis/gate.js';
import {
  applyPolicySetting,
  clonePolicy,
  DEFAULT_GATE_POLICY,
  type GatePolicy,
  loadPolicyFile,
} from '../analysis/gate-policy.js';
import { diffProfiles, type ProfileDiff } from '../analysis/profile-diff.js';
import { compareRuns, runsNeededNote } from '../analysis/run-level-diff.js';
import { UsageError } from '../errors.js';
import { resolveExplainConfig, takeExplainFlags } from '../llm/explain-config.js';
import { identifySides } from '../model/function-identity.js';
import { mergeProfiles } from '../model/merge.js';
import type { Profile } from '../model/profile.js';
import { renderDiffHtml } from '../report/diff-html.js';
import { renderDiffMarkdown, renderPrComment } from '../report/diff-markdown.js';
import { buildDiffReport, verdictLine } from '../report/diff-report.js';
import { renderSarif } from '../report/sarif.js';
import type { Command } from './command.js';
import { parseCommandArgs } from './command.js';

const VERSION = '0.1.0';

const usage = `Usage: autoprof diff BASE HEAD [--out DIR] [options]

Compares two sides and gates CI. Each side is a comma-separated list of:
  - 'autoprof run' output folders (with --runs N, every runs/K is one run); whole runs (wall
    time, CPU time, peak RSS, GC share) are always compared, even when a side's runs were too
    short to leave a profile,
  - profile files in any supported format (one file = one run),
  - Go benchmark text (benchstat input), hyperfine --export-json, or {"name": [values]} JSON.

Functions are matched across checkouts by name and a stable location (the path relative to the
project root, the module path inside node_modules / site-packages / a JAR, the soname), and by
name alone when a file moved and the name is unambiguous.

Writes DIR/report.json (autoprof.diff/v1), report.md, pr-comment.md, report.sarif and
report.html (differential flame graph). Exit 0 for pass or warn, 1 when the gate fails,
2 for bad input.

Classification (percentage points of the compared sample type's total):
  --change-points N          a self-share change beyond N points is a change (default 5)
  --hotspot-pct N            a new or removed hotspot has more than N% (default 1)
  --bench-regression-pct N   a significant benchmark slowdown beyond N% regresses (default 2)
  --alpha A                  Mann-Whitney U significance level (default 0.05)
  --min-change-pct N         with several runs a side, a function whose own cost moved by more
                             than N% (significantly, Holm-corrected) is a change (default 2)
Gate:
  --warn-pct N               warn on any regression beyond N points or % (default 5); with
                             runs enough for a test, any significant regression warns
  --warn-run-slowdown-pct N  warn when whole runs got significantly slower (wall or CPU time)
                             by more than N% (default 10)
  --fail-benchmark-pct N     hard fail on a benchmark slowdown beyond N% (default 15)
  --fail-cpu-points N        hard fail on a CPU share regression beyond N points (default 10)
  --min-rating N             soft fail when the overall rating is below N of 10 (default 5)
  --policy FILE              YAML policy (sections warn, soft_fail, hard_fail, thresholds);
                             flags override it
Energy (an estimate of the CPU-time change, per 1,000 runs; never gates):
  --watts-per-core W         power of one busy core (default 4)
  --grid-intensity G         grams CO2e per kWh of the grid (default 475)
Other:
  --sample-type T            compare this sample type (type or type/unit; default: head's default)
  -o, --out DIR              output folder (default autoprof-out/diff-<timestamp>)
  --json                     also print report.json to standard output
  --explain[=P]              add an explanation to report.md (P: none, openai, endpoint, auto);
                             never changes the exit status
  --explain-source           also send redacted source lines around the changes to the provider
`;

const FLAG_TO_POLICY: Record<string, string> = {
  'change-points': 'thresholds.change_points',
  'hotspot-pct': 'thresholds.hotspot_pct',
  'bench-regression-pct': 'thresholds.benchmark_regression_pct',
  alpha: 'thresholds.alpha',
  'min-change-pct': 'thresholds.min_change_pct',
  'warn-pct': 'warn.regression_pct',
  'warn-run-slowdown-pct': 'warn.run_slowdown_pct',
  'watts-per-core': 'energy.watts_per_core',
  'grid-intensity': 'energy.grid_g_per_kwh',
  'fail-benchmark-pct': 'hard_fail.benchmark_slowdown_pct',
  'fail-cpu-points': 'hard_fail.cpu_regression_points',
  'min-rating': 'soft_fail.min_overall_rating',
};

const MEMORY_TYPE = /alloc|inuse|space/;
/** THIN_PROFILE_SAMPLES: fewer samples than this per run is a thin profile. */
const THIN_PROFILE_SAMPLES = 50;

/** diffCommand is `autoprof diff`. */
export const diffCommand: Command = {
  name: 'diff',
  summary: 'compare runs, profiles or benchmarks with statistics and gate CI',
  usage,
  async run(argv, io) {
    const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
      out: { type: 'string', short: 'o' },
      policy: { type: 'string' },
      'sample-type': { type: 'string' },
      json: { type: 'boolean' },
    };
    for (const flag of Object.keys(FLAG_TO_POLICY)) options[flag] = { type: 'string' };
    // --explain takes an optional value, which parseArgs cannot express: taken out first.
    const explainFlags = takeExplainFlags(argv);
    const explainConfig = resolveExplainConfig(explainFlags.explain, process.env, {
      includeSource: explainFlags.explainSource || undefined,
    });
    const { values, positionals } = parseCommandArgs('diff', explainFlags.rest, options);
    if (positionals.length !== 2) throw new UsageError('diff: expected BASE and HEAD (see --help)');
    const policy = policyFrom(values as Record<string, string | boolean | undefined>);

    const base = loadDiffSide(positionals[0], 'base');
    const head = loadDiffSide(positionals[1], 'head');
    const hasProfiles = base.profiles.length > 0 && head.profiles.length > 0;
    const hasBenchmarks = base.benchmarks.length > 0 && head.benchmarks.length > 0;
    const hasRuns = base.runs.length > 0 && head.runs.length > 0;
    if (!hasProfiles && !hasBenchmarks && !hasRuns) {
      throw new UsageError(
        'diff: base and head must both be runs (autoprof run folders), profiles, or benchmark results',
      );
    }

    const thresholds = {
      changePoints: policy.changePoints,
      hotspotPct: policy.hotspotPct,
      alpha: policy.alpha,
      minChangePct: policy.minChangePct,
    };
    const diffs: ProfileDiff[] = [];
    if (hasProfiles) {
      const main = diffProfiles(base.profiles, head.profiles, {
        sampleType: values['sample-type'] as string | undefined,
        thresholds,
        cpuSeconds: { base: base.profileCpuS, head: head.profileCpuS },
      });
      diffs.push(main);
      for (const t of commonMemoryTypes(base.profiles, head.profiles)) {
        if (t === `${main.sample_type.type}/${main.sample_type.unit}`) continue;
        diffs.push(diffProfiles(base.profiles, head.profiles, { sampleType: t, thresholds }));
      }
    }
    const runs = hasRuns ? compareRuns(base.runs, head.runs, policy.alpha) : null;
    const notCompared = profileGaps(base, head);
    const runNote = runs ? runsNeededNote(runs.runs.base, runs.runs.head, policy.alpha) : undefined;
    const benchmarks = hasBenchmarks
      ? diffBenchmarks(base.benchmarks, head.benchmarks, policy.alpha)
      : { deltas: [], notes: [] };
    const gate = evaluateGate(diffs, benchmarks.deltas, policy, runs);
    const report = buildDiffReport(
      { inputs: base.inputs, runs: Math.max(base.profiles.length, base.runs.length, 1) },
      { inputs: head.inputs, runs: Math.max(head.profiles.length, head.runs.length, 1) },
      diffs,
      benchmarks.deltas,
      gate,
      policy,
      [...benchmarks.notes, ...(runNote ? [runNote] : [])],
      { runs, notCompared },
    );

    const outDir =
      (values.out as string | undefined) ??
      join('autoprof-out', `diff-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    mkdirSync(outDir, { recursive: true });
    const reproduce = `autoprof diff ${positionals.map(quote).join(' ')} --out ${quote(outDir)}`;
    const flame = hasProfiles ? flameInput(base.profiles, head.profiles, diffs[0]) : undefined;
    writeFileSync(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(outDir, 'report.md'), renderDiffMarkdown(report, reproduce));
    writeFileSync(join(outDir, 'pr-comment.md'), renderPrComment(report));
    writeFileSync(join(outDir, 'report.sarif'), `${JSON.stringify(renderSarif(report, VERSION), null, 2)}\n`);
    writeFileSync(join(outDir, 'report.html'), renderDiffHtml(report, flame));
    if (explainConfig) {
      // The explanation never changes the gate's verdict or the exit status.
      try {
        const { explainDiffDirectory, explanationLine } = await import('../llm/explain-artifacts.js');
        const profiles = flame ? [flame.base, flame.head] : [];
        io.stderr(explanationLine(await explainDiffDirectory(outDir, report, explainConfig, profiles)));
      } catch (err) {
        io.stderr(`autoprof: explanation failed: ${(err as Error).message.split('\n')[0]}\n`);
      }
    }

    if (values.json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    io.stderr(`autoprof diff: ${verdictLine(report)} Reports in ${outDir}\n`);
    return report.gate.status === 'fail' ? 1 : 0;
  },
};

function policyFrom(values: Record<string, string | boolean | undefined>): GatePolicy {
  const policy =
    typeof values.policy === 'string' ? loadPolicyFile(values.policy) : clonePolicy(DEFAULT_GATE_POLICY);
  for (const [flag, key] of Object.entries(FLAG_TO_POLICY)) {
    const v = values[flag];
    if (typeof v === 'string') applyPolicySetting(policy, key, v, `diff --${flag}`);
  }
  return policy;
}

/**
 * profileGaps says what the function comparison had to do without: a side whose runs left no
 * profile (a run shorter than the sampler's first tick, or a collector that failed), runs
 * without profiles among profiled ones, and profiles too thin to read shares from.
 */
function profileGaps(base: DiffSide, head: DiffSide): string[] {
  const gaps: string[] = [];
  const sides = [
    ['base', base],
    ['head', head],
  ] as const;
  const bothRuns = base.runs.length > 0 && head.runs.length > 0;
  for (const [role, side] of sides) {
    if (side.benchmarks.length > 0) continue;
    if (side.profiles.length === 0 && bothRuns) {
      gaps.push(
        `functions: the ${role} side's ${side.runs.length} run(s) left no profile (shorter than the sampler's first samples, or its collector failed), so only whole runs were compared`,
      );
    } else if (side.unprofiled > 0) {
      gaps.push(
        `functions: ${side.unprofiled} of the ${role} side's runs left no profile; functions were compared on the ${side.profiles.length} that did`,
      );
    }
    const samples = side.profiles.map(sampleCount).filter((n): n is number => n !== undefined);
    const thin = samples.length > 0 ? [...samples].sort((a, b) => a - b)[samples.length >> 1] : undefined;
    if (thin !== undefined && thin < THIN_PROFILE_SAMPLES) {
      gaps.push(
        `functions: the ${role} side's profiles are thin (median ${thin} samples a run): shares of small functions are mostly sampling noise`,
      );
    }
  }
  return gaps;
}

/** sampleCount is a profile's number of samples, where it records one ('samples/count'). */
function sampleCount(p: Profile): number | undefined {
  const i = p.sampleTypes.findIndex((t) => t.type === 'samples' && t.unit === 'count');
  return i < 0 ? undefined : p.samples.reduce((n, s) => n + s.values[i], 0);
}

function commonMemoryTypes(base: Profile[], head: Profile[]): string[] {
  const all = [...base, ...head];
  return head[0].sampleTypes
    .filter((t) => MEMORY_TYPE.test(t.type))
    .map((t) => `${t.type}/${t.unit}`)
    .filter((key) => all.every((p) => p.sampleTypes.some((s) => `${s.type}/${s.unit}` === key)));
}

function flameInput(base: Profile[], head: Profile[], diff: ProfileDiff) {
  const pooled = (runs: Profile[]) => (runs.length === 1 ? runs[0] : mergeProfiles(runs));
  const sides = identifySides(base, head);
  const b = pooled(sides.base);
  const h = pooled(sides.head);
  const index = (p: Profile) =>
    p.sampleTypes.findIndex((t) => t.type === diff.sample_type.type && t.unit === diff.sample_type.unit);
  return { base: b, baseTypeIndex: index(b), head: h, headTypeIndex: index(h) };
}

function quote(s: string): string {
  return /^[\w./,=:@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
