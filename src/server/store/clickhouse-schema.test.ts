import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTableSql, flavourFor, MIGRATIONS, parseServerVersion } from './clickhouse-schema.js';

// Cluster mode needs ZooKeeper and several nodes, which the test machine does not run; the DDL
// it generates is pinned here, and the single-node DDL is exercised against a real server in
// clickhouse.test.ts.

test('version paths: 18.16 gets plain columns, 20.1+ codecs and LowCardinality', () => {
  const old = flavourFor(parseServerVersion('18.16.1'));
  const now = flavourFor(parseServerVersion('24.8.4.13\n'));
  assert.equal(old.modern, false);
  assert.equal(now.modern, true);
  const [oldSeries] = createTableSql('autoprof', 'series', old);
  assert.doesNotMatch(oldSeries, /LowCardinality|CODEC/);
  const [newSamples] = createTableSql('autoprof', 'samples', now);
  assert.match(newSamples, /time_ns Int64 CODEC\(DoubleDelta, ZSTD\(1\)\)/);
  assert.match(createTableSql('autoprof', 'series', now)[0], /tenant LowCardinality\(String\)/);
});

test('single node: MergeTree tables partitioned by UTC day', () => {
  const [ddl, extra] = createTableSql('autoprof', 'samples', flavourFor(parseServerVersion('18.16.1')));
  assert.equal(extra, undefined);
  assert.equal(
    ddl,
    'CREATE TABLE IF NOT EXISTS `autoprof`.`samples` (series_id UInt64, time_ns Int64, stack_id UInt64, ' +
      'value Float64, batch_id UInt64) ENGINE = MergeTree() ' +
      "PARTITION BY toYYYYMMDD(toDateTime(intDiv(time_ns, 1000000000), 'UTC')) ORDER BY (series_id, time_ns, stack_id)",
  );
});

test('cluster mode: ReplicatedMergeTree _local tables plus Distributed tables, ON CLUSTER', () => {
  const f = flavourFor(parseServerVersion('18.16.1'), 'prod');
  const [local, dist] = createTableSql('prof', 'stacks', f);
  assert.equal(
    local,
    'CREATE TABLE IF NOT EXISTS `prof`.`stacks_local` ON CLUSTER `prod` (tree_id UInt64, stack_id UInt64, ' +
      'parent_id UInt64, frame_id UInt64) ' +
      "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/prof.stacks_local', '{replica}') " +
      'ORDER BY (tree_id, stack_id)',
  );
  assert.equal(
    dist,
    'CREATE TABLE IF NOT EXISTS `prof`.`stacks` ON CLUSTER `prod` AS `prof`.`stacks_local` ' +
      'ENGINE = Distributed(`prod`, `prof`, `stacks_local`, stack_id)',
  );
  const all = MIGRATIONS[0].statements('prof', f);
  assert.equal(all.length, 12);
  assert.ok(all.every((s) => s.includes('ON CLUSTER')));
});
