import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ClickHouseClient, ClickHouseError, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { ProfileBuilder } from '../../model/builder.js';
import type { Profile } from '../../model/profile.js';
import { checkDeadline, checkDeadlineNow } from '../../model/work-deadline.js';
import { parseProfileTypeId } from '../profile-type.js';
import * as ids from './clickhouse-ids.js';
import { labelValueSql, seriesWhereSql } from './clickhouse-matchers.js';
import {
  createDatabaseSql,
  flavourFor,
  localTable,
  MIGRATIONS,
  migrationsTableSql,
  onCluster,
  PARTITIONED_TABLES,
  parseServerVersion,
  type SchemaFlavour,
  type ServerVersion,
  type TableName,
} from './clickhouse-schema.js';
import { type ClickHouseConnectionOptions, parseClickHouseUrl, redact } from './clickhouse-url.js';
import { type BufferedChunk, WriteBuffer, type WriteBufferHealth } from './clickhouse-write-buffer.js';
import { sqlIdentifier, sqlInt, sqlString } from './sql-escape.js';
import type {
  LabelMatcher,
  ProfileStore,
  ProfileWrite,
  RetentionPolicy,
  RetentionResult,
  SelectQuery,
  SeriesLabels,
  StoreCoverage,
  StoreStats,
  TimelineQuery,
  TimelineSeries,
  TimeRange,
} from './types.js';
import { PROFILE_TYPE_LABEL, SERVICE_NAME_LABEL } from './types.js';

/**
 * ClickHouseStore is the scale-out ProfileStore: the embedded store's logical schema in
 * ClickHouse (clickhouse-schema.ts), spoken over the HTTP interface with @clickhouse/client.
 * Selection, merges (GROUP BY stack_id), timelines (GROUP BY bucket and labels), label queries
 * and retention (DROP PARTITION by day) run in ClickHouse; JavaScript only turns the merged
 * stack ids back into frames through a cached copy of the stack tree.
 *
 * Writes go through a WriteBuffer (clickhouse-write-buffer.ts): batched INSERTs, a bounded
 * buffer while ClickHouse is unavailable, 503 beyond it. `health()` reports it for /readyz and
 * /metrics. Data still in the buffer is not visible to queries until it is flushed.
 *
 * Only plain text formats (TabSeparated, JSONEachRow) and no per-request settings are used, so
 * Debian 12's ClickHouse 18.16 and current releases accept the same requests.
 */
export interface ClickHouseStoreOptions extends ClickHouseConnectionOptions {
  /** closeTimeoutMs: how long close() keeps trying to flush the buffer (default 10 s). */
  closeTimeoutMs?: number;
  /** maxBatchRows: sample rows per INSERT at most (default 500,000: under ClickHouse's block size). */
  maxBatchRows?: number;
  log?: (message: string) => void;
}

/** ClickHouseHealth extends the buffer's health with the server it talks to. */
export interface ClickHouseHealth extends WriteBufferHealth {
  serverVersion: string;
  cluster?: string;
  /** message is one line for /readyz. */
  message: string;
}

/** openClickHouseStore connects, checks the version, runs pending migrations and returns the store. */
export async function openClickHouseStore(target: string | ClickHouseStoreOptions): Promise<ClickHouseStore> {
  const options = typeof target === 'string' ? parseClickHouseUrl(target) : target;
  const client = createClient({
    url: options.url,
    username: options.username,
    password: options.password,
    request_timeout: options.requestTimeoutMs,
    // Compression would make the client send enable_http_compression=1 and gzip bodies; plain
    // HTTP keeps every request acceptable to old servers, and ClickHouse is usually near by.
    compression: { request: false, response: false },
    max_open_connections: 8,
    application: 'autoprof',
    log: { level: ClickHouseLogLevel.OFF },
  });
  try {
    const rows = await queryText(client, 'SELECT version()');
    const version = parseServerVersion(rows);
    const flavour = flavourFor(version, options.cluster);
    await migrate(client, options.database, flavour);
    return new ClickHouseStore(client, options, version, flavour);
  } catch (err) {
    await client.close().catch(() => undefined);
    throw new Error(`ClickHouse at ${redact(options.url)}: ${(err as Error).message}`);
  }
}

