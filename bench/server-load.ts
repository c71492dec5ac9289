/**
 * server-load: sustained ingest throughput of `autoprof server`, measured from a separate process
 * the way a fleet of agents sees it. The server runs as its own process (the built CLI when dist/ is
 * newer than the sources, else the sources through tsx) on loopback with a fresh data directory;
 * this process pushes pprof profiles as multipart forms to /ingest, `--concurrency` in flight,
 * for `--seconds`, then prints:
 *
 *   profiles/s and MB/s acknowledged (200), p50/p99 acknowledgement latency, 503s (back-pressure),
 *   stored bytes per profile after a graceful stop (checkpointed), the render latency of the whole
 *   loaded window, and bench/server-storage.ts's 24 h figures (skip with --no-storage-bench).
 *
 * The bodies come from a real profile (default: pprof's testdata large.cpu from the corpora, a
 * 4-minute Go CPU profile with 20,000 stacks; else a --cpu-prof recording of
 * bench/targets/cpu-bound.mjs). The service runs `--stacks` of its stacks; each of 64 variants
 * holds `--samples` of those (about what a 10-s window holds) with values rescaled, and they are
 * sent with 32 pods x 2 regions of labels, as a fleet of one service would.
 *
 *   node --import tsx bench/server-load.ts [--seconds 20] [--concurrency 16] [--profile FILE] [--samples 300] [--stacks 1000]
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromeCpuprofileImporter } from '../src/formats/chrome-cpuprofile.js';
import { exportToPprof, importPprof } from '../src/formats/pprof.js';
import type { Profile } from '../src/model/profile.js';
import { compactProfile } from '../src/model/prune.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '16' },
    samples: { type: 'string', default: '300' },
    stacks: { type: 'string', default: '1000' },
    profile: { type: 'string' },
    'no-storage-bench': { type: 'boolean', default: false },
  },
});
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const SAMPLES = Number(values.samples);
const POOL = Number(values.stacks);
const VARIANTS = 64;
const CPU_QUERY = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="loadtest"}';

// Deterministic pseudo-random numbers so runs compare.
let seed = 7;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};

function baseProfile(): { profile: Profile; source: string } {
  const corpora = process.env.AUTOPROF_CORPORA ?? join(ROOT, '..', 'shared', 'corpora');
  const path = values.profile ?? join(corpora, 'pprof/internal/proftest/testdata/large.cpu');
  if (existsSync(path)) return { profile: importPprof(readFileSync(path), path), source: path };
  // No corpora: record a real Node CPU profile instead.
  const dir = mkdtempSync(join(tmpdir(), 'autoprof-load-prof-'));
  try {
    execFileSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, 'bench/targets/cpu-bound.mjs'], {
      cwd: ROOT,
      stdio: 'ignore',
    });
    const file = join(dir, readdirSync(dir)[0]);
    const [profile] = chromeCpuprofileImporter.importProfiles(readFileSync(file), { source: file });
    return { profile, source: 'node --cpu-prof bench/targets/cpu-bound.mjs' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * variant draws a window's worth of samples from the service's pool and rescales them, so every
 * body and its totals differ while stacks recur, as they do in a steady service.
 */
function variant(pool: Profile): Uint8Array {
  const keep = Math.min(SAMPLES, pool.samples.length) / pool.samples.length;
  const samples = pool.samples
    .filter(() => rand() < keep)
    .map((s) => ({ ...s, values: s.values.map((v) => Math.max(1, Math.round(v * (0.5 + rand())))) }));
  // compactProfile drops the locations and functions no kept sample uses: a real 10-s profile would not carry them.
  // The pprof's own time wins over from/until; stamp it now so the render window below finds it.
  return exportToPprof(
    compactProfile({ ...pool, samples, timeNanos: Date.now() * 1e6, durationNanos: 10e9 }),
  );
}

/** stackPool keeps `n` samples (distinct stacks) of the base profile: the stacks the service runs. */
function stackPool(base: Profile, n: number): Profile {
  const keep = Math.min(n, base.samples.length) / base.samples.length;
  return compactProfile({ ...base, samples: base.samples.filter(() => rand() < keep) });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) newest = Math.max(newest, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return newest;
}

