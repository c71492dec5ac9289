/**
 * run-overhead: what `autoprof run` with its default collectors adds to a CPU-bound target's
 * wall time, for a Node, a Python, a JVM and a native program.
 *
 * The target is timed FROM OUTSIDE: bare, from spawn to exit as seen by this process; under
 * autoprof, the runner's own measurement of the target process, from its release to exec
 * (collectors attach while it waits) to its exit (manifest.json wallMs), so autoprof's start-up
 * and post-processing are not counted but everything the collectors do while it runs is.
 * Bare and profiled runs alternate (machines here are noisy) and the medians of --runs (at
 * least 9) are compared. It also prints the collectors' own CPU and peak RSS (manifest costs).
 * Goal: at most 3% added wall time for every runtime, at most 1% for Node and native.
 *
 * Run it under the timing lock: flock /tmp/autoprof-timing.lock node --import tsx bench/run-overhead.ts [--runs 9] [--only node,native]
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const flag = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const runs = Math.max(9, Number(flag('--runs')) || 9);
const only = flag('--only')?.split(',');
const work = mkdtempSync(join(tmpdir(), 'autoprof-overhead-'));

// The built CLI is what users run; fall back to the sources under tsx.
const cli = existsSync(here('../dist/cli/main.js'))
  ? [process.execPath, here('../bin/autoprof.js')]
  : [process.execPath, '--import', 'tsx', here('../test/cli-entry.ts')];

interface Target {
  name: string;
  argv: string[];
}

interface CollectorCost {
  name: string;
  status: string;
  cost?: { cpuS: number; peakRssMb?: number; where: string };
}

/**
 * spawnAndWait times a process from spawn to exit. `detached` gives it its own session, as the
 * runner gives the target: with autogroup scheduling (Linux default) a session is a scheduling
 * group, so bare and profiled targets must both have one to be compared on a busy machine.
 */
function spawnAndWait(argv: string[], detached = false): Promise<{ code: number | null; wallMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(argv[0], argv.slice(1), { stdio: 'ignore', detached });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, wallMs: Number(process.hrtime.bigint() - t0) / 1e6 }));
  });
}

async function bare(t: Target): Promise<number> {
  const r = await spawnAndWait(t.argv, true);
  if (r.code !== 0) throw new Error(`${t.name} bare exited with ${r.code}`);
  return r.wallMs;
}

async function profiled(t: Target, i: number): Promise<{ wallMs: number; costs: CollectorCost[] }> {
  const out = join(work, `${t.name}-${i}`);
  const r = await spawnAndWait([...cli, 'run', '--out', out, '--', ...t.argv]);
  if (r.code !== 0) throw new Error(`${t.name} under autoprof exited with ${r.code}`);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  rmSync(out, { recursive: true, force: true });
  return { wallMs: manifest.wallMs, costs: manifest.collectors };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function costLine(all: CollectorCost[][]): string {
  const names = [...new Set(all.flat().map((c) => c.name))];
  return names
    .map((name) => {
      const costs = all.flatMap((run) => run.filter((c) => c.name === name && c.cost).map((c) => c.cost!));
      if (costs.length === 0) return `${name}: no cost reported`;
      const cpu = median(costs.map((c) => c.cpuS));
      const rss = costs.some((c) => c.peakRssMb !== undefined)
        ? `, peak RSS ${median(costs.map((c) => c.peakRssMb ?? 0)).toFixed(1)} MB`
        : '';
      return `${name} ${cpu.toFixed(3)} s CPU${rss} (${costs[0].where})`;
    })
    .join('; ');
}

async function main(): Promise<void> {
  const nativeBin = join(work, 'cpu_bound');
  execFileSync('gcc', ['-O2', '-fno-omit-frame-pointer', '-o', nativeBin, here('./targets/cpu_bound.c')]);
  execFileSync('javac', ['-d', work, here('./targets/CpuBound.java')]);
  const targets: Target[] = [
    { name: 'node', argv: [process.execPath, here('./targets/cpu-bound.mjs')] },
    { name: 'python', argv: ['python3', here('./targets/cpu_bound.py')] },
    { name: 'jvm', argv: ['java', '-cp', work, 'CpuBound'] },
    { name: 'native', argv: [nativeBin] },
  ].filter((t) => !only || only.includes(t.name));
  console.log(
    `runner: ${cli.slice(1).join(' ')}; ${runs} interleaved runs each; target wall time measured from outside; load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
  );
  for (const t of targets) {
    const b: number[] = [];
    const p: number[] = [];
    const costs: CollectorCost[][] = [];
    for (let i = 0; i < runs; i++) {
      b.push(await bare(t));
      const r = await profiled(t, i);
      p.push(r.wallMs);
      costs.push(r.costs);
    }
    const mb = median(b);
    const mp = median(p);
    const added = ((mp - mb) / mb) * 100;
    console.log(
      `${t.name.padEnd(7)} bare ${mb.toFixed(1)} ms, profiled ${mp.toFixed(1)} ms, ratio ${(mp / mb).toFixed(3)} (${added >= 0 ? '+' : ''}${added.toFixed(1)}%); collectors: ${costLine(costs)}`,
    );
  }
  console.log(`load after: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  rmSync(work, { recursive: true, force: true });
}

await main();