/** migrate applies the migrations schema_migrations does not list yet (idempotent; see clickhouse-schema.ts). */
async function migrate(client: ClickHouseClient, db: string, f: SchemaFlavour): Promise<void> {
  await client.command({ query: createDatabaseSql(db, f) });
  await client.command({ query: migrationsTableSql(db, f) });
  const applied = new Set(
    (await queryText(client, `SELECT DISTINCT version FROM ${sqlIdentifier(db)}.schema_migrations`))
      .split('\n')
      .filter((l) => l !== '')
      .map(Number),
  );
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    for (const sql of m.statements(db, f)) await client.command({ query: sql });
    await client.insert({
      table: `${sqlIdentifier(db)}.schema_migrations`,
      format: 'JSONEachRow',
      values: [{ version: m.version, name: m.name, applied_at: Math.floor(Date.now() / 1000) }],
    });
  }
}

async function queryText(client: ClickHouseClient, sql: string): Promise<string> {
  const rs = await client.query({ query: sql, format: 'TabSeparated' });
  return (await rs.text()).replace(/\n$/, '');
}

/** A chunk is one write, encoded for the tables, waiting in the buffer. */
interface Chunk extends BufferedChunk {
  trees: Array<{ tenant: string; service: string; tree_id: string }>;
  frames: Array<{ frame_id: string; name: string }>;
  /** stacks are TabSeparated lines `tree\tstack\tparent\tframe` (numbers only: nothing to escape). */
  stacks: string[];
  series: SeriesRow[];
  profileRows: Array<{ series: string; time: bigint; duration: bigint; total: number }>;
  samples: Array<{ series: string; time: bigint; stackIds: string[]; values: number[] }>;
}

interface SeriesRow {
  tenant: string;
  profile_type: string;
  series_id: string;
  tree_id: string;
  service: string;
  label_names: string[];
  label_values: string[];
  labels: string;
}

const DAY_NS = 86_400_000_000_000n;
const MUTATION_WAIT_MS = 120_000;
/** ClickHouse error codes worth retrying: timeouts, overload, read-only replicas, unknown insert status. */
const TRANSIENT_CODES = new Set([3, 159, 164, 202, 203, 209, 210, 241, 242, 252, 285, 319, 425, 999]);

