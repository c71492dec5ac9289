/**
 * collapse-throughput: `autoprof collapse` against FlameGraph's stackcollapse-perf.pl on a
 * perf script of >= 100 MB (FlameGraph's example-perf-stacks.txt.gz, decompressed, repeated
 * 40 times), plus 1x and 10x copies to show that peak RSS does not grow with input size.
 *
 * Each measurement is the median of 3 runs of a fresh process (the built CLI, or collapse-runner.ts under tsx
 * so start-up and TypeScript loading are included; the empty-input run shows that fixed cost).
 * Wall time is what a user waits; CPU time (user+sys) is printed too because it is stable
 * on a loaded machine. Peak RSS comes from /usr/bin/time when present, else from the child.
 *
 * Anchor: stackcollapse-perf.pl is CDDL, so it is not in this repository. Point
 * STACKCOLLAPSE_PERF_PL at a copy (or put it on PATH); the bench checks that both outputs are
 * byte-identical before printing the ratio, and prints "anchor unavailable" otherwise.
 *
 * Usage: node --import tsx bench/collapse-throughput.ts [--copies 40] [--runs 3]
 */
import { spawnSync } from 'node:child_process';
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { corpusPath, repoPath } from '../test/corpora.js';

interface RunResult {
  wallSeconds: number;
  cpuSeconds: number;
  maxRssKb: number;
}

const TIME_BIN = '/usr/bin/time';

function argValue(flag: string, fallback: number): number {
  const i = process.argv.indexOf(flag);
  const n = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** runOnce spawns one command with stdout to a file and measures wall, CPU and peak RSS. */
function runOnce(argv: string[], outFile: string, env: NodeJS.ProcessEnv = process.env): RunResult {
  const useTime = existsSync(TIME_BIN);
  const cmd = useTime ? TIME_BIN : argv[0];
  const args = useTime ? ['-f', 'bench: %e %U %S %M', ...argv] : argv.slice(1);
  const out = openSync(outFile, 'w');
  const started = process.hrtime.bigint();
  let res: ReturnType<typeof spawnSync>;
  try {
    res = spawnSync(cmd, args, { env, stdio: ['ignore', out, 'pipe'], maxBuffer: 64 << 20 });
  } finally {
    closeSync(out);
  }
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const stderr = (res.stderr as Buffer).toString('utf8');
  if (res.status !== 0) throw new Error(`${argv.join(' ')} failed (${res.status}): ${stderr.slice(-500)}`);
  const timed = /bench: ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
  if (timed) {
    return { wallSeconds: wall, cpuSeconds: Number(timed[2]) + Number(timed[3]), maxRssKb: Number(timed[4]) };
  }
  const rss = /maxrss_kb=(\d+)/.exec(stderr);
  return { wallSeconds: wall, cpuSeconds: Number.NaN, maxRssKb: rss ? Number(rss[1]) : Number.NaN };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function measure(argv: string[], outFile: string, runs: number, env?: NodeJS.ProcessEnv): RunResult {
  const results: RunResult[] = [];
  for (let i = 0; i < runs; i++) results.push(runOnce(argv, outFile, env));
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
    try {
      accessSync(candidate, constants.R_OK);
      return candidate;
    } catch {
      // not here
    }
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

function fmt(r: RunResult, mb: number): string {
  const rate = (s: number) => (Number.isFinite(s) && s > 0 ? `${(mb / s).toFixed(1)} MB/s` : 'n/a');
  return `wall ${r.wallSeconds.toFixed(2)} s (${rate(r.wallSeconds)}), cpu ${r.cpuSeconds.toFixed(2)} s (${rate(r.cpuSeconds)}), peak RSS ${(r.maxRssKb / 1024).toFixed(1)} MB`;
}

function main(): void {
  const copies = argValue('--copies', 40);
  const runs = argValue('--runs', 3);
  const source = corpusPath('flamegraph/example-perf-stacks.txt.gz');
  if (!existsSync(source)) {
    console.log(`SKIPPED: ${source} is absent (set AUTOPROF_CORPORA to the shared corpora)`);
    return;
  }
  const body = gunzipSync(readFileSync(source));
  const dir = mkdtempSync(join(tmpdir(), 'autoprof-collapse-bench-'));
  try {
    // The built CLI is what users run; under tsx the start-up alone costs most of a second.
    const built = repoPath('bin/autoprof.js');
    const runner = existsSync(repoPath('dist/cli/main.js'))
      ? ['node', built, 'collapse']
      : ['node', '--import', 'tsx', repoPath('bench/collapse-runner.ts')];
    console.log(
      `measuring: ${runner.join(' ')}${runner.length === 3 ? '' : ' (no build: run npm run build first)'}`,
    );
    const env = { ...process.env, AUTOPROF_REPORT_RSS: '1' };
    const ourOut = join(dir, 'ours.folded');
    const empty = join(dir, 'empty.txt');
    writeCopies(empty, body, 0);
    const base = measure([...runner, empty], ourOut, runs, env);
    console.log(`start-up (empty input): ${fmt(base, 0).replace(/ \(n\/a\)/g, '')}`);

    const sizes = [...new Set([1, 10, copies])].sort((a, b) => a - b);
    const results = new Map<number, RunResult>();
    for (const n of sizes) {
      const input = join(dir, `perf-${n}x.txt`);
      writeCopies(input, body, n);
      const mb = statSync(input).size / 1e6;
      const r = measure([...runner, input], ourOut, runs, env);
      results.set(n, r);
      console.log(`autoprof collapse ${n}x (${mb.toFixed(1)} MB): ${fmt(r, mb)}`);
      if (n !== copies) rmSync(input);
    }

    const bigInput = join(dir, `perf-${copies}x.txt`);
    const mb = statSync(bigInput).size / 1e6;
    const ours = results.get(copies) as RunResult;
    const anchor = findAnchor();
    if (!anchor) {
      console.log(
        'anchor unavailable: stackcollapse-perf.pl not found (set STACKCOLLAPSE_PERF_PL or put it on PATH; it is CDDL, so not in this repo)',
      );
      return;
    }
    const perlOut = join(dir, 'perl.folded');
    const perl = measure(['perl', anchor, bigInput], perlOut, runs);
    const identical = readFileSync(perlOut).equals(readFileSync(ourOut));
    console.log(`stackcollapse-perf.pl ${copies}x (${mb.toFixed(1)} MB): ${fmt(perl, mb)}`);
    console.log(`outputs identical: ${identical ? 'yes' : 'NO'}`);
    if (!identical) process.exitCode = 1;
    console.log(
      `ratio (perl / autoprof): wall ${(perl.wallSeconds / ours.wallSeconds).toFixed(1)}x, cpu ${(perl.cpuSeconds / ours.cpuSeconds).toFixed(1)}x; ` +
        `excluding autoprof start-up: wall ${(perl.wallSeconds / (ours.wallSeconds - base.wallSeconds)).toFixed(1)}x, cpu ${(perl.cpuSeconds / (ours.cpuSeconds - base.cpuSeconds)).toFixed(1)}x`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
