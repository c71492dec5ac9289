/**
 * collapse-throughput: `autoprof collapse` against FlameGraph's stackcollapse-perf.pl, two rows:
 *
 * - diverse: a real perf script with thousands of distinct deep stacks, recorded by this bench
 *   (`perf record -F 799 -g` of the TypeScript compiler type-checking this repository, run as
 *   `node --perf-basic-prof` so JIT frames have names), >= 80 MB. It is made once into a cache
 *   folder outside git ($AUTOPROF_BENCH_CACHE, default ~/.cache/autoprof-bench) and reused.
 * - repeated: FlameGraph's example-perf-stacks.txt.gz, decompressed, 40 times (few distinct
 *   stacks, the same blocks over and over: the easy case).
 *
 * Each figure is the median of interleaved runs (autoprof, Perl, autoprof, Perl, ...) of fresh
 * processes: the built CLI (bin/autoprof.js, start-up included) or, without dist/,
 * collapse-runner.ts under tsx. Wall time is what a user waits; CPU time (user+sys) is printed
 * too because it is steadier on a loaded machine, and so is the load average. Peak RSS comes
 * from /usr/bin/time. Every timed run holds /tmp/autoprof-timing.lock (flock) so that engineers
 * sharing the machine never time at once; the wait is not timed. The 1x and 10x copies of the
 * repeated input show that peak RSS does not grow with input size.
 *
 * Anchor: stackcollapse-perf.pl is CDDL, so it is not in this repository. Point
 * STACKCOLLAPSE_PERF_PL at a copy (or put it on PATH); the bench checks that both outputs are
 * byte-identical before printing a ratio, and prints "anchor unavailable" otherwise.
 *
 * Usage: node --import tsx bench/collapse-throughput.ts [--runs 3] [--copies 40]
 */
