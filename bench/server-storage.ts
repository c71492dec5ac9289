/**
 * server-storage: a steady service profiled every 10 s for 24 h (8,640 profiles), written to the
 * DuckDB store, then rendered over the whole day through the real HTTP server.
 *
 * Prints stored bytes per profile (goal <= 2 KB) and warm 24 h render latency (goal <= 300 ms).
 * The service has ~300 distinct stacks of depth 8-20; each 10-s profile samples ~150 of them with
 * counts that drift, as a steady CPU profile does.
 *
 *   node --import tsx bench/server-storage.ts [--profiles 8640] [--stacks 300]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_TENANT } from '../src/server/access.js';
import { buildServer } from '../src/server/app.js';
import { openDuckDbStore } from '../src/server/store/duckdb.js';
import type { ProfileWrite } from '../src/server/store/types.js';

const { values } = parseArgs({
  options: { profiles: { type: 'string', default: '8640' }, stacks: { type: 'string', default: '300' } },
});
const PROFILES = Number(values.profiles);
const STACKS = Number(values.stacks);
const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const T0 = 1_700_000_000 * 1e9;

// Deterministic pseudo-random numbers so runs compare.
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

function profileAt(i: number): ProfileWrite {
  const chosen: string[][] = [];
  const vals: number[] = [];
  for (let s = 0; s < STACKS; s++) {
    if (rand() < 0.5) continue;
    chosen.push(stacks[s]);
    vals.push((1 + Math.floor(rand() * 20 * (1 + (s % 5)))) * 10_000_000);
  }
  return {
    labels: { __profile_type__: CPU, service_name: 'steady', pod: 'p1' },
    timeNanos: T0 + i * 10e9,
    durationNanos: 10e9,
    stacks: chosen,
    values: vals,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'autoprof-bench-'));
try {
  const store = await openDuckDbStore({ dir });
  const t = performance.now();
  const batch = 360;
  for (let i = 0; i < PROFILES; i += batch) {
    const writes: ProfileWrite[] = [];
    for (let j = i; j < Math.min(PROFILES, i + batch); j++) writes.push(profileAt(j));
    await store.write(DEFAULT_TENANT, writes);
  }
  const writeMs = performance.now() - t;
  await store.checkpoint();
  const stats = await store.stats();
  console.log(`profiles=${stats.profiles} samples=${stats.samples} write_s=${(writeMs / 1000).toFixed(1)}`);
  console.log(
    `bytes_on_disk=${stats.bytesOnDisk} bytes_per_profile=${(stats.bytesOnDisk / stats.profiles).toFixed(0)} (goal <= 2048)`,
  );

  const app = await buildServer({ store });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}/pyroscope/render?query=steady.cpu&from=${T0 / 1e9}&until=${T0 / 1e9 + 86400}`;
  const times: number[] = [];
  for (let i = 0; i < 6; i++) {
    const s = performance.now();
    const r = await fetch(url);
    const body = (await r.json()) as { flamebearer: { numTicks: number } };
    times.push(performance.now() - s);
    if (i === 0) console.log(`render numTicks=${body.flamebearer.numTicks}`);
  }
  const warm = times.slice(1).sort((a, b) => a - b);
  console.log(
    `render_24h cold_ms=${times[0].toFixed(0)} warm_median_ms=${warm[Math.floor(warm.length / 2)].toFixed(0)} (goal <= 300)`,
  );
  await app.close();
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
