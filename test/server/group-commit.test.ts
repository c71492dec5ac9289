import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildServer } from '../../src/server/app.js';
import { openDuckDbStore } from '../../src/server/store/duckdb.js';
import { StoreBusyError } from '../../src/server/store/store-busy.js';
import type { ProfileWrite } from '../../src/server/store/types.js';
import { nowSeconds, renderNames } from './harness.js';

const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const root = mkdtempSync(join(tmpdir(), 'autoprof-group-commit-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function one(i: number): ProfileWrite {
  return {
    labels: { __profile_type__: CPU, service_name: `svc${i % 4}`, pod: `p${i % 16}` },
    timeNanos: 1_700_000_000e9 + i * 1e9,
    durationNanos: 10e9,
    stacks: [['main', 'work', `f${i}`]],
    values: [1],
  };
}

test('concurrent writes share commits and every one lands', async () => {
  const store = await openDuckDbStore({ dir: join(root, `s${++n}`) });
  try {
    await Promise.all(Array.from({ length: 400 }, (_, i) => store.write('t1', [one(i)])));
    const { commits, queuedProfiles } = store.groupCommitStats();
    assert.ok(commits <= 40, `400 concurrent writes took ${commits} commits`);
    assert.equal(queuedProfiles, 0);
    const stats = await store.stats();
    assert.equal(stats.profiles, 400);
    assert.equal(stats.series, 16);
  } finally {
    await store.close();
  }
});

test('a bad write fails alone; its batch neighbours land', async () => {
  const store = await openDuckDbStore({ dir: join(root, `s${++n}`), lingerMs: 20 });
  try {
    const bad = { ...one(1), labels: { service_name: 'x' } };
    const results = await Promise.allSettled([
      store.write('t1', [one(1)]),
      store.write('t1', [bad]),
      store.write('t1', [one(2)]),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.equal((await store.stats()).profiles, 2);
  } finally {
    await store.close();
  }
});

test('a full queue refuses writes with StoreBusyError; close commits what was queued', async () => {
  const store = await openDuckDbStore({ dir: join(root, `s${++n}`), lingerMs: 50, maxQueuedProfiles: 10 });
  const results = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => store.write('t1', [one(i)])));
  const busy = results.filter((r) => r.status === 'rejected');
  assert.equal(busy.length, 20);
  for (const r of busy) assert.ok((r as PromiseRejectedResult).reason instanceof StoreBusyError);
  assert.equal(store.groupCommitStats().rejected, 20);
  // Writes queued when close is called are committed before it returns.
  const late = store.write('t1', [one(100)]);
  await store.close();
  await late;
  const again = await openDuckDbStore({ dir: join(root, `s${n}`) });
  try {
    assert.equal((await again.stats()).profiles, 11);
  } finally {
    await again.close();
  }
});

test('ingest answers a full queue with 503 and Retry-After; acknowledged profiles are stored', async () => {
  const store = await openDuckDbStore({ dir: join(root, `s${++n}`), lingerMs: 100, maxQueuedProfiles: 4 });
  const app = await buildServer({ store });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  try {
    const now = nowSeconds();
    const answers = await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const r = await fetch(`${url}/ingest?name=busy.cpu&from=${now - 10}&until=${now}`, {
          method: 'POST',
          body: `main;req_${i} 1\n`,
        });
        return { i, status: r.status, retryAfter: r.headers.get('retry-after') };
      }),
    );
    const ok = answers.filter((a) => a.status === 200);
    const busy = answers.filter((a) => a.status === 503);
    assert.equal(ok.length + busy.length, 24, JSON.stringify(answers));
    assert.ok(busy.length > 0, 'no request was refused');
    for (const b of busy) assert.ok(Number(b.retryAfter) >= 1);
    const r = await fetch(`${url}/pyroscope/render?query=busy.cpu&from=${now - 60}&until=${now + 60}`);
    const names = renderNames((await r.json()) as { flamebearer: { names: string[]; levels: number[][] } });
    for (const a of ok) assert.ok(names.has(`req_${a.i}`), `acknowledged req_${a.i} missing`);
    for (const b of busy) assert.ok(!names.has(`req_${b.i}`), `refused req_${b.i} was stored`);
  } finally {
    await app.close();
    await store.close();
  }
});