import { spawnSync } from 'node:child_process';
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { homedir, loadavg, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { corpusPath, repoPath } from '../test/corpora.js';

interface RunResult {
  wallSeconds: number;
  cpuSeconds: number;
  maxRssKb: number;
}

const TIME_BIN = '/usr/bin/time';
const TIMING_LOCK = '/tmp/autoprof-timing.lock';
const MIN_DIVERSE_BYTES = 80e6;
const DIVERSE_FREQUENCY_HZ = 799;

function argValue(flag: string, fallback: number): number {
  const i = process.argv.indexOf(flag);
  const n = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * runOnce runs one command under /usr/bin/time (inside flock on the timing lock when flock
 * exists, so the wait for the lock is not timed), stdout to a file.
 */
function runOnce(argv: string[], outFile: string): RunResult {
  const timed = [TIME_BIN, '-f', 'bench: %e %U %S %M', ...argv];
  const full = onPath('flock') ? ['flock', TIMING_LOCK, ...timed] : timed;
  const out = openSync(outFile, 'w');
  let res: ReturnType<typeof spawnSync>;
  try {
    res = spawnSync(full[0], full.slice(1), { stdio: ['ignore', out, 'pipe'], maxBuffer: 64 << 20 });
  } finally {
    closeSync(out);
  }
  const stderr = (res.stderr as Buffer).toString('utf8');
  if (res.status !== 0) throw new Error(`${argv.join(' ')} failed (${res.status}): ${stderr.slice(-500)}`);
  const m = /bench: ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
  if (!m) throw new Error(`no timing from ${TIME_BIN}: ${stderr.slice(-300)}`);
  return { wallSeconds: Number(m[1]), cpuSeconds: Number(m[2]) + Number(m[3]), maxRssKb: Number(m[4]) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function medianResult(results: RunResult[]): RunResult {
  return {
    wallSeconds: median(results.map((r) => r.wallSeconds)),
    cpuSeconds: median(results.map((r) => r.cpuSeconds)),
    maxRssKb: median(results.map((r) => r.maxRssKb)),
  };
}

/** findAnchor: $STACKCOLLAPSE_PERF_PL, else stackcollapse-perf.pl on PATH. */
function findAnchor(): string | undefined {
  const fromEnv = process.env.STACKCOLLAPSE_PERF_PL;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'stackcollapse-perf.pl');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function writeCopies(path: string, body: Uint8Array, copies: number): void {
  const fd = openSync(path, 'w');
  try {
    for (let i = 0; i < copies; i++) {
      let off = 0;
      while (off < body.length) off += writeSync(fd, body, off, body.length - off);
    }
  } finally {
    closeSync(fd);
  }
}

function perfMaps(): Set<string> {
  return new Set(readdirSync('/tmp').filter((f) => /^perf-\d+\.map$/.test(f)));
}

/**
 * diverseInput returns the cached tsc perf script, recording it first when absent, or the
 * reason it cannot (no perf, no permission, too small).
 */
function diverseInput(): { path: string } | { skip: string } {
  const cache = process.env.AUTOPROF_BENCH_CACHE ?? join(homedir(), '.cache', 'autoprof-bench');
  const path = join(cache, `tsc-perf-script-F${DIVERSE_FREQUENCY_HZ}.txt`);
  if (existsSync(path) && statSync(path).size >= MIN_DIVERSE_BYTES) return { path };
  if (!onPath('perf')) return { skip: 'perf is not installed (scripts/install-collector-deps.sh)' };
  const tsc = repoPath('node_modules/typescript/bin/tsc');
  if (!existsSync(tsc)) return { skip: `${tsc} is absent (npm install)` };
  mkdirSync(cache, { recursive: true });
  const data = join(cache, 'tsc.perf.data');
  const mapsBefore = perfMaps();
  console.log(`recording the diverse input (once, cached in ${cache}): perf record of tsc --noEmit ...`);
  try {
    const rec = spawnSync(
      'perf',
      ['record', '-F', String(DIVERSE_FREQUENCY_HZ), '-g', '-o', data, '--'].concat([
        'node',
        '--perf-basic-prof',
        tsc,
        '-p',
        repoPath('tsconfig.json'),
        '--noEmit',
      ]),
      { cwd: repoPath(), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    // tsc exits 0, or 1/2 with type errors: either way the profile is real work.
    if (!existsSync(data)) return { skip: `perf record failed: ${String(rec.stderr).slice(-300)}` };
    const tmp = `${path}.tmp`;
    const out = openSync(tmp, 'w');
    try {
      const script = spawnSync('perf', ['script', '-i', data], { stdio: ['ignore', out, 'ignore'] });
      if (script.status !== 0) return { skip: `perf script failed (${script.status})` };
    } finally {
      closeSync(out);
    }
    const size = statSync(tmp).size;
    if (size < MIN_DIVERSE_BYTES) {
      rmSync(tmp);
      return {
        skip: `the recording is ${(size / 1e6).toFixed(0)} MB, under 80 MB (is perf sampling restricted?)`,
      };
    }
    renameSync(tmp, path);
    return { path };
  } finally {
    rmSync(data, { force: true });
    for (const map of perfMaps()) if (!mapsBefore.has(map)) rmSync(join('/tmp', map), { force: true });
  }
}

function fmt(r: RunResult, mb: number): string {
  const rate = (s: number) => (Number.isFinite(s) && s > 0 ? `${(mb / s).toFixed(1)} MB/s` : 'n/a');
  return `wall ${r.wallSeconds.toFixed(2)} s (${rate(r.wallSeconds)}), cpu ${r.cpuSeconds.toFixed(2)} s (${rate(r.cpuSeconds)}), peak RSS ${(r.maxRssKb / 1024).toFixed(1)} MB`;
}

function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

/** compareRow times autoprof and Perl interleaved on one input and prints the row. */
function compareRow(
  name: string,
  input: string,
  runner: string[],
  anchor: string | undefined,
  runs: number,
  dir: string,
): boolean {
  const mb = statSync(input).size / 1e6;
  const ourOut = join(dir, 'ours.folded');
  const perlOut = join(dir, 'perl.folded');
  const ours: RunResult[] = [];
  const perl: RunResult[] = [];
  const loadBefore = load();
  for (let i = 0; i < runs; i++) {
    ours.push(runOnce([...runner, input], ourOut));
    if (anchor) perl.push(runOnce(['perl', anchor, input], perlOut));
  }
  const o = medianResult(ours);
  console.log(
    `\n[${name}] ${mb.toFixed(1)} MB, ${runs} interleaved runs, load before ${loadBefore}, after ${load()}`,
  );
  console.log(`  autoprof collapse:     ${fmt(o, mb)}`);
  if (!anchor) {
    console.log(
      '  anchor unavailable: stackcollapse-perf.pl not found (set STACKCOLLAPSE_PERF_PL; it is CDDL, so not in this repo)',
    );
    return true;
  }
  const p = medianResult(perl);
  const identical = readFileSync(perlOut).equals(readFileSync(ourOut));
  console.log(`  stackcollapse-perf.pl: ${fmt(p, mb)}`);
  console.log(`  outputs identical: ${identical ? 'yes' : 'NO'}`);
  console.log(
    `  ratio (perl / autoprof): wall ${(p.wallSeconds / o.wallSeconds).toFixed(1)}x, cpu ${(p.cpuSeconds / o.cpuSeconds).toFixed(1)}x; ` +
      `peak RSS autoprof ${(o.maxRssKb / 1024).toFixed(0)} MB vs perl ${(p.maxRssKb / 1024).toFixed(0)} MB`,
  );
  return identical;
}

function main(): void {
  const copies = argValue('--copies', 40);
  const runs = argValue('--runs', 3);
  if (!existsSync(TIME_BIN)) {
    console.log(`SKIPPED: ${TIME_BIN} is absent (apt-get install time)`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'autoprof-collapse-bench-'));
  try {
    // The built CLI is what users run; under tsx the start-up alone costs most of a second.
    const runner = existsSync(repoPath('dist/cli/main.js'))
      ? ['node', repoPath('bin/autoprof.js'), 'collapse']
      : ['node', '--import', 'tsx', repoPath('bench/collapse-runner.ts')];
    console.log(
      `measuring: ${runner.join(' ')}${runner.length === 3 ? '' : ' (no build: run npm run build first)'}`,
    );
    const anchor = findAnchor();
    let ok = true;

    const diverse = diverseInput();
    if ('skip' in diverse) console.log(`\n[diverse] SKIPPED: ${diverse.skip}`);
    else ok = compareRow('diverse: tsc perf script', diverse.path, runner, anchor, runs, dir) && ok;

    const source = corpusPath('flamegraph/example-perf-stacks.txt.gz');
    if (!existsSync(source)) {
      console.log(`\n[repeated] SKIPPED: ${source} is absent (set AUTOPROF_CORPORA to the shared corpora)`);
    } else {
      const body = gunzipSync(readFileSync(source));
      const repeated = join(dir, `perf-${copies}x.txt`);
      writeCopies(repeated, body, copies);
      ok = compareRow(`repeated: example-perf-stacks x ${copies}`, repeated, runner, anchor, runs, dir) && ok;
      rmSync(repeated);
      console.log('\n[peak RSS by input size, repeated input, one run each]');
      for (const n of [1, 10]) {
        const input = join(dir, `perf-${n}x.txt`);
        writeCopies(input, body, n);
        const r = runOnce([...runner, input], join(dir, 'ours.folded'));
        console.log(
          `  ${n}x (${(statSync(input).size / 1e6).toFixed(1)} MB): ${fmt(r, statSync(input).size / 1e6)}`,
        );
        rmSync(input);
      }
    }
    if (!ok) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
