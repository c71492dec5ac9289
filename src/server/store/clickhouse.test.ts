import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createClient } from '@clickhouse/client';
import { HttpError } from '../context.js';
import { type ClickHouseStore, openClickHouseStore } from './clickhouse.js';
import { parseClickHouseUrl } from './clickhouse-url.js';
import { sqlIdentifier, sqlString } from './sql-escape.js';
import { folded, runStoreContract } from './store-contract.js';
import type { ProfileWrite } from './types.js';

/**
 * The ClickHouse store against a real ClickHouse server (Debian's clickhouse-server, started by
 * scripts/clickhouse.sh on 127.0.0.1:18123 before the tests and stopped after). Without one
 * (no root to install it, or it does not start) every test here skips with the reason.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const script = join(root, 'scripts/clickhouse.sh');
const HTTP = `http://127.0.0.1:${process.env.AUTOPROF_CLICKHOUSE_HTTP_PORT ?? '18123'}`;
const BASE = `clickhouse://autoprof:autoprof@${HTTP.slice('http://'.length)}`;

function ch(command: 'start' | 'stop' | 'kill'): { ok: boolean; output: string } {
  const r = spawnSync('bash', [script, command], { encoding: 'utf8', timeout: 600_000 });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

// Started here rather than in before(): whether the suite runs or skips must be known when the
// tests are registered.
const started = ch('start');
const skip = started.ok
  ? false
  : `ClickHouse not available: ${started.output || 'scripts/clickhouse.sh start failed'}`;
if (skip) console.log(`# skipping ClickHouse store tests: ${skip}`);
const databases: string[] = [];
after(async () => {
  if (!started.ok) return;
  const admin = createClient({ url: HTTP, username: 'autoprof', password: 'autoprof' });
  for (const db of databases)
    await admin.command({ query: `DROP DATABASE IF EXISTS ${sqlIdentifier(db)}` }).catch(() => undefined);
  await admin.close();
  ch('stop');
});

let n = 0;
const fresh = () => {
  const db = `autoprof_test_${process.pid}_${++n}`;
  databases.push(db);
  return db;
};
const open = (db: string, query = '') =>
  openClickHouseStore(`${BASE}/${encodeURIComponent(db)}?flush_ms=5${query}`);

if (!skip) {
  runStoreContract({ name: 'clickhouse', open: (db) => open(db), freshNamespace: fresh });
}

const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const S = 1_000_000_000;
const T0 = 1_700_000_000 * S;
const all = { profileType: CPU, matchers: [], startNanos: 0, endNanos: T0 * 2 };

function write(i: number, labels: Record<string, string> = {}): ProfileWrite {
  return {
    labels: { __profile_type__: CPU, service_name: 'api', ...labels },
    timeNanos: T0 + i * S,
    durationNanos: S,
    stacks: [['main', `f${i % 7}`]],
    values: [1],
  };
}

async function waitFor(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('ClickHouse store specifics', { skip }, () => {
  test('string literals and identifiers survive the real server byte for byte', async () => {
    const client = createClient({ url: HTTP, username: 'autoprof', password: 'autoprof' });
    try {
      const nasty = [
        "it's",
        'back\\slash',
        "\\'",
        "\\\\'; DROP TABLE x; --",
        'tab\tnew\nline\rcr',
        'nul\u0000byte',
        '`tick`',
        'é€😀',
        '\b\f',
        '',
      ];
      for (const s of nasty) {
        const rs = await client.query({ query: `SELECT ${sqlString(s)} AS s`, format: 'JSONEachRow' });
        assert.deepEqual(await rs.json(), [{ s }], JSON.stringify(s));
      }
    } finally {
      await client.close();
    }
  });

  test('odd database names and label values with quotes, backslashes and newlines', async () => {
    const db = `autoprof test\`'\\${process.pid}`;
    databases.push(db);
    const store = await open(db);
    try {
      const odd = "o'ne\\two\nthree`";
      await store.write("ten'ant", [write(1, { pod: odd }), write(2, { pod: 'plain' })]);
      assert.deepEqual(await store.labelValues("ten'ant", 'pod', []), [odd, 'plain'].sort());
      const p = await store.mergeRange("ten'ant", {
        ...all,
        matchers: [{ name: 'pod', op: '=', value: odd }],
      });
      assert.deepEqual(folded(p), ['main;f1 1']);
      const re = await store.mergeRange("ten'ant", {
        ...all,
        matchers: [{ name: 'pod', op: '=~', value: "o'ne\\\\.*" }],
      });
      assert.deepEqual(folded(re), [], 'a regex is anchored; . does not cross the newline');
      const re2 = await store.mergeRange("ten'ant", {
        ...all,
        matchers: [{ name: 'pod', op: '=~', value: "o'ne\\\\two\\nthree`" }],
      });
      assert.deepEqual(folded(re2), ['main;f1 1']);
    } finally {
      await store.close();
    }
  });

  test('migrations are versioned and idempotent; the server version picks the DDL path', async () => {
    const db = fresh();
    const a = await open(db);
    await a.close();
    const b = await open(db);
    const version = b.version.text;
    await b.close();
    const client = createClient({ url: HTTP, username: 'autoprof', password: 'autoprof' });
    try {
      const rs = await client.query({
        query: `SELECT version, count() AS n FROM ${sqlIdentifier(db)}.schema_migrations GROUP BY version`,
        format: 'JSONEachRow',
      });
      assert.deepEqual(await rs.json(), [{ version: 1, n: '1' }]);
      const parts = await client.query({
        query: `SELECT partition_key FROM system.tables WHERE database = ${sqlString(db)} AND name = 'samples'`,
        format: 'JSONEachRow',
      });
      const [row] = (await parts.json()) as Array<{ partition_key?: string }>;
      if (row?.partition_key !== undefined) assert.match(row.partition_key, /toYYYYMMDD/);
      assert.match(version, /^\d+\.\d+/);
    } finally {
      await client.close();
    }
  });

  test('SIGKILL and restart of ClickHouse during ingest: every acknowledged write is stored once', async () => {
    const store = await open(fresh());
    let acknowledged = 0;
    let rejected = 0;
    let i = 0;
    const writer = async (stopAt: () => boolean) => {
      while (!stopAt()) {
        try {
          await store.write('t1', [write(i++)]);
          acknowledged++;
        } catch (err) {
          rejected++;
          assert.ok(err instanceof HttpError && err.status === 503, String(err));
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    };
    try {
      let phase = 0;
      const running = Promise.all([writer(() => phase === 3), writer(() => phase === 3)]);
      await waitFor(() => acknowledged >= 100, 20_000, '100 writes');
      assert.ok(ch('kill').ok, 'SIGKILL ClickHouse');
      phase = 1;
      await waitFor(() => store.health().state === 'buffering', 20_000, 'buffering state');
      const during = acknowledged;
      await waitFor(() => acknowledged >= during + 100, 20_000, 'writes accepted during the outage');
      assert.match(store.health().message, /unavailable/);
      assert.equal(store.health().ready, true);
      const restarted = ch('start');
      assert.ok(restarted.ok, restarted.output);
      phase = 2;
      await waitFor(() => store.health().state === 'ok', 30_000, 'recovery');
      const after = acknowledged;
      await waitFor(() => acknowledged >= after + 50, 20_000, 'writes after recovery');
      phase = 3;
      await running;
      await store.flushed();
      assert.equal(rejected, 0, 'the buffer never filled');
      const p = await store.mergeRange('t1', all);
      const total = p.samples.reduce((s, x) => s + x.values[0], 0);
      assert.equal(total, acknowledged, 'no acknowledged write lost, none stored twice');
      assert.equal((await store.stats()).profiles, acknowledged);
    } finally {
      ch('start');
      await store.close();
    }
  });

  test('a full buffer answers 503 while ClickHouse is down, and readiness says so', async () => {
    const store: ClickHouseStore = await open(fresh(), '&max_buffer_bytes=20000');
    try {
      await store.write('t1', [write(0)]);
      assert.ok(ch('kill').ok);
      let status = 0;
      for (let i = 1; i < 2000 && status === 0; i++) {
        try {
          await store.write('t1', [write(i)]);
        } catch (err) {
          status = err instanceof HttpError ? err.status : -1;
        }
      }
      assert.equal(status, 503);
      const h = store.health();
      assert.equal(h.state, 'buffering');
      assert.equal(h.ready, false);
      assert.ok(h.rejectedProfiles >= 1);
      assert.ok(ch('start').ok);
      await waitFor(
        () => store.health().state === 'ok' && store.health().bufferedBytes === 0,
        30_000,
        'drain',
      );
      assert.equal(store.health().ready, true);
    } finally {
      ch('start');
      await store.close();
    }
  });
});

describe('ClickHouse URL', () => {
  test('clickhouse://user:pass@host:port/db?cluster=name', () => {
    const o = parseClickHouseUrl(
      'clickhouse://u:p%40ss@ch.internal:9123/prof?cluster=main&max_buffer_bytes=1000',
    );
    assert.equal(o.url, 'http://ch.internal:9123');
    assert.equal(o.username, 'u');
    assert.equal(o.password, 'p@ss');
    assert.equal(o.database, 'prof');
    assert.equal(o.cluster, 'main');
    assert.equal(o.maxBufferBytes, 1000);
    const d = parseClickHouseUrl('clickhouses://ch');
    assert.equal(d.url, 'https://ch:8443');
    assert.equal(d.username, 'default');
    assert.equal(d.database, 'autoprof');
    assert.equal(d.cluster, undefined);
    assert.throws(() => parseClickHouseUrl('clickhouse://ch/db?cluster='), /cluster/);
    assert.throws(() => parseClickHouseUrl('ftp://ch'), /scheme/);
  });
});