/** ClickHouseStore: see the doc comment of ClickHouseStoreOptions and the file's schema notes. */
export class ClickHouseStore implements ProfileStore {
  /** intern[tree] maps `parent \u0001 frame name` to the node id, for nodes stored or buffered. */
  private readonly intern = new Map<string, Map<string, string>>();
  /** nodes maps a stack id to its parent and frame, for turning merged ids back into stacks. */
  private readonly nodes = new Map<string, { parent: string; frame: string }>();
  private readonly frameNames = new Map<string, string>();
  private readonly frameIds = new Map<string, string>();
  private readonly knownSeries = new Set<string>();
  private readonly treeLoads = new Map<string, Promise<void>>();
  private readonly buffer: WriteBuffer<Chunk>;
  private readonly db: string;
  private readonly inOp: string;
  private readonly joinOp: string;
  private retentionQueue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly options: ClickHouseStoreOptions,
    readonly version: ServerVersion,
    readonly flavour: SchemaFlavour,
  ) {
    this.db = sqlIdentifier(options.database);
    // A subquery over a Distributed table inside a distributed query must run once, on the
    // initiator (GLOBAL), or every shard would query every shard.
    this.inOp = flavour.cluster ? 'GLOBAL IN' : 'IN';
    this.joinOp = flavour.cluster ? 'GLOBAL ANY INNER JOIN' : 'ANY INNER JOIN';
    this.buffer = new WriteBuffer<Chunk>({
      maxBytes: options.maxBufferBytes,
      flushMs: options.flushMs,
      maxBatchRows: options.maxBatchRows ?? 500_000,
      flush: (chunks, batchId, attempt) => this.flush(chunks, batchId, attempt),
      isTransient,
      log: options.log,
    });
  }

  // --- writes ----------------------------------------------------------------------------------

  async write(tenant: string, profiles: readonly ProfileWrite[]): Promise<void> {
    if (this.closed) throw new Error('store is closed');
    // Learn what ClickHouse already holds of these trees (once per process), so stacks stored
    // by an earlier run or another server are not written again. Best effort: duplicates are
    // harmless, so an unavailable ClickHouse must not hold ingest up.
    const trees = new Set(profiles.map((p) => ids.treeId(tenant, p.labels[SERVICE_NAME_LABEL] ?? '')));
    const loads = [...trees]
      .filter((t) => !this.intern.has(t) && !this.treeLoads.has(t))
      .map((t) => this.loadTree(t));
    if (loads.length > 0)
      await Promise.race([Promise.allSettled(loads), sleep(2000, undefined, { ref: false })]);
    const { chunk, undo } = this.encode(tenant, profiles);
    try {
      await this.buffer.add(chunk);
    } catch (err) {
      undo();
      throw err;
    }
  }

  /**
   * encode turns a write into table rows, interning stacks into the cached tree. Nothing awaits
   * in here, so no other write interleaves; `undo` forgets the new nodes if the buffer refuses
   * the chunk (they would otherwise be believed stored).
   */
  private encode(tenant: string, profiles: readonly ProfileWrite[]): { chunk: Chunk; undo: () => void } {
    const chunk: Chunk = {
      bytes: 0,
      profiles: profiles.length,
      rows: 0,
      trees: [],
      frames: [],
      stacks: [],
      series: [],
      profileRows: [],
      samples: [],
    };
    const newNodes: Array<[Map<string, string>, string, string]> = [];
    const newFrames: string[] = [];
    const newSeries: string[] = [];
    const newTrees: string[] = [];
    let bytes = 0;
    for (const p of profiles) {
      const profileType = p.labels[PROFILE_TYPE_LABEL];
      if (!profileType) throw new Error(`series without ${PROFILE_TYPE_LABEL}`);
      const service = p.labels[SERVICE_NAME_LABEL] ?? '';
      const tree = ids.treeId(tenant, service);
      let nodes = this.intern.get(tree);
      if (!nodes) {
        nodes = new Map();
        this.intern.set(tree, nodes);
        newTrees.push(tree);
        chunk.trees.push({ tenant, service, tree_id: tree });
      }
      const labels = canonicalLabels(p.labels);
      const series = ids.seriesId(tenant, labels);
      if (!this.knownSeries.has(series)) {
        this.knownSeries.add(series);
        newSeries.push(series);
        const names = Object.keys(p.labels).sort();
        chunk.series.push({
          tenant,
          profile_type: profileType,
          series_id: series,
          tree_id: tree,
          service,
          label_names: names,
          label_values: names.map((n) => p.labels[n]),
          labels,
        });
        bytes += 2 * labels.length + 100;
      }
      const sums = new Map<string, number>();
      let total = 0;
      for (let i = 0; i < p.stacks.length; i++) {
        const v = p.values[i];
        if (!v) continue;
        let parent = '0';
        for (const name of p.stacks[i]) {
          const key = `${parent}\u0001${name}`;
          let id = nodes.get(key);
          if (id === undefined) {
            let frame = this.frameIds.get(name);
            if (frame === undefined) {
              frame = ids.frameId(name);
              this.frameIds.set(name, frame);
              this.frameNames.set(frame, name);
              newFrames.push(name);
              chunk.frames.push({ frame_id: frame, name });
              bytes += 2 * name.length + 60;
            }
            id = ids.stackId(tree, parent, frame);
            nodes.set(key, id);
            this.nodes.set(id, { parent, frame });
            newNodes.push([nodes, key, id]);
            chunk.stacks.push(`${tree}\t${id}\t${parent}\t${frame}`);
            bytes += 150;
          }
          parent = id;
        }
        sums.set(parent, (sums.get(parent) ?? 0) + v);
        total += v;
      }
      const time = BigInt(Math.round(p.timeNanos));
      chunk.profileRows.push({ series, time, duration: BigInt(Math.round(p.durationNanos)), total });
      if (sums.size > 0) {
        chunk.samples.push({ series, time, stackIds: [...sums.keys()], values: [...sums.values()] });
        chunk.rows += sums.size;
      }
      bytes += 120 + sums.size * 60;
    }
    chunk.bytes = bytes;
    const undo = () => {
      for (const [nodes, key, id] of newNodes) {
        nodes.delete(key);
        this.nodes.delete(id);
      }
      for (const name of newFrames) this.frameIds.delete(name);
      for (const s of newSeries) this.knownSeries.delete(s);
      for (const t of newTrees) if (this.intern.get(t)?.size === 0) this.intern.delete(t);
    };
    return { chunk, undo };
  }

  /**
   * flush writes one batch. Dimension rows (trees, frames, stacks, series) go first, so a stored
   * sample never points at a stack that is not stored; they are idempotent. profiles and samples
   * are written one INSERT per table and UTC day: each such INSERT becomes one part (it stays
   * under the insert block size), which ClickHouse commits atomically, so after a failed
   * attempt a retry can ask whether that INSERT landed (`batch_id` rows present) and skip it,
   * and nothing is stored twice.
   */
  private async flush(chunks: Chunk[], batchId: string, attempt: number): Promise<void> {
    const trees = chunks.flatMap((c) => c.trees);
    const frames = chunks.flatMap((c) => c.frames);
    const stacks = chunks.flatMap((c) => c.stacks);
    const series = chunks.flatMap((c) => c.series);
    if (trees.length > 0) await this.insertJson('trees', trees);
    if (frames.length > 0) await this.insertJson('frames', frames);
    if (stacks.length > 0) await this.insertTsv('stacks', `${stacks.join('\n')}\n`);
    if (series.length > 0) await this.insertJson('series', series);

    const byDay = new Map<bigint, { profiles: string[]; samples: string[]; sampleRows: number }>();
    const dayOf = (time: bigint) => {
      const day = time >= 0n ? time / DAY_NS : (time - DAY_NS + 1n) / DAY_NS;
      let d = byDay.get(day);
      if (!d) {
        d = { profiles: [], samples: [], sampleRows: 0 };
        byDay.set(day, d);
      }
      return d;
    };
    for (const c of chunks) {
      for (const p of c.profileRows)
        dayOf(p.time).profiles.push(`${p.series}\t${p.time}\t${p.duration}\t${num(p.total)}\t${batchId}\n`);
      for (const s of c.samples) {
        const d = dayOf(s.time);
        const head = `${s.series}\t${s.time}\t`;
        let text = '';
        for (let i = 0; i < s.stackIds.length; i++)
          text += `${head}${s.stackIds[i]}\t${num(s.values[i])}\t${batchId}\n`;
        d.samples.push(text);
        d.sampleRows += s.stackIds.length;
      }
    }
    for (const [day, d] of byDay) {
      await this.insertOnce('profiles', day, d.profiles.join(''), d.profiles.length, batchId, attempt);
      if (d.sampleRows > 0)
        await this.insertOnce('samples', day, d.samples.join(''), d.sampleRows, batchId, attempt);
    }
  }

  private async insertOnce(
    table: 'profiles' | 'samples',
    day: bigint,
    tsv: string,
    rows: number,
    batchId: string,
    attempt: number,
  ): Promise<void> {
    if (attempt > 1) {
      const found = Number(
        await this.text(
          `SELECT count() FROM ${this.t(table)} WHERE batch_id = ${sqlInt(batchId)}
           AND time_ns >= ${sqlInt(day * DAY_NS)} AND time_ns < ${sqlInt((day + 1n) * DAY_NS)}`,
        ),
      );
      if (found === rows) return;
      // Only possible if an INSERT was split into several parts; remove the part that landed.
      if (found > 0) await this.mutate(table, `batch_id = ${sqlInt(batchId)}`);
    }
    await this.insertTsv(table, tsv);
  }

  private async insertTsv(table: TableName, tsv: string): Promise<void> {
    await this.client.insert({
      table: this.t(table),
      format: 'TabSeparated',
      values: Readable.from([Buffer.from(tsv)], { objectMode: false }),
    });
  }

  private async insertJson(table: TableName, rows: object[]): Promise<void> {
    await this.client.insert({ table: this.t(table), format: 'JSONEachRow', values: rows });
  }

  // --- reads -----------------------------------------------------------------------------------

  async series(
    tenant: string,
    matchers: readonly LabelMatcher[],
    range?: TimeRange,
  ): Promise<SeriesLabels[]> {
    const rows = await this.json<{ labels: string }>(
      `SELECT DISTINCT labels FROM ${this.t('series')} WHERE ${seriesWhereSql(tenant, matchers)}${this.inRange(range)}`,
    );
    return rows
      .map((r) => r.labels)
      .sort()
      .map((l) => JSON.parse(l) as SeriesLabels);
  }

  async mergeRange(tenant: string, query: SelectQuery): Promise<Profile> {
    const type = parseProfileTypeId(query.profileType);
    const builder = new ProfileBuilder([type ? type.sampleType : { type: 'samples', unit: 'count' }]);
    const profile = builder.profile;
    profile.timeNanos = query.startNanos;
    profile.durationNanos = query.endNanos - query.startNanos;
    if (type) profile.periodType = { ...type.periodType };
    const where = seriesWhereSql(tenant, query.matchers, query.profileType);
    const text = await this.text(
      `SELECT stack_id, sum(value) FROM ${this.t('samples')}
       WHERE series_id ${this.inOp} (SELECT series_id FROM ${this.t('series')} WHERE ${where})
         AND time_ns >= ${sqlInt(query.startNanos)} AND time_ns < ${sqlInt(query.endNanos)}
       GROUP BY stack_id`,
    );
    if (text === '') return builder.build();
    const rows = text.split('\n').map((line) => line.split('\t'));
    if (rows.some(([id]) => !this.resolvable(id))) await this.loadTreesOf(where);
    // One location per frame name; a stack's leaf-first location list is its parent chain.
    const locationOfFrame = new Map<string, number>();
    checkDeadlineNow();
    for (const [stackId, value] of rows) {
      checkDeadline();
      const locs: number[] = [];
      for (let id = stackId; id !== '0'; ) {
        const node = this.nodes.get(id);
        if (!node) break;
        const name = this.frameNames.get(node.frame) ?? '[unknown]';
        let loc = locationOfFrame.get(name);
        if (loc === undefined) {
          loc = builder.locationId({ name });
          locationOfFrame.set(name, loc);
        }
        locs.push(loc);
        id = node.parent;
      }
      if (locs.length > 0) builder.addSample(locs, [Number(value)]);
    }
    return builder.build();
  }

  async coverage(tenant: string, query: SelectQuery): Promise<StoreCoverage> {
    const where = seriesWhereSql(tenant, query.matchers, query.profileType);
    const rows = await this.json<{ n: string | number; d: string | number; v: string | number }>(
      `SELECT sum(n) AS n, max(d) AS d, sum(v) AS v FROM (
         SELECT series_id, count() AS n, sum(duration_ns) AS d, sum(total) AS v FROM ${this.t('profiles')}
         WHERE series_id ${this.inOp} (SELECT series_id FROM ${this.t('series')} WHERE ${where})
           AND time_ns >= ${sqlInt(query.startNanos)} AND time_ns < ${sqlInt(query.endNanos)}
         GROUP BY series_id)`,
    );
    const r = rows[0];
    return { profiles: Number(r?.n ?? 0), durationNanos: Number(r?.d ?? 0), total: Number(r?.v ?? 0) };
  }

  async timeline(tenant: string, query: TimelineQuery): Promise<TimelineSeries[]> {
    const step = Math.max(1, Math.round(query.stepNanos));
    const buckets = Math.max(1, Math.ceil((query.endNanos - query.startNanos) / step));
    const where = seriesWhereSql(tenant, query.matchers, query.profileType);
    const groupBy = query.groupBy ?? [];
    // gv: the group's label values; gp: whether each label is present (absent labels are left
    // out of the line's labels, as in the embedded store).
    const gv = groupBy.length > 0 ? `[${groupBy.map(labelValueSql).join(', ')}]` : 'emptyArrayString()';
    const gp =
      groupBy.length > 0
        ? `[${groupBy.map((n) => `toUInt8(indexOf(label_names, ${sqlString(n)}) > 0)`).join(', ')}]`
        : 'emptyArrayUInt8()';
    type Row = { gv: string[]; gp: Array<number | string>; bucket?: string | number; v?: number };
    const groupRows = await this.json<Row>(
      `SELECT DISTINCT ${gv} AS gv, ${gp} AS gp FROM ${this.t('series')} WHERE ${where}`,
    );
    if (groupRows.length === 0) return [];
    const groups = new Map<string, TimelineSeries>();
    const keyOf = (r: Row) => {
      const labels: SeriesLabels = {};
      groupBy.forEach((name, i) => {
        if (Number(r.gp[i]) === 1) labels[name] = r.gv[i];
      });
      return { key: canonicalLabels(labels), labels };
    };
    for (const r of groupRows) {
      const { key, labels } = keyOf(r);
      if (!groups.has(key)) groups.set(key, { labels, values: new Array<number>(buckets).fill(0) });
    }
    const start = sqlInt(query.startNanos);
    const values = await this.json<Row>(
      `SELECT gv, gp, bucket, sum(total) AS v FROM (
         SELECT series_id, intDiv(time_ns - ${start}, ${sqlInt(step)}) AS bucket, total
         FROM ${this.t('profiles')}
         WHERE series_id ${this.inOp} (SELECT series_id FROM ${this.t('series')} WHERE ${where})
           AND time_ns >= ${start} AND time_ns < ${sqlInt(query.endNanos)}
       ) ${this.joinOp} (
         SELECT series_id, ${gv} AS gv, ${gp} AS gp FROM ${this.t('series')} WHERE ${where}
       ) USING series_id
       GROUP BY gv, gp, bucket`,
    );
    for (const r of values) {
      const g = groups.get(keyOf(r).key);
      const b = Number(r.bucket);
      if (g && b >= 0 && b < buckets) g.values[b] += Number(r.v);
    }
    return [...groups.values()].sort((a, b) =>
      canonicalLabels(a.labels).localeCompare(canonicalLabels(b.labels)),
    );
  }

  async labelNames(tenant: string, matchers: readonly LabelMatcher[], range?: TimeRange): Promise<string[]> {
    const rows = await this.json<{ n: string }>(
      `SELECT DISTINCT arrayJoin(label_names) AS n FROM ${this.t('series')}
       WHERE ${seriesWhereSql(tenant, matchers)}${this.inRange(range)}`,
    );
    return rows.map((r) => r.n).sort();
  }

  async labelValues(
    tenant: string,
    name: string,
    matchers: readonly LabelMatcher[],
    range?: TimeRange,
  ): Promise<string[]> {
    const rows = await this.json<{ v: string }>(
      `SELECT DISTINCT ${labelValueSql(name)} AS v FROM ${this.t('series')}
       WHERE ${seriesWhereSql(tenant, matchers)} AND has(label_names, ${sqlString(name)})${this.inRange(range)}`,
    );
    return rows.map((r) => r.v).sort();
  }

  async profileTypes(tenant: string, range?: TimeRange): Promise<string[]> {
    const rows = await this.json<{ p: string }>(
      `SELECT DISTINCT profile_type AS p FROM ${this.t('series')}
       WHERE ${seriesWhereSql(tenant, [])}${this.inRange(range)}`,
    );
    return rows.map((r) => r.p).sort();
  }

  // --- retention -------------------------------------------------------------------------------

  async applyRetention(policy: RetentionPolicy): Promise<RetentionResult> {
    const run = this.retentionQueue.then(() => this.retainNow(policy));
    this.retentionQueue = run.catch(() => undefined);
    return run;
  }

  /**
   * retainNow drops whole UTC days older than the cutoff (ALTER TABLE DROP PARTITION: instant,
   * no rewrite) and deletes the older rows of the cutoff's own day with one mutation. For the
   * size bound it drops the oldest day while more than one is left, then cuts the last day by
   * time quantile, measuring active parts after each step.
   */
  private async retainNow(policy: RetentionPolicy): Promise<RetentionResult> {
    let deleted = 0;
    const now = policy.nowNanos ?? Date.now() * 1e6;
    if (policy.maxAgeNanos !== undefined)
      deleted += await this.deleteBefore(BigInt(Math.round(now - policy.maxAgeNanos)));
    if (policy.maxBytes !== undefined) {
      for (let round = 0; round < 16; round++) {
        const bytes = await this.usedBytes();
        if (bytes <= policy.maxBytes) break;
        const days = (
          await this.text(`SELECT DISTINCT ${DAY_EXPR} AS d FROM ${this.t('profiles')} ORDER BY d`)
        )
          .split('\n')
          .filter((d) => d !== '');
        let n = 0;
        if (days.length > 1) {
          n = Number(
            await this.text(
              `SELECT count() FROM ${this.t('profiles')} WHERE ${DAY_EXPR} = ${sqlInt(days[0])}`,
            ),
          );
          await this.dropDay(days[0]);
        } else {
          const fraction = Math.min(1, Math.max(0.05, 1 - policy.maxBytes / bytes));
          const cutoff = await this.text(
            `SELECT toInt64(quantileExact(${fraction})(time_ns)) FROM ${this.t('profiles')}`,
          );
          if (!/^-?\d+$/.test(cutoff) || days.length === 0) break;
          // Everything strictly before the cutoff, plus the cutoff itself when that is all that is left.
          n = await this.deleteBefore(BigInt(cutoff) + 1n);
        }
        deleted += n;
        if (n === 0) break;
      }
    }
    return { profilesDeleted: deleted };
  }

  private async deleteBefore(cutoff: bigint): Promise<number> {
    const older = `time_ns < ${sqlInt(cutoff)}`;
    const n = Number(await this.text(`SELECT count() FROM ${this.t('profiles')} WHERE ${older}`));
    const samples = Number(await this.text(`SELECT count() FROM ${this.t('samples')} WHERE ${older}`));
    if (n === 0 && samples === 0) return 0;
    const cutoffDay = utcDay(cutoff);
    const days = (
      await this.text(`SELECT DISTINCT ${DAY_EXPR} AS d FROM ${this.t('profiles')} WHERE ${older} ORDER BY d`)
    )
      .split('\n')
      .filter((d) => d !== '');
    for (const d of days) if (Number(d) < cutoffDay) await this.dropDay(d);
    for (const table of PARTITIONED_TABLES) {
      const left = Number(await this.text(`SELECT count() FROM ${this.t(table)} WHERE ${older}`));
      if (left > 0) await this.mutate(table, older);
    }
    return n;
  }

  private async dropDay(day: string): Promise<void> {
    for (const table of PARTITIONED_TABLES) {
      await this.client.command({
        query: `ALTER TABLE ${this.local(table)}${onCluster(this.flavour)} DROP PARTITION ${sqlInt(day)}`,
      });
    }
  }

  /** mutate deletes rows and waits for the mutation (18.16 has no mutations_sync). */
  private async mutate(table: TableName, condition: string): Promise<void> {
    await this.client.command({
      query: `ALTER TABLE ${this.local(table)}${onCluster(this.flavour)} DELETE WHERE ${condition}`,
    });
    const deadline = Date.now() + MUTATION_WAIT_MS;
    for (let wait = 20; ; wait = Math.min(500, wait * 2)) {
      const pending = Number(
        await this.text(
          `SELECT count() FROM system.mutations WHERE database = ${sqlString(this.options.database)}
           AND table = ${sqlString(localTable(table, this.flavour))} AND is_done = 0`,
        ),
      );
      if (pending === 0) return;
      if (Date.now() > deadline) throw new Error(`ClickHouse mutation on ${table} still running after 120 s`);
      await sleep(wait);
    }
  }

  // --- stats, health, lifecycle ----------------------------------------------------------------

  async stats(): Promise<StoreStats> {
    const [row] = await this.json<Record<string, string | number>>(
      `SELECT (SELECT count() FROM ${this.t('profiles')}) AS profiles,
              (SELECT count() FROM ${this.t('samples')}) AS samples,
              (SELECT uniqExact(series_id) FROM ${this.t('series')}) AS series`,
    );
    return {
      bytesOnDisk: await this.usedBytes(),
      profiles: Number(row.profiles),
      series: Number(row.series),
      samples: Number(row.samples),
    };
  }

  /**
   * health needs no I/O. `ready` stays true while ClickHouse is down but the buffer has room:
   * ingest is still accepted then, and /readyz says so in its message.
   */
  health(): ClickHouseHealth {
    const h = this.buffer.health();
    const where = `ClickHouse ${this.version.text}${this.flavour.cluster ? ` (cluster ${this.flavour.cluster})` : ''}`;
    const message =
      h.state === 'ok'
        ? `${where}: ok`
        : `${where}: unavailable (${h.lastError ?? 'unknown error'}); buffering ${h.bufferedProfiles} profiles, ${h.bufferedBytes}/${h.maxBufferBytes} bytes${h.ready ? '' : ', buffer full: ingest answers 503'}`;
    return { ...h, serverVersion: this.version.text, cluster: this.flavour.cluster, message };
  }

  /** flush waits until every acknowledged write is in ClickHouse (benchmarks, tests). */
  async flushed(): Promise<void> {
    await this.buffer.drain();
  }

  /** optimize merges parts (OPTIMIZE ... FINAL) so a benchmark measures settled bytes. */
  async optimize(): Promise<void> {
    await this.flushed();
    for (const t of ['trees', 'frames', 'stacks', 'series', 'profiles', 'samples'] as const)
      await this.client.command({ query: `OPTIMIZE TABLE ${this.local(t)}${onCluster(this.flavour)} FINAL` });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.buffer.close(this.options.closeTimeoutMs ?? 10_000);
    } finally {
      await this.retentionQueue;
      await this.client.close();
    }
  }

  // --- helpers ---------------------------------------------------------------------------------

  /** t names a table for reads and inserts (the Distributed one in cluster mode). */
  private t(table: TableName): string {
    return `${this.db}.${sqlIdentifier(table)}`;
  }

  /** local names the table holding the rows, for ALTER and OPTIMIZE. */
  private local(table: TableName): string {
    return `${this.db}.${sqlIdentifier(localTable(table, this.flavour))}`;
  }

  private inRange(range?: TimeRange): string {
    if (!range) return '';
    return ` AND series_id ${this.inOp} (SELECT series_id FROM ${this.t('profiles')}
      WHERE time_ns >= ${sqlInt(range.startNanos)} AND time_ns < ${sqlInt(range.endNanos)})`;
  }

  private resolvable(id: string): boolean {
    for (let cur = id; cur !== '0'; ) {
      const node = this.nodes.get(cur);
      if (!node || !this.frameNames.has(node.frame)) return false;
      cur = node.parent;
    }
    return true;
  }

  /** loadTreesOf loads the stack trees of the series a WHERE selects (stacks written elsewhere). */
  private async loadTreesOf(where: string): Promise<void> {
    const trees = (await this.text(`SELECT DISTINCT tree_id FROM ${this.t('series')} WHERE ${where}`))
      .split('\n')
      .filter((t) => t !== '');
    await Promise.all(trees.map((t) => this.loadTree(t, true)));
  }

  /** loadTree reads one tree's nodes and frames into the cache; concurrent calls share one load. */
  private loadTree(tree: string, again = false): Promise<void> {
    const running = this.treeLoads.get(tree);
    if (running && !again) return running;
    const load = (async () => {
      const inTree = `tree_id = ${sqlInt(tree)}`;
      const frames = await this.json<{ id: string; name: string }>(
        `SELECT toString(frame_id) AS id, name FROM ${this.t('frames')}
         WHERE frame_id ${this.inOp} (SELECT frame_id FROM ${this.t('stacks')} WHERE ${inTree})`,
      );
      for (const f of frames) {
        this.frameNames.set(f.id, f.name);
        this.frameIds.set(f.name, f.id);
      }
      const text = await this.text(
        `SELECT DISTINCT stack_id, parent_id, frame_id FROM ${this.t('stacks')} WHERE ${inTree}`,
      );
      let nodes = this.intern.get(tree);
      if (!nodes) {
        nodes = new Map();
        this.intern.set(tree, nodes);
      }
      if (text === '') return;
      for (const line of text.split('\n')) {
        const [id, parent, frame] = line.split('\t');
        this.nodes.set(id, { parent, frame });
        const name = this.frameNames.get(frame);
        if (name !== undefined) nodes.set(`${parent}\u0001${name}`, id);
      }
    })();
    // A failed load stays recorded, so writes do not retry it (they only save duplicate rows by
    // it); merges pass `again` when they meet stacks they cannot resolve.
    this.treeLoads.set(tree, load);
    load.catch(() => undefined);
    return load;
  }

  private async text(sql: string): Promise<string> {
    return queryText(this.client, sql);
  }

  private async json<T>(sql: string): Promise<T[]> {
    const rs = await this.client.query({ query: sql, format: 'JSONEachRow' });
    return (await rs.json()) as T[];
  }

  private async usedBytes(): Promise<number> {
    // Parts of this database on the server autoprof talks to (in cluster mode: that node only).
    return Number(
      await this.text(
        `SELECT sum(bytes_on_disk) FROM system.parts WHERE database = ${sqlString(this.options.database)} AND active`,
      ),
    );
  }
}