/** startServer spawns `autoprof server` and resolves with its URL once it listens. */
function startServer(dataDir: string): Promise<{ child: ChildProcess; url: string; how: string }> {
  const built = join(ROOT, 'dist/cli/main.js');
  const fresh = existsSync(built) && statSync(built).mtimeMs >= newestMtime(join(ROOT, 'src/server')) - 1000;
  const args = fresh
    ? [join(ROOT, 'bin/autoprof.js'), 'server']
    : ['--import', 'tsx', join(ROOT, 'test/server/fixtures/server-entry.ts')];
  const how = fresh ? 'node bin/autoprof.js server' : 'sources through tsx (dist/ missing or stale)';
  return new Promise((resolve, reject) => {
    // AUTOPROF_LOAD_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p") profiles the server under load.
    const nodeArgs = (process.env.AUTOPROF_LOAD_SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
    const child = spawn(
      process.execPath,
      [...nodeArgs, ...args, '--data', dataDir, '--listen', '127.0.0.1:0'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(stderr);
      if (m) resolve({ child, url: m[1], how });
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const { profile: base, source } = baseProfile();
const pool = stackPool(base, POOL);
const bodies = Array.from({ length: VARIANTS }, () => variant(pool));
const meanBody = bodies.reduce((s, b) => s + b.length, 0) / bodies.length;
console.log(
  `profile: ${source}: ${base.samples.length} samples, a pool of ${pool.samples.length} stacks, ${VARIANTS} variants of ~${Math.min(SAMPLES, pool.samples.length)}, mean ${(meanBody / 1024).toFixed(1)} KiB gzipped`,
);

const dataDir = mkdtempSync(join(tmpdir(), 'autoprof-load-'));
const server = await startServer(dataDir);
console.log(`server: ${server.how} at ${server.url}`);
try {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let bytes = 0;
  let next = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  const firstSecond = Math.floor(Date.now() / 1000);
  const worker = async () => {
    while (performance.now() < deadline) {
      const i = next++;
      const body = bodies[i % VARIANTS];
      const until = Math.floor(Date.now() / 1000);
      const name = `loadtest{pod=pod-${i % 32},region=r${i % 2}}`;
      const form = new FormData();
      form.append('profile', new Blob([body as Uint8Array<ArrayBuffer>]), 'profile.pprof');
      const t = performance.now();
      try {
        const r = await fetch(
          `${server.url}/ingest?name=${encodeURIComponent(name)}&from=${until - 10}&until=${until}&spyName=load`,
          { method: 'POST', body: form },
        );
        await r.arrayBuffer();
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.status === 200) {
          latencies.push(performance.now() - t);
          bytes += body.length;
        } else {
          // Back-pressure: back off as an agent would, briefly, so the loop never spins.
          await new Promise((res) => setTimeout(res, 50));
        }
      } catch {
        errors++;
        await new Promise((res) => setTimeout(res, 50));
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const acked = latencies.length;
  console.log(
    `load: ${SECONDS}s, ${CONCURRENCY} in flight: ${(acked / elapsed).toFixed(0)} profiles/s, ` +
      `${(bytes / elapsed / 1e6).toFixed(2)} MB/s acknowledged; ` +
      `ack latency p50=${quantile(latencies, 0.5).toFixed(1)}ms p99=${quantile(latencies, 0.99).toFixed(1)}ms; ` +
      `statuses ${JSON.stringify(Object.fromEntries(statuses))}, network errors ${errors}`,
  );

  // Render the whole loaded window, as a dashboard would right after.
  const renderUrl = `${server.url}/pyroscope/render?query=${encodeURIComponent(CPU_QUERY)}&from=${firstSecond - 20}&until=${Math.floor(Date.now() / 1000) + 1}`;
  const times: number[] = [];
  let ticks = 0;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const r = await fetch(renderUrl);
    ticks = ((await r.json()) as { flamebearer: { numTicks: number } }).flamebearer.numTicks;
    times.push(performance.now() - t);
  }
  const warm = times.slice(1).sort((a, b) => a - b);
  console.log(
    `render ${acked} profiles (numTicks ${ticks}): cold_ms=${times[0].toFixed(0)} warm_median_ms=${warm[Math.floor(warm.length / 2)].toFixed(0)}`,
  );

  // A graceful stop checkpoints the WAL into the file, so the size is what the data costs.
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));
  const stored = statSync(join(dataDir, 'profiles.duckdb')).size;
  console.log(
    `stored: ${stored} bytes for ${acked} profiles = ${(stored / Math.max(1, acked)).toFixed(0)} bytes/profile`,
  );
} finally {
  if (server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill('SIGKILL');
    await new Promise((r) => server.child.once('exit', r));
  }
  rmSync(dataDir, { recursive: true, force: true });
}

if (!values['no-storage-bench']) {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/server-storage.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  for (const line of out.trim().split('\n')) console.log(`server-storage: ${line}`);
}
