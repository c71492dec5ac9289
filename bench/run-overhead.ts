/**
 * run-overhead: what `autoprof run` with its default collectors costs a CPU-bound target, for a
 * Node, a Python and a native program, plus cProfile's cost on the Python one.
 *
 * The targets time themselves (elapsed_ms=N on stdout), so autoprof's start-up and its
 * post-processing do not count: only what the collectors add while the program runs. Bare and
 * profiled runs are interleaved (machines here are noisy) and the medians of --runs (default 5)
 * are compared. Anchors measured on these machines: node --cpu-prof at 1 kHz added about 10% to
 * a JSON-heavy loop, python -m cProfile about 70%. Goal: at most 3% for the default collectors.
 *
 * Usage: node --import tsx bench/run-overhead.ts [--runs 5]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;
const work = mkdtempSync(join(tmpdir(), 'autoprof-overhead-'));

// The built CLI is what users run; fall back to the sources under tsx.
const cli = existsSync(here('../dist/cli/main.js'))
  ? [process.execPath, here('../bin/autoprof.js')]
  : [process.execPath, '--import', 'tsx', here('../test/cli-entry.ts')];

interface Target {
  name: string;
  argv: string[];
  collectors?: string;
}

function elapsedOf(stdout: string, what: string): number {
  const m = /elapsed_ms=([\d.]+)/.exec(stdout);
  if (!m) throw new Error(`${what}: no elapsed_ms in output: ${stdout.slice(0, 200)}`);
  return Number(m[1]);
}

function bare(t: Target): number {
  const r = spawnSync(t.argv[0], t.argv.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${t.name} bare failed: ${r.stderr}`);
  return elapsedOf(r.stdout, `${t.name} bare`);
}

function profiled(t: Target, i: number): number {
  const out = join(work, `${t.name}-${i}`);
  const args = [
    'run',
    '--out',
    out,
    ...(t.collectors ? ['--collectors', t.collectors] : []),
    '--',
    ...t.argv,
  ];
  const r = spawnSync(cli[0], [...cli.slice(1), ...args], { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`${t.name} under autoprof failed (${r.status}): ${r.stderr.slice(-400)}`);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  const stdout = readFileSync(join(out, manifest.output.stdout.path), 'utf8');
  const collectors = manifest.collectors
    .map((c: { name: string; status: string }) => `${c.name}:${c.status}`)
    .join(',');
  rmSync(out, { recursive: true, force: true });
  lastCollectors.set(t.name, collectors);
  return elapsedOf(stdout, `${t.name} profiled`);
}

const lastCollectors = new Map<string, string>();

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function main(): void {
  const nativeBin = join(work, 'cpu_bound');
  execFileSync('gcc', ['-O2', '-fno-omit-frame-pointer', '-o', nativeBin, here('./targets/cpu_bound.c')]);
  const targets: Target[] = [
    { name: 'node', argv: [process.execPath, here('./targets/cpu-bound.mjs')] },
    { name: 'python', argv: ['python3', here('./targets/cpu_bound.py')] },
    { name: 'native', argv: [nativeBin] },
    {
      name: 'python-cprofile',
      argv: ['python3', here('./targets/cpu_bound.py')],
      collectors: 'cprofile,system',
    },
  ];
  console.log(`runner: ${cli.slice(1).join(' ')}; ${runs} interleaved runs each; target-timed elapsed ms`);
  for (const t of targets) {
    const b: number[] = [];
    const p: number[] = [];
    for (let i = 0; i < runs; i++) {
      b.push(bare(t));
      p.push(profiled(t, i));
    }
    const mb = median(b);
    const mp = median(p);
    const overhead = ((mp - mb) / mb) * 100;
    console.log(
      `${t.name.padEnd(16)} bare ${mb.toFixed(1)} ms, profiled ${mp.toFixed(1)} ms, ratio ${(mp / mb).toFixed(3)} (${overhead >= 0 ? '+' : ''}${overhead.toFixed(1)}%) collectors ${lastCollectors.get(t.name)}`,
    );
  }
  rmSync(work, { recursive: true, force: true });
}

main();