/** DAY_EXPR is the partition expression (UTC day as 20231114), for choosing partitions to drop. */
const DAY_EXPR = "toYYYYMMDD(toDateTime(intDiv(time_ns, 1000000000), 'UTC'))";

/** utcDay is DAY_EXPR computed here: the UTC day of a nanosecond time as 20231114. */
function utcDay(timeNs: bigint): number {
  const iso = new Date(Number(timeNs / 1_000_000n)).toISOString();
  return Number(iso.slice(0, 10).replaceAll('-', ''));
}

/** isTransient: network trouble and ClickHouse's "busy" codes are retried; refused data is not. */
function isTransient(err: unknown): boolean {
  if (err instanceof ClickHouseError) return TRANSIENT_CODES.has(Number(err.code));
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return /socket hang up|timeout|ECONN|EPIPE|network|other side closed|terminated/i.test(
    (err as Error)?.message ?? '',
  );
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

/** num prints a sample value for TabSeparated; ClickHouse reads JavaScript's `1e+21` form too. */
function num(v: number): string {
  return String(v);
}

/** canonicalLabels is a label set's identity: JSON of its pairs sorted by name (as duckdb.ts). */
function canonicalLabels(labels: SeriesLabels): string {
  const sorted: SeriesLabels = {};
  for (const k of Object.keys(labels).sort()) sorted[k] = labels[k];
  return JSON.stringify(sorted);
}
