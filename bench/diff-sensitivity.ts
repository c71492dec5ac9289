/**
 * diff-sensitivity: what `autoprof diff`'s gate can see. A real log-summary job
 * (targets/diff-sensitivity-job.mjs: hand-written CSV tokenising, JSON parsing, aggregation)
 * gets 1, 2, 5, 10 and 20% more work planted in one named function, tokenizeCsv. For 5, 10 and
 * 20 runs a side it measures how often the gate flags the change and names tokenizeCsv as a
 * regression (power), and how often two sets of runs of the identical program are flagged at all
 * (false positives).
 *
 * To keep it tractable, each variant is profiled once into a pool of runs (`autoprof run`,
 * default collectors and sampling, exactly as CI would), the variants interleaved round by round
 * so machine drift spreads over all of them; trials then draw runs from the pools without
 * replacement (base from the unchanged pool, head from the variant's) and run the same diff,
 * whole-run comparison and gate as `autoprof diff`. Trials share runs, so rates at 20 runs a side
 * rest on few distinct runs; the output says so. Goal: at 10 runs a side a 5% slowdown of one
 * function detected in >= 90% of trials, with <= 5% false positives.
 *
 * Usage (it times things, so hold the lock):
 *   flock /tmp/autoprof-timing.lock node --import tsx bench/diff-sensitivity.ts \
 *     [--pool 25] [--rounds 5] [--trials 100] [--interval-us 250] [--work DIR]
 * The pools sample Node at 250 us (AUTOPROF_NODE_INTERVAL_US, which CI can set too): at the
 * default 2 ms a function of a sub-second run gets too few samples for a 5% change to show.
 * With --work DIR holding pools from an earlier run, profiling is skipped.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateGate } from '../src/analysis/gate.js';
import { DEFAULT_GATE_POLICY } from '../src/analysis/gate-policy.js';
import { diffProfiles } from '../src/analysis/profile-diff.js';
import { compareRuns } from '../src/analysis/run-level-diff.js';
import { measureRun, type RunMeasurement } from '../src/analysis/run-measurements.js';
import { createRng, type Rng } from '../src/analysis/seeded-random.js';
import { importProfileBytes } from '../src/formats/index.js';
import { readInputBytes } from '../src/io/read-input.js';
import { mergeProfiles } from '../src/model/merge.js';
import type { Profile } from '../src/model/profile.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const workArg = process.argv.indexOf('--work');
const work =
  workArg >= 0 ? process.argv[workArg + 1] : join(tmpdir(), `autoprof-diff-sensitivity-${process.pid}`);
const POOL = arg('pool', 25);
const ROUNDS = arg('rounds', 5);
const TRIALS = arg('trials', 100);
/** INTERVAL_US: Node's sampling interval for the pools (autoprof's default is 2000). */
const INTERVAL_US = arg('interval-us', 250);
const CHANGES = [1, 2, 5, 10, 20];
const sampleTypeArg = process.argv.indexOf('--sample-type');
/** SAMPLE_TYPE: the profile sample type the trials compare (default: as `autoprof diff` picks). */
const SAMPLE_TYPE = sampleTypeArg >= 0 ? process.argv[sampleTypeArg + 1] : undefined;
const SIDES = [5, 10, 20].filter((n) => n <= arg('pool', 25));
const PLANTED = 'tokenizeCsv';
const target = here('./targets/diff-sensitivity-job.mjs');

const cli = existsSync(here('../dist/cli/main.js'))
  ? [process.execPath, here('../bin/autoprof.js')]
  : [process.execPath, '--import', 'tsx', here('../test/cli-entry.ts')];

interface Run {
  profile: Profile | undefined;
  measurement: RunMeasurement;
}

/** poolSize: the unchanged program needs two disjoint sides for the false-positive trials. */
const poolSize = (pct: number) => (pct === 0 ? 2 * POOL : POOL);

function profilePools(): void {
  const perRound = (pct: number) => Math.ceil(poolSize(pct) / ROUNDS);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const pct of [0, ...CHANGES]) {
      const out = join(work, `pct-${pct}`, `round-${round}`);
      if (existsSync(join(out, 'manifest.json'))) continue;
      mkdirSync(join(work, `pct-${pct}`), { recursive: true });
      const r = spawnSync(
        cli[0],
        [
          ...cli.slice(1),
          'run',
          '--runs',
          String(perRound(pct)),
          '--out',
          out,
          '--',
          process.execPath,
          target,
          String(pct),
        ],
        { encoding: 'utf8', env: { ...process.env, AUTOPROF_NODE_INTERVAL_US: String(INTERVAL_US) } },
      );
      if (r.status !== 0) throw new Error(`autoprof run (+${pct}%) failed: ${r.stderr.slice(-400)}`);
      process.stderr.write(`round ${round}/${ROUNDS}: +${pct}% profiled\n`);
    }
  }
}

