/**
 * server-storage-clickhouse: the server-storage workload (a steady service profiled every 10 s
 * for 24 h, 8,640 profiles of ~150 of 300 stacks) written to both backends, each then rendered
 * over the whole day through the real HTTP server. Prints one column per backend:
 *
 *   bytes per profile     on disk after settling (DuckDB CHECKPOINT; ClickHouse OPTIMIZE FINAL)
 *   ingest profiles/s     writes of 360 profiles, awaited one after another (acknowledged)
 *   render 24 h cold/warm /pyroscope/render over the day, first and median of the next five
 *
 * ClickHouse comes from scripts/clickhouse.sh (started here if it is not running; stopped again
 * only if this run started it), or from --clickhouse URL.
 *
 *   node --import tsx bench/server-storage-clickhouse.ts [--profiles 8640] [--stacks 300] [--clickhouse URL]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_TENANT } from '../src/server/access.js';
import { buildServer } from '../src/server/app.js';
import { openClickHouseStore } from '../src/server/store/clickhouse.js';
import { openDuckDbStore } from '../src/server/store/duckdb.js';
import type { ProfileStore, ProfileWrite } from '../src/server/store/types.js';

const { values } = parseArgs({
  options: {
    profiles: { type: 'string', default: '8640' },
    stacks: { type: 'string', default: '300' },
    clickhouse: { type: 'string' },
  },
});
const PROFILES = Number(values.profiles);
const STACKS = Number(values.stacks);
const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const T0 = 1_700_000_000 * 1e9;

interface Result {
  bytesPerProfile: number;
  profilesPerSecond: number;
  renderColdMs: number;
  renderWarmMs: number;
  numTicks: number;
}

/** workload returns the same deterministic 24 h of profiles on every call (as bench/server-storage.ts). */
function workload(): ProfileWrite[] {
  let seed = 42;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const stacks: string[][] = [];
  for (let i = 0; i < STACKS; i++) {
    const depth = 8 + Math.floor(rand() * 13);
    const frames = ['main', 'http.serve', `handler_${i % 12}`];
    while (frames.length < depth) frames.push(`pkg${Math.floor(rand() * 40)}.fn${Math.floor(rand() * 25)}`);
    stacks.push(frames);
  }
  const out: ProfileWrite[] = [];
  for (let i = 0; i < PROFILES; i++) {
    const chosen: string[][] = [];
    const vals: number[] = [];
    for (let s = 0; s < STACKS; s++) {
      if (rand() < 0.5) continue;
      chosen.push(stacks[s]);
      vals.push((1 + Math.floor(rand() * 20 * (1 + (s % 5)))) * 10_000_000);
    }
    out.push({
      labels: { __profile_type__: CPU, service_name: 'steady', pod: 'p1' },
      timeNanos: T0 + i * 10e9,
      durationNanos: 10e9,
      stacks: chosen,
      values: vals,
    });
  }
  return out;
}

async function measure(store: ProfileStore, settle: () => Promise<void>): Promise<Result> {
  const writes = workload();
  const t = performance.now();
  const batch = 360;
  for (let i = 0; i < writes.length; i += batch)
    await store.write(DEFAULT_TENANT, writes.slice(i, i + batch));
  const seconds = (performance.now() - t) / 1000;
  await settle();
  const stats = await store.stats();
  const app = await buildServer({ store });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}/pyroscope/render?query=steady.cpu&from=${T0 / 1e9}&until=${T0 / 1e9 + 86400}`;
  const times: number[] = [];
  let numTicks = 0;
  for (let i = 0; i < 6; i++) {
    const s = performance.now();
    const body = (await (await fetch(url)).json()) as { flamebearer: { numTicks: number } };
    times.push(performance.now() - s);
    numTicks = body.flamebearer.numTicks;
  }
  await app.close();
  const warm = times.slice(1).sort((a, b) => a - b);
  return {
    bytesPerProfile: stats.bytesOnDisk / stats.profiles,
    profilesPerSecond: writes.length / seconds,
    renderColdMs: times[0],
    renderWarmMs: warm[Math.floor(warm.length / 2)],
    numTicks,
  };
}

const script = join(dirname(fileURLToPath(import.meta.url)), '../scripts/clickhouse.sh');
let startedHere = false;
let chUrl = values.clickhouse;
if (!chUrl) {
  const up = spawnSync('bash', [script, 'status'], { encoding: 'utf8' }).status === 0;
  if (!up) {
    const r = spawnSync('bash', [script, 'start'], { encoding: 'utf8', stdio: 'inherit' });
    if (r.status !== 0) throw new Error('scripts/clickhouse.sh start failed; pass --clickhouse URL');
    startedHere = true;
  }
  chUrl = 'clickhouse://autoprof:autoprof@127.0.0.1:18123';
}

const dir = mkdtempSync(join(tmpdir(), 'autoprof-bench-'));
const database = `autoprof_bench_${process.pid}`;
try {
  const duck = await openDuckDbStore({ dir });
  const d = await measure(duck, () => duck.checkpoint());
  await duck.close();

  // The benchmark writes to its own database on that server and drops it afterwards.
  const target = new URL(chUrl);
  target.pathname = `/${database}`;
  const ch = await openClickHouseStore(target.toString());
  const c = await measure(ch, () => ch.optimize());
  await ch.close();

  const row = (name: string, a: string, b: string) =>
    console.log(`${name.padEnd(24)}${a.padStart(18)}${b.padStart(18)}`);
  console.log(`${PROFILES} profiles of ${STACKS} stacks; ClickHouse ${ch.version.text}`);
  row('', 'duckdb', 'clickhouse');
  row('bytes per profile', d.bytesPerProfile.toFixed(0), c.bytesPerProfile.toFixed(0));
  row('ingest profiles/s', d.profilesPerSecond.toFixed(0), c.profilesPerSecond.toFixed(0));
  row('render 24 h cold ms', d.renderColdMs.toFixed(0), c.renderColdMs.toFixed(0));
  row('render 24 h warm ms', d.renderWarmMs.toFixed(0), c.renderWarmMs.toFixed(0));
  row('numTicks (must match)', String(d.numTicks), String(c.numTicks));
  if (d.numTicks !== c.numTicks) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
  const { createClient } = await import('@clickhouse/client');
  const { parseClickHouseUrl } = await import('../src/server/store/clickhouse-url.js');
  const o = parseClickHouseUrl(chUrl);
  const admin = createClient({ url: o.url, username: o.username, password: o.password });
  await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
  await admin.close();
  if (startedHere) spawnSync('bash', [script, 'stop'], { stdio: 'inherit' });
}
