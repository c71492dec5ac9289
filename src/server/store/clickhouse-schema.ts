import { sqlIdentifier, sqlString } from './sql-escape.js';

/**
 * The ClickHouse schema: the embedded store's logical schema (duckdb.ts) in MergeTree tables.
 *
 *   trees    (tenant, service, tree_id)                   one stack tree per tenant + service
 *   frames   (frame_id, name)                             frame names, stored once
 *   stacks   (tree_id, stack_id, parent_id, frame_id)     parent-pointer tree; parent 0 = root
 *   series   (tenant, profile_type, series_id, tree_id, service, label_names, label_values, labels)
 *   profiles (series_id, time_ns, duration_ns, total, batch_id)    one row per write; timelines
 *   samples  (series_id, time_ns, stack_id, value, batch_id)       merges GROUP BY stack_id
 *
 * Ids are 64-bit content hashes computed by autoprof (clickhouse-ids.ts), not counters, so any
 * number of autoprof servers can write to one ClickHouse without coordinating: writing a stack
 * twice writes the same row, which ReplacingMergeTree folds away and every read tolerates.
 * profiles and samples are partitioned by UTC day, so retention drops whole days with
 * ALTER TABLE DROP PARTITION. batch_id makes a retried INSERT detectable (see clickhouse-writer.ts).
 * Labels are parallel arrays rather than Map (ClickHouse 18.16 has no Map type); the value of
 * label `x` is `label_values[indexOf(label_names, 'x')]`, '' when absent, as Prometheus wants.
 *
 * Version paths (decided once at start from `SELECT version()`):
 * - every version (18.16.1 in Debian 12 up to current): the tables above, MergeTree family,
 *   custom PARTITION BY, ALTER ... DROP PARTITION, ALTER ... DELETE mutations (polled in
 *   system.mutations, since `mutations_sync` does not exist in 18.16), JSONEachRow and
 *   TabSeparated only, no query parameters (values go through sql-escape.ts), no settings sent.
 * - 20.1 and later (`modern`): column codecs (Delta/DoubleDelta + ZSTD on ids and times) and
 *   LowCardinality(String) for tenant, profile type and service. 18.16 lacks codecs and keeps
 *   LowCardinality behind an experimental setting, so it gets plain columns.
 * Queries are the same text on every version; only the DDL differs.
 *
 * Cluster mode (`?cluster=NAME`): every table `X` becomes `X_local` (ReplicatedMergeTree, with
 * ZooKeeper path `/clickhouse/tables/{shard}/<db>.X_local` and replica `{replica}`, so each
 * node needs the `shard` and `replica` macros) plus `X` (Distributed over NAME, sharded by the
 * series, stack or frame id); DDL runs ON CLUSTER NAME. Reads go through the Distributed tables
 * with GLOBAL IN / GLOBAL JOIN; retention alters the `_local` tables ON CLUSTER.
 */

/** SchemaFlavour is what the DDL may use on this server. */
export interface SchemaFlavour {
  /** modern: codecs and LowCardinality (ClickHouse >= 20.1). */
  modern: boolean;
  cluster?: string;
}

/** ServerVersion is `major.minor.patch` of `SELECT version()`. */
export interface ServerVersion {
  major: number;
  minor: number;
  patch: number;
  text: string;
}

/** parseServerVersion reads `18.16.1` or `24.3.1.2672`. */
export function parseServerVersion(text: string): ServerVersion {
  const [major = 0, minor = 0, patch = 0] = text
    .trim()
    .split('.')
    .map((p) => Number.parseInt(p, 10) || 0);
  return { major, minor, patch, text: text.trim() };
}

/** flavourFor picks the DDL path for a server version. */
export function flavourFor(version: ServerVersion, cluster?: string): SchemaFlavour {
  return { modern: version.major >= 20, cluster };
}

/** TABLES are the data tables, in the order DDL creates them. */
export const TABLES = ['trees', 'frames', 'stacks', 'series', 'profiles', 'samples'] as const;
export type TableName = (typeof TABLES)[number];

/** PARTITIONED_TABLES hold time-series rows; retention drops their day partitions. */
export const PARTITIONED_TABLES = ['profiles', 'samples'] as const;

/** dayPartition is the partition key: the UTC day of a nanosecond time, as 20231114. */
export const DAY_PARTITION = "toYYYYMMDD(toDateTime(intDiv(time_ns, 1000000000), 'UTC'))";

interface TableSpec {
  columns: (f: SchemaFlavour) => string[];
  engine: 'MergeTree' | 'ReplacingMergeTree';
  partitionBy?: string;
  orderBy: string;
  shardBy: string;
}

const lc = (f: SchemaFlavour) => (f.modern ? 'LowCardinality(String)' : 'String');
const codec = (f: SchemaFlavour, c: string) => (f.modern ? ` CODEC(${c})` : '');