function loadPool(pct: number): Run[] {
  const dir = join(work, `pct-${pct}`);
  const runs: Run[] = [];
  for (const round of readdirSync(dir).sort()) {
    const runsDir = join(dir, round, 'runs');
    for (const n of readdirSync(runsDir).sort((a, b) => Number(a) - Number(b))) {
      const runDir = join(runsDir, n);
      const file = join(runDir, 'profile.pb.gz');
      const profiles = existsSync(file) ? importProfileBytes(readInputBytes(file), { source: file }) : [];
      runs.push({
        profile:
          profiles.length === 0 ? undefined : profiles.length === 1 ? profiles[0] : mergeProfiles(profiles),
        measurement: measureRun(runDir),
      });
    }
  }
  return runs.slice(0, poolSize(pct));
}

/** draw takes k distinct runs (Fisher-Yates prefix), skipping those in `exclude`. */
function draw(pool: Run[], k: number, rng: Rng, exclude: Set<Run> = new Set()): Run[] {
  const candidates = pool.filter((r) => !exclude.has(r));
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng() * (candidates.length - i));
    [candidates[i], candidates[j]] = [candidates[j], candidates[i]];
  }
  return candidates.slice(0, k);
}

function gate(base: Run[], head: Run[]) {
  const policy = DEFAULT_GATE_POLICY;
  const profiled = (runs: Run[]) => runs.filter((r) => r.profile !== undefined);
  const profiles = (runs: Run[]) => profiled(runs).map((r) => r.profile as Profile);
  const cpuSeconds = (runs: Run[]) => profiled(runs).map((r) => r.measurement.cpu_s);
  // The same inputs as `autoprof diff`: each profile with its run's kernel-measured CPU time.
  const diff = diffProfiles(profiles(base), profiles(head), {
    cpuSeconds: { base: cpuSeconds(base), head: cpuSeconds(head) },
    sampleType: SAMPLE_TYPE,
    thresholds: {
      changePoints: policy.changePoints,
      hotspotPct: policy.hotspotPct,
      alpha: policy.alpha,
      minChangePct: policy.minChangePct,
    },
  });
  const runs = compareRuns(
    base.map((r) => r.measurement),
    head.map((r) => r.measurement),
    policy.alpha,
  );
  return { diff, result: evaluateGate([diff], [], policy, runs) };
}

function rate(hits: number, trials: number): string {
  return `${Math.round((hits / trials) * 100)}%`;
}

function main(): void {
  const started = loadavg()[0];
  if (!existsSync(join(work, 'pct-0'))) mkdirSync(work, { recursive: true });
  profilePools();
  const pools = new Map([0, ...CHANGES].map((pct) => [pct, loadPool(pct)]));
  const rng = createRng(20261207);
  const rows: string[][] = [];
  const named = new Map<string, number>();
  for (const pct of CHANGES) {
    const row = [`+${pct}% in ${PLANTED}`];
    for (const n of SIDES) {
      let hits = 0;
      for (let t = 0; t < TRIALS; t++) {
        const { diff, result } = gate(
          draw(pools.get(0) as Run[], n, rng),
          draw(pools.get(pct) as Run[], n, rng),
        );
        const names = diff.regressions.filter((c) => c.gating).map((c) => c.function);
        if (result.status !== 'pass' && names.includes(PLANTED)) hits++;
        for (const name of names) if (name !== PLANTED) named.set(name, (named.get(name) ?? 0) + 1);
      }
      row.push(rate(hits, TRIALS));
    }
    rows.push(row);
  }
  const fpRow = ['identical program (false positives)'];
  for (const n of SIDES) {
    let flagged = 0;
    for (let t = 0; t < TRIALS; t++) {
      const pool = pools.get(0) as Run[];
      const base = draw(pool, n, rng);
      if (gate(base, draw(pool, n, rng, new Set(base))).result.status !== 'pass') flagged++;
    }
    fpRow.push(rate(flagged, TRIALS));
  }
  rows.push(fpRow);
  const cores = cpus().length;
  console.log(
    `diff-sensitivity: ${TRIALS} trials per cell, drawn without replacement from pools of ${POOL} profiled runs per variant (${2 * POOL} unchanged), profiled in ${ROUNDS} interleaved rounds with AUTOPROF_NODE_INTERVAL_US=${INTERVAL_US}; load average ${started.toFixed(1)} -> ${loadavg()[0].toFixed(1)} on ${cores} cores.`,
  );
  console.log('Detected = the gate did not pass and listed tokenizeCsv as a significant regression.');
  console.log(
    `At ${SIDES[SIDES.length - 1]} runs a side the trials overlap heavily (${POOL} runs in the pool).`,
  );
  console.log('');
  console.log(`| planted change | ${SIDES.map((n) => `${n} runs a side`).join(' | ')} |`);
  console.log(`| --- | ${SIDES.map(() => '---:').join(' | ')} |`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  if (named.size > 0) {
    console.log('');
    console.log(
      `Other functions named as regressions in change trials: ${[...named].map(([n, c]) => `${n} (${c})`).join(', ')}`,
    );
  }
  const exampleN = Math.min(10, POOL);
  const example = gate(
    draw(pools.get(0) as Run[], exampleN, rng),
    draw(pools.get(5) as Run[], exampleN, rng),
  ).diff;
  const detectable = example.detectable.map((d) => `${d.function} ${d.self_pct}% share: ~${d.change_pct}%`);
  console.log('');
  console.log(
    `Smallest detectable change of a function's own cost at ${exampleN} runs a side (one draw): ${detectable.join('; ')}`,
  );
  console.log(`Pools kept in ${work}`);
}

main();
