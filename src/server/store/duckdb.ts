import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  BIGINT,
  DOUBLE,
  type DuckDBConnection,
  DuckDBInstance,
  INTEGER,
  LIST,
  listValue,
  VARCHAR,
} from '@duckdb/node-api';
import { ProfileBuilder } from '../../model/builder.js';
import type { Profile } from '../../model/profile.js';
import { checkDeadline, checkDeadlineNow } from '../../model/work-deadline.js';
import { parseProfileTypeId } from '../profile-type.js';
import { compileMatchers } from './label-matchers.js';
import { StackTree } from './stack-tree.js';
import { StoreBusyError } from './store-busy.js';
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
 * Schema. Stacks are stored once per tenant + service ("tree") as parent pointers; a sample is
 * (series, time, stack id, value), so merging a range is one GROUP BY stack_id in DuckDB and
 * paths are rebuilt afterwards from the in-memory copy of the tree.
 *
 *   trees    (tree_id, tenant, service)            one stack tree per tenant + service
 *   frames   (frame_id, name)                      frame names, interned once
 *   stacks   (stack_id, tree_id, parent_id, frame_id)   parent_id 0 = root
 *   series   (series_id, tenant, tree_id, profile_type, labels JSON)
 *   profiles (series_id, time_ns, duration_ns, total)   one row per write; totals feed timelines
 *   samples  (series_id, time_ns, stack_id, value)
 *
 * No primary-key indexes: ids are assigned here (one writer per data directory, which DuckDB's
 * file lock enforces) and the indexes would cost space and insert time for nothing.
 */
const SCHEMA = [
  'CREATE TABLE IF NOT EXISTS trees (tree_id INTEGER, tenant VARCHAR, service VARCHAR)',
  'CREATE TABLE IF NOT EXISTS frames (frame_id INTEGER, name VARCHAR)',
  'CREATE TABLE IF NOT EXISTS stacks (stack_id INTEGER, tree_id INTEGER, parent_id INTEGER, frame_id INTEGER)',
  'CREATE TABLE IF NOT EXISTS series (series_id INTEGER, tenant VARCHAR, tree_id INTEGER, profile_type VARCHAR, labels VARCHAR)',
  'CREATE TABLE IF NOT EXISTS profiles (series_id INTEGER, time_ns BIGINT, duration_ns BIGINT, total DOUBLE)',
  'CREATE TABLE IF NOT EXISTS samples (series_id INTEGER, time_ns BIGINT, stack_id INTEGER, value DOUBLE)',
];

interface SeriesEntry {
  id: number;
  tenant: string;
  treeId: number;
  profileType: string;
  labels: SeriesLabels;
}

/** DuckDbStoreOptions: where the database file lives, and how writes are grouped into commits. */
export interface DuckDbStoreOptions extends GroupCommitOptions {
  /** dir holds `profiles.duckdb` (and its WAL); ':memory:' for a throwaway store. */
  dir: string;
}

/** GroupCommitOptions bound the write queue; see `DuckDbStore.write`. */
export interface GroupCommitOptions {
  /** lingerMs is how long an idle writer waits for company before committing; default 2. */
  lingerMs?: number;
  /** maxBatchProfiles commits at once when this many profiles wait; default 2,000. */
  maxBatchProfiles?: number;
  /** maxQueuedProfiles is the back-pressure bound: a write beyond it fails with StoreBusyError; default 20,000. */
  maxQueuedProfiles?: number;
}

const GROUP_COMMIT_DEFAULTS: Required<GroupCommitOptions> = {
  lingerMs: 2,
  maxBatchProfiles: 2000,
  maxQueuedProfiles: 20_000,
};