const SPECS: Record<TableName, TableSpec> = {
  trees: {
    columns: (f) => [`tenant ${lc(f)}`, `service ${lc(f)}`, 'tree_id UInt64'],
    engine: 'ReplacingMergeTree',
    orderBy: '(tenant, service)',
    shardBy: 'tree_id',
  },
  frames: {
    columns: () => ['frame_id UInt64', 'name String'],
    engine: 'ReplacingMergeTree',
    orderBy: 'frame_id',
    shardBy: 'frame_id',
  },
  stacks: {
    columns: () => ['tree_id UInt64', 'stack_id UInt64', 'parent_id UInt64', 'frame_id UInt64'],
    engine: 'ReplacingMergeTree',
    orderBy: '(tree_id, stack_id)',
    shardBy: 'stack_id',
  },
  series: {
    columns: (f) => [
      `tenant ${lc(f)}`,
      `profile_type ${lc(f)}`,
      'series_id UInt64',
      'tree_id UInt64',
      `service ${lc(f)}`,
      'label_names Array(String)',
      'label_values Array(String)',
      'labels String',
    ],
    engine: 'ReplacingMergeTree',
    orderBy: '(tenant, profile_type, series_id)',
    shardBy: 'series_id',
  },
  profiles: {
    columns: (f) => [
      'series_id UInt64',
      `time_ns Int64${codec(f, 'DoubleDelta, ZSTD(1)')}`,
      'duration_ns Int64',
      'total Float64',
      `batch_id UInt64${codec(f, 'ZSTD(1)')}`,
    ],
    engine: 'MergeTree',
    partitionBy: DAY_PARTITION,
    orderBy: '(series_id, time_ns)',
    shardBy: 'series_id',
  },
  samples: {
    columns: (f) => [
      'series_id UInt64',
      `time_ns Int64${codec(f, 'DoubleDelta, ZSTD(1)')}`,
      `stack_id UInt64${codec(f, 'ZSTD(1)')}`,
      `value Float64${codec(f, 'ZSTD(1)')}`,
      `batch_id UInt64${codec(f, 'ZSTD(1)')}`,
    ],
    engine: 'MergeTree',
    partitionBy: DAY_PARTITION,
    orderBy: '(series_id, time_ns, stack_id)',
    shardBy: 'series_id',
  },
};

/** localTable is the table that holds the rows: `X_local` in cluster mode, else `X`. */
export function localTable(table: TableName, f: SchemaFlavour): string {
  return f.cluster ? `${table}_local` : table;
}

/** onCluster is the ` ON CLUSTER name` clause of DDL and ALTERs (empty outside cluster mode). */
export function onCluster(f: SchemaFlavour): string {
  return f.cluster ? ` ON CLUSTER ${sqlIdentifier(f.cluster)}` : '';
}

/** createTableSql lists the CREATE statements for one table (two in cluster mode). */
export function createTableSql(db: string, table: TableName, f: SchemaFlavour): string[] {
  const spec = SPECS[table];
  const local = localTable(table, f);
  const qualified = `${sqlIdentifier(db)}.${sqlIdentifier(local)}`;
  const engine = f.cluster
    ? `Replicated${spec.engine}(${sqlString(`/clickhouse/tables/{shard}/${db}.${local}`)}, '{replica}')`
    : `${spec.engine}()`;
  const ddl = [
    `CREATE TABLE IF NOT EXISTS ${qualified}${onCluster(f)} (${spec.columns(f).join(', ')})`,
    `ENGINE = ${engine}`,
    spec.partitionBy ? `PARTITION BY ${spec.partitionBy}` : '',
    `ORDER BY ${spec.orderBy}`,
  ]
    .filter((s) => s !== '')
    .join(' ');
  if (!f.cluster) return [ddl];
  const distributed =
    `CREATE TABLE IF NOT EXISTS ${sqlIdentifier(db)}.${sqlIdentifier(table)}${onCluster(f)} AS ${qualified} ` +
    `ENGINE = Distributed(${sqlIdentifier(f.cluster)}, ${sqlIdentifier(db)}, ${sqlIdentifier(local)}, ${spec.shardBy})`;
  return [ddl, distributed];
}

/** Migration is one versioned, idempotent schema step. */
export interface Migration {
  version: number;
  name: string;
  statements: (db: string, f: SchemaFlavour) => string[];
}

/**
 * MIGRATIONS in order. Each statement is idempotent (IF NOT EXISTS), so a migration cut short
 * by a crash, or run by two autoprof servers at once, simply runs again. Append, never edit.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema: trees, frames, stacks, series, profiles, samples',
    statements: (db, f) => TABLES.flatMap((t) => createTableSql(db, t, f)),
  },
];

/** migrationsTableSql creates `schema_migrations` (one row per applied version, per node). */
export function migrationsTableSql(db: string, f: SchemaFlavour): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${sqlIdentifier(db)}.schema_migrations${onCluster(f)} ` +
    '(version UInt32, name String, applied_at DateTime) ENGINE = ReplacingMergeTree() ORDER BY version'
  );
}

/** createDatabaseSql creates the database. */
export function createDatabaseSql(db: string, f: SchemaFlavour): string {
  return `CREATE DATABASE IF NOT EXISTS ${sqlIdentifier(db)}${onCluster(f)}`;
}