/** QueuedWrite is one write request waiting for its batch to commit. */
interface QueuedWrite {
  tenant: string;
  profiles: readonly ProfileWrite[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** YIELD_EVERY_STACKS: stacks interned between two turns of the event loop during a commit. */
const YIELD_EVERY_STACKS = 2048;

/** yieldToEventLoop lets pending I/O callbacks (other requests) run before the work goes on. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** openDuckDbStore opens (creating if needed) the embedded store in a directory. */
export async function openDuckDbStore(options: DuckDbStoreOptions): Promise<DuckDbStore> {
  let path = ':memory:';
  if (options.dir !== ':memory:') {
    mkdirSync(options.dir, { recursive: true });
    path = join(options.dir, 'profiles.duckdb');
  }
  const instance = await DuckDBInstance.create(path);
  const writer = await instance.connect();
  const reader = await instance.connect();
  for (const sql of SCHEMA) await writer.run(sql);
  const { dir: _dir, ...limits } = options;
  const store = new DuckDbStore(instance, writer, reader, path, limits);
  await store.load();
  return store;
}

/** DuckDbStore is the embedded ProfileStore. Writes are serialised on one connection; reads use another. */
export class DuckDbStore implements ProfileStore {
  private readonly tree = new StackTree();
  private readonly trees = new Map<string, number>();
  private readonly seriesByKey = new Map<string, SeriesEntry>();
  private readonly seriesByTenant = new Map<string, SeriesEntry[]>();
  /** writeQueue serialises everything on the writer connection: batches, retention, checkpoints. */
  private writeQueue: Promise<unknown> = Promise.resolve();
  private readonly queue: QueuedWrite[] = [];
  private queuedProfiles = 0;
  private rejectedWrites = 0;
  private commits = 0;
  private flushing = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly limits: Required<GroupCommitOptions>;

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly reader: DuckDBConnection,
    private readonly path: string,
    limits: GroupCommitOptions = {},
  ) {
    this.limits = { ...GROUP_COMMIT_DEFAULTS, ...limits };
  }

  /** load reads the small tables (trees, frames, stacks, series) into memory. */
  async load(): Promise<void> {
    for (const [id, tenant, service] of await this.rows('SELECT tree_id, tenant, service FROM trees')) {
      this.trees.set(treeKey(String(tenant), String(service)), Number(id));
    }
    for (const [id, name] of await this.rows('SELECT frame_id, name FROM frames')) {
      this.tree.loadFrame(Number(id), String(name));
    }
    for (const [id, treeId, parent, frame] of await this.rows(
      'SELECT stack_id, tree_id, parent_id, frame_id FROM stacks ORDER BY stack_id',
    )) {
      this.tree.loadNode(Number(id), Number(treeId), Number(parent), Number(frame));
    }
    for (const [id, tenant, treeId, profileType, labels] of await this.rows(
      'SELECT series_id, tenant, tree_id, profile_type, labels FROM series',
    )) {
      this.addSeries({
        id: Number(id),
        tenant: String(tenant),
        treeId: Number(treeId),
        profileType: String(profileType),
        labels: JSON.parse(String(labels)) as SeriesLabels,
      });
    }
  }

  /**
   * write joins the group commit: requests that arrive while a batch is being committed (or within
   * `lingerMs` of an idle writer) share one transaction, because each COMMIT pays one WAL fsync and
   * that, not the inserts, bounds how many small requests a second one connection can take.
   * The promise settles only after the batch holding this request committed (or failed).
   */
  async write(tenant: string, profiles: readonly ProfileWrite[]): Promise<void> {
    if (this.closed) throw new Error('store is closed');
    if (profiles.length === 0) return;
    // Reject a bad write alone, before it joins a batch whose other requests it would fail.
    for (const p of profiles) {
      if (!p.labels[PROFILE_TYPE_LABEL]) throw new Error(`series without ${PROFILE_TYPE_LABEL}`);
    }
    if (this.queuedProfiles > 0 && this.queuedProfiles + profiles.length > this.limits.maxQueuedProfiles) {
      this.rejectedWrites++;
      throw new StoreBusyError(
        `write queue is full (${this.queuedProfiles} profiles waiting)`,
        Math.max(1, Math.ceil(this.limits.lingerMs / 1000)),
      );
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ tenant, profiles, resolve, reject });
      this.queuedProfiles += profiles.length;
      this.scheduleFlush();
    });
  }

  /** groupCommitStats: what waits for a commit, commits so far, writes refused (for /metrics and benchmarks). */
  groupCommitStats(): { queuedProfiles: number; queuedRequests: number; commits: number; rejected: number } {
    return {
      queuedProfiles: this.queuedProfiles,
      queuedRequests: this.queue.length,
      commits: this.commits,
      rejected: this.rejectedWrites,
    };
  }

  private scheduleFlush(): void {
    // A running flush drains everything queued meanwhile: that wait is the batching.
    if (this.flushing) return;
    if (this.queuedProfiles >= this.limits.maxBatchProfiles || this.limits.lingerMs <= 0) {
      if (this.flushTimer) clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
      this.startFlush();
      return;
    }
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      this.startFlush();
    }, this.limits.lingerMs);
  }

  private startFlush(): void {
    if (this.flushing) return;
    this.flushing = true;
    const run = this.writeQueue.then(() => this.drain());
    this.writeQueue = run.catch(() => undefined);
  }

  /** drain commits queued requests batch by batch until the queue is empty. */
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch: QueuedWrite[] = [];
        let n = 0;
        while (
          this.queue.length > 0 &&
          (batch.length === 0 || n + this.queue[0].profiles.length <= this.limits.maxBatchProfiles)
        ) {
          const w = this.queue.shift() as QueuedWrite;
          batch.push(w);
          n += w.profiles.length;
        }
        try {
          await this.commit(batch);
          this.queuedProfiles -= n;
          for (const w of batch) w.resolve();
        } catch (err) {
          if (batch.length === 1) {
            this.queuedProfiles -= n;
            batch[0].reject(err);
            continue;
          }
          // One request may have poisoned the batch: retry each alone so only it fails.
          for (const w of batch) {
            try {
              await this.commit([w]);
              w.resolve();
            } catch (e) {
              w.reject(e);
            }
            this.queuedProfiles -= w.profiles.length;
          }
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** commit writes a batch of requests in one transaction and returns once COMMIT returned. */
  private async commit(batch: readonly QueuedWrite[]): Promise<void> {
    if (this.closed) throw new Error('store is closed');
    this.tree.begin();
    const newTrees: Array<[number, string, string]> = [];
    const newSeries: SeriesEntry[] = [];
    const c = this.writer;
    // Rows of the whole batch go in as one INSERT per table: a statement costs far more than a row.
    const prof = {
      series: [] as number[],
      times: [] as bigint[],
      durations: [] as bigint[],
      totals: [] as number[],
    };
    const samp = {
      series: [] as number[],
      times: [] as bigint[],
      stacks: [] as number[],
      values: [] as number[],
    };
    await c.run('BEGIN TRANSACTION');
    try {
      for (const { tenant, profiles } of batch) {
        for (const p of profiles) {
          const service = p.labels[SERVICE_NAME_LABEL] ?? '';
          const profileType = p.labels[PROFILE_TYPE_LABEL];
          const tk = treeKey(tenant, service);
          let treeId = this.trees.get(tk);
          if (treeId === undefined) {
            treeId = this.trees.size + 1;
            this.trees.set(tk, treeId);
            newTrees.push([treeId, tenant, service]);
          }
          const labelsJson = canonicalLabels(p.labels);
          const sk = `${tenant}\u0000${labelsJson}`;
          let series = this.seriesByKey.get(sk);
          if (!series) {
            series = { id: this.seriesByKey.size + 1, tenant, treeId, profileType, labels: { ...p.labels } };
            this.addSeries(series);
            newSeries.push(series);
          }
          // Sum duplicates so each (profile, stack) is one row, and sort by stack id: runs of close
          // ids compress well in DuckDB's bit-packing.
          const sums = new Map<number, number>();
          let total = 0;
          for (let i = 0; i < p.stacks.length; i++) {
            // A large profile's stacks take seconds to intern: let health checks and queries in.
            if (i % YIELD_EVERY_STACKS === YIELD_EVERY_STACKS - 1) await yieldToEventLoop();
            const v = p.values[i];
            if (!v) continue;
            const id = this.tree.intern(treeId, p.stacks[i]);
            sums.set(id, (sums.get(id) ?? 0) + v);
            total += v;
          }
          const ids = [...sums.keys()].sort((a, b) => a - b);
          const time = BigInt(Math.round(p.timeNanos));
          prof.series.push(series.id);
          prof.times.push(time);
          prof.durations.push(BigInt(Math.round(p.durationNanos)));
          prof.totals.push(total);
          for (const id of ids) {
            samp.series.push(series.id);
            samp.times.push(time);
            samp.stacks.push(id);
            samp.values.push(sums.get(id) as number);
          }
        }
      }
      if (prof.series.length > 0) {
        await c.run(
          'INSERT INTO profiles SELECT unnest($1), unnest($2), unnest($3), unnest($4)',
          [listValue(prof.series), listValue(prof.times), listValue(prof.durations), listValue(prof.totals)],
          [LIST(INTEGER), LIST(BIGINT), LIST(BIGINT), LIST(DOUBLE)],
        );
      }
      if (samp.series.length > 0) {
        await c.run(
          'INSERT INTO samples SELECT unnest($1), unnest($2), unnest($3), unnest($4)',
          [listValue(samp.series), listValue(samp.times), listValue(samp.stacks), listValue(samp.values)],
          [LIST(INTEGER), LIST(BIGINT), LIST(INTEGER), LIST(DOUBLE)],
        );
      }
      for (const [id, t, s] of newTrees) {
        await c.run('INSERT INTO trees VALUES ($1, $2, $3)', [id, t, s], [INTEGER, VARCHAR, VARCHAR]);
      }
      const frames = this.tree.newFrames();
      if (frames.length > 0) {
        await c.run(
          'INSERT INTO frames SELECT unnest($1), unnest($2)',
          [listValue(frames.map((f) => f.id)), listValue(frames.map((f) => f.name))],
          [LIST(INTEGER), LIST(VARCHAR)],
        );
      }
      const nodes = this.tree.newNodes();
      if (nodes.ids.length > 0) {
        await c.run(
          'INSERT INTO stacks SELECT unnest($1), unnest($2), unnest($3), unnest($4)',
          [listValue(nodes.ids), listValue(nodes.trees), listValue(nodes.parents), listValue(nodes.frames)],
          [LIST(INTEGER), LIST(INTEGER), LIST(INTEGER), LIST(INTEGER)],
        );
      }
      for (const s of newSeries) {
        await c.run(
          'INSERT INTO series VALUES ($1, $2, $3, $4, $5)',
          [s.id, s.tenant, s.treeId, s.profileType, canonicalLabels(s.labels)],
          [INTEGER, VARCHAR, INTEGER, VARCHAR, VARCHAR],
        );
      }
      // COMMIT writes the WAL before it returns, so the batch survives a kill -9 from here on.
      await c.run('COMMIT');
      this.commits++;
    } catch (err) {
      await c.run('ROLLBACK').catch(() => undefined);
      this.tree.rollback();
      for (const [, t, s] of newTrees) this.trees.delete(treeKey(t, s));
      for (const s of newSeries) this.removeSeries(s);
      throw err;
    }
  }

  async series(
    tenant: string,
    matchers: readonly LabelMatcher[],
    range?: TimeRange,
  ): Promise<SeriesLabels[]> {
    const found = await this.matching(tenant, matchers, range);
    return found.map((s) => ({ ...s.labels }));
  }

  async mergeRange(tenant: string, query: SelectQuery): Promise<Profile> {
    const type = parseProfileTypeId(query.profileType);
    const builder = new ProfileBuilder([type ? type.sampleType : { type: 'samples', unit: 'count' }]);
    const profile = builder.profile;
    profile.timeNanos = query.startNanos;
    profile.durationNanos = query.endNanos - query.startNanos;
    if (type) profile.periodType = { ...type.periodType };
    const series = await this.matching(tenant, [...query.matchers, profileTypeMatcher(query.profileType)]);
    if (series.length === 0) return builder.build();
    const rows = await this.rows(
      `SELECT stack_id, sum(value) FROM samples
       WHERE series_id IN (${idList(series)}) AND time_ns >= $1 AND time_ns < $2
       GROUP BY stack_id`,
      [BigInt(Math.round(query.startNanos)), BigInt(Math.round(query.endNanos))],
    );
    // One location per frame name; a stack's leaf-first location list is its parent chain.
    const locationOfFrame = new Map<string, number>();
    checkDeadlineNow();
    for (const [stackId, value] of rows) {
      checkDeadline();
      const ids: number[] = [];
      for (let id = Number(stackId); id !== 0; id = this.tree.parent(id)) {
        const name = this.tree.frameName(id);
        let loc = locationOfFrame.get(name);
        if (loc === undefined) {
          loc = builder.locationId({ name });
          locationOfFrame.set(name, loc);
        }
        ids.push(loc);
      }
      builder.addSample(ids, [Number(value)]);
    }
    return builder.build();
  }

  async coverage(tenant: string, query: SelectQuery): Promise<StoreCoverage> {
    const series = await this.matching(tenant, [...query.matchers, profileTypeMatcher(query.profileType)]);
    if (series.length === 0) return { profiles: 0, durationNanos: 0, total: 0 };
    const rows = await this.rows(
      `SELECT coalesce(sum(n), 0), coalesce(max(d), 0), coalesce(sum(v), 0) FROM (
         SELECT count(*) AS n, sum(duration_ns) AS d, sum(total) AS v FROM profiles
         WHERE series_id IN (${idList(series)}) AND time_ns >= $1 AND time_ns < $2
         GROUP BY series_id)`,
      [BigInt(Math.round(query.startNanos)), BigInt(Math.round(query.endNanos))],
    );
    const [n, duration, total] = rows[0] ?? [0, 0, 0];
    return { profiles: Number(n), durationNanos: Number(duration), total: Number(total) };
  }

  async timeline(tenant: string, query: TimelineQuery): Promise<TimelineSeries[]> {
    const step = Math.max(1, Math.round(query.stepNanos));
    const buckets = Math.max(1, Math.ceil((query.endNanos - query.startNanos) / step));
    const series = await this.matching(tenant, [...query.matchers, profileTypeMatcher(query.profileType)]);
    if (series.length === 0) return [];
    const groupBy = query.groupBy ?? [];
    const groupOf = new Map<number, string>();
    const groups = new Map<string, TimelineSeries>();
    for (const s of series) {
      const labels: SeriesLabels = {};
      for (const name of groupBy) if (s.labels[name] !== undefined) labels[name] = s.labels[name];
      const key = canonicalLabels(labels);
      groupOf.set(s.id, key);
      if (!groups.has(key)) groups.set(key, { labels, values: new Array<number>(buckets).fill(0) });
    }
    const start = BigInt(Math.round(query.startNanos));
    const rows = await this.rows(
      `SELECT series_id, (time_ns - $1) // $3 AS bucket, sum(total) FROM profiles
       WHERE series_id IN (${idList(series)}) AND time_ns >= $1 AND time_ns < $2
       GROUP BY ALL`,
      [start, BigInt(Math.round(query.endNanos)), BigInt(step)],
    );
    for (const [seriesId, bucket, total] of rows) {
      const g = groups.get(groupOf.get(Number(seriesId)) as string);
      const b = Number(bucket);
      if (g && b >= 0 && b < buckets) g.values[b] += Number(total);
    }
    return [...groups.values()].sort((a, b) =>
      canonicalLabels(a.labels).localeCompare(canonicalLabels(b.labels)),
    );
  }

  async labelNames(tenant: string, matchers: readonly LabelMatcher[], range?: TimeRange): Promise<string[]> {
    const names = new Set<string>();
    for (const s of await this.matching(tenant, matchers, range))
      for (const n of Object.keys(s.labels)) names.add(n);
    return [...names].sort();
  }

  async labelValues(
    tenant: string,
    name: string,
    matchers: readonly LabelMatcher[],
    range?: TimeRange,
  ): Promise<string[]> {
    const values = new Set<string>();
    for (const s of await this.matching(tenant, matchers, range)) {
      const v = s.labels[name];
      if (v !== undefined) values.add(v);
    }
    return [...values].sort();
  }

  async profileTypes(tenant: string, range?: TimeRange): Promise<string[]> {
    const types = new Set<string>();
    for (const s of await this.matching(tenant, [], range)) types.add(s.profileType);
    return [...types].sort();
  }

  async applyRetention(policy: RetentionPolicy): Promise<RetentionResult> {
    const run = this.writeQueue.then(() => this.retainNow(policy));
    this.writeQueue = run.catch(() => undefined);
    return run;
  }

  private async retainNow(policy: RetentionPolicy): Promise<RetentionResult> {
    let deleted = 0;
    const now = policy.nowNanos ?? Date.now() * 1e6;
    if (policy.maxAgeNanos !== undefined)
      deleted += await this.deleteBefore(BigInt(Math.round(now - policy.maxAgeNanos)));
    if (policy.maxBytes !== undefined) {
      // Delete the oldest profiles in slices until the used size fits: deleted blocks are only
      // freed by a checkpoint, so measure after each one.
      for (let round = 0; round < 8; round++) {
        await this.writer.run('CHECKPOINT');
        const bytes = await this.usedBytes();
        if (bytes <= policy.maxBytes) break;
        const fraction = Math.min(1, Math.max(0.05, 1 - policy.maxBytes / bytes));
        const [[cutoff]] = await this.rows(
          'SELECT quantile_disc(time_ns, $1) FROM profiles',
          [fraction],
          true,
        );
        if (cutoff === null || cutoff === undefined) break;
        // Everything strictly before the cutoff, plus the cutoff itself when that is all that is left.
        const n = await this.deleteBefore(BigInt(cutoff as bigint) + 1n);
        deleted += n;
        if (n === 0) break;
      }
    }
    await this.writer.run('CHECKPOINT');
    return { profilesDeleted: deleted };
  }

  private async deleteBefore(cutoff: bigint): Promise<number> {
    const c = this.writer;
    await c.run('BEGIN TRANSACTION');
    try {
      const [[n]] = await this.rows('SELECT count(*) FROM profiles WHERE time_ns < $1', [cutoff], true);
      await c.run('DELETE FROM samples WHERE time_ns < $1', [cutoff], [BIGINT]);
      await c.run('DELETE FROM profiles WHERE time_ns < $1', [cutoff], [BIGINT]);
      await c.run('COMMIT');
      return Number(n);
    } catch (err) {
      await c.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  async stats(): Promise<StoreStats> {
    const [[profiles]] = await this.rows('SELECT count(*) FROM profiles');
    const [[samples]] = await this.rows('SELECT count(*) FROM samples');
    return {
      bytesOnDisk: this.fileBytes(),
      profiles: Number(profiles),
      series: this.seriesByKey.size,
      samples: Number(samples),
    };
  }

  /** checkpoint folds the WAL into the database file (benchmarks measure bytes after it). */
  async checkpoint(): Promise<void> {
    await this.writeQueue;
    await this.writer.run('CHECKPOINT');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Commit what is queued (those callers are still waiting), then refuse new writes.
    while (this.flushing || this.queue.length > 0) {
      if (!this.flushing) {
        if (this.flushTimer) clearTimeout(this.flushTimer);
        this.flushTimer = undefined;
        this.startFlush();
      }
      await this.writeQueue;
    }
    await this.writeQueue;
    this.closed = true;
    this.reader.closeSync();
    this.writer.closeSync();
    this.instance.closeSync();
  }

  // --- helpers ---------------------------------------------------------------------------------

  private addSeries(s: SeriesEntry): void {
    this.seriesByKey.set(`${s.tenant}\u0000${canonicalLabels(s.labels)}`, s);
    let list = this.seriesByTenant.get(s.tenant);
    if (!list) {
      list = [];
      this.seriesByTenant.set(s.tenant, list);
    }
    list.push(s);
  }

  private removeSeries(s: SeriesEntry): void {
    this.seriesByKey.delete(`${s.tenant}\u0000${canonicalLabels(s.labels)}`);
    const list = this.seriesByTenant.get(s.tenant);
    if (list) list.splice(list.indexOf(s), 1);
  }

  /** matching filters the tenant's series by matchers, then (with a range) to those with data in it. */
  private async matching(
    tenant: string,
    matchers: readonly LabelMatcher[],
    range?: TimeRange,
  ): Promise<SeriesEntry[]> {
    const test = compileMatchers(matchers);
    const found = (this.seriesByTenant.get(tenant) ?? []).filter((s) => test(s.labels));
    if (!range || found.length === 0) return found;
    const rows = await this.rows(
      `SELECT DISTINCT series_id FROM profiles
       WHERE series_id IN (${idList(found)}) AND time_ns >= $1 AND time_ns < $2`,
      [BigInt(Math.round(range.startNanos)), BigInt(Math.round(range.endNanos))],
    );
    const live = new Set(rows.map((r) => Number(r[0])));
    return found.filter((s) => live.has(s.id));
  }

  private async rows(
    sql: string,
    params: Array<bigint | number> = [],
    onWriter = false,
  ): Promise<unknown[][]> {
    const conn = onWriter ? this.writer : this.reader;
    const result = await conn.runAndReadAll(sql, params);
    return result.getRowsJS() as unknown[][];
  }

  private async usedBytes(): Promise<number> {
    const [[blockSize, used]] = await this.rows(
      'SELECT block_size, used_blocks FROM pragma_database_size()',
      [],
      true,
    );
    return Number(blockSize) * Number(used) + this.walBytes();
  }

  private fileBytes(): number {
    if (this.path === ':memory:') return 0;
    let size = 0;
    try {
      size += statSync(this.path).size;
    } catch {}
    return size + this.walBytes();
  }

  private walBytes(): number {
    if (this.path === ':memory:') return 0;
    try {
      return statSync(`${this.path}.wal`).size;
    } catch {
      return 0;
    }
  }
}

function treeKey(tenant: string, service: string): string {
  return `${tenant}\u0000${service}`;
}

/** canonicalLabels is a label set's identity: JSON of its pairs sorted by name. */
function canonicalLabels(labels: SeriesLabels): string {
  const sorted: SeriesLabels = {};
  for (const k of Object.keys(labels).sort()) sorted[k] = labels[k];
  return JSON.stringify(sorted);
}

function profileTypeMatcher(profileType: string): LabelMatcher {
  return { name: PROFILE_TYPE_LABEL, op: '=', value: profileType };
}

/** idList inlines series ids (integers we assigned, never user text) into an IN list. */
function idList(series: readonly SeriesEntry[]): string {
  return series.map((s) => String(s.id | 0)).join(',');
}
