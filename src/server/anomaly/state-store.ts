import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BIGINT, type DuckDBConnection, DuckDBInstance, VARCHAR } from '@duckdb/node-api';
import type { Anomaly } from './anomaly.js';
import type { DeployEvent } from './deploys.js';
import { decodeMinute, encodeMinute, type MinuteShares } from './minute-shares.js';

/**
 * AnomalyStateStore keeps the continuous analysis's own state in `anomalies.duckdb`, apart
 * from the profile store: it works the same whichever engine holds the profiles, and dropping
 * it only costs re-learning baselines, never profiles.
 *
 *   minutes   (tenant, group_key, minute_ns, doc)   one minute vector per series group (JSON)
 *   deploys   (tenant, id, service, time_ns, doc)    deploy events
 *   anomalies (tenant, id, service, start_ns, doc)  the Anomaly documents
 */
const SCHEMA = [
  'CREATE TABLE IF NOT EXISTS minutes (tenant VARCHAR, group_key VARCHAR, minute_ns BIGINT, doc VARCHAR)',
  'CREATE TABLE IF NOT EXISTS deploys (tenant VARCHAR, id VARCHAR, service VARCHAR, time_ns BIGINT, doc VARCHAR)',
  'CREATE TABLE IF NOT EXISTS anomalies (tenant VARCHAR, id VARCHAR, service VARCHAR, start_ns BIGINT, doc VARCHAR)',
];

/** openAnomalyStateStore opens `dir/anomalies.duckdb`, or an in-memory database without a dir. */
export async function openAnomalyStateStore(dir?: string): Promise<AnomalyStateStore> {
  let path = ':memory:';
  if (dir) {
    mkdirSync(dir, { recursive: true });
    path = join(dir, 'anomalies.duckdb');
  }
  const instance = await DuckDBInstance.create(path);
  const conn = await instance.connect();
  for (const sql of SCHEMA) await conn.run(sql);
  return new AnomalyStateStore(instance, conn);
}

/** AnomalyStateStore: one connection, statements serialised through a promise chain. */
export class AnomalyStateStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private rows(sql: string, params: unknown[] = [], types?: unknown[]): Promise<unknown[][]> {
    return this.serial(async () => {
      const r = await this.conn.runAndReadAll(sql, params as never, types as never);
      return r.getRowsJS() as unknown[][];
    });
  }

  async addMinutes(tenant: string, groupKey: string, minutes: readonly MinuteShares[]): Promise<void> {
    if (minutes.length === 0) return;
    await this.serial(async () => {
      const appender = await this.conn.createAppender('minutes');
      for (const m of minutes) {
        appender.appendVarchar(tenant);
        appender.appendVarchar(groupKey);
        appender.appendBigInt(BigInt(Math.round(m.minuteNanos)));
        appender.appendVarchar(encodeMinute(m));
        appender.endRow();
      }
      appender.closeSync();
    });
  }

  /** loadMinutes returns every group's minutes since `sinceNanos`, oldest first. */
  async loadMinutes(tenant: string, sinceNanos: number): Promise<Map<string, MinuteShares[]>> {
    const out = new Map<string, MinuteShares[]>();
    for (const [key, t, doc] of await this.rows(
      'SELECT group_key, minute_ns, doc FROM minutes WHERE tenant = $1 AND minute_ns >= $2 ORDER BY minute_ns',
      [tenant, BigInt(Math.round(sinceNanos))],
      [VARCHAR, BIGINT],
    )) {
      const list = out.get(String(key)) ?? [];
      list.push(decodeMinute(Number(t), String(doc)));
      out.set(String(key), list);
    }
    return out;
  }

  /** pruneMinutes deletes minute vectors older than the longest baseline. */
  async pruneMinutes(beforeNanos: number): Promise<void> {
    await this.rows('DELETE FROM minutes WHERE minute_ns < $1', [BigInt(Math.round(beforeNanos))], [BIGINT]);
  }

  async addDeploy(tenant: string, e: DeployEvent): Promise<void> {
    await this.rows(
      'INSERT INTO deploys VALUES ($1, $2, $3, $4, $5)',
      [tenant, e.id, e.service, BigInt(Math.round(e.time * 1e9)), JSON.stringify(e)],
      [VARCHAR, VARCHAR, VARCHAR, BIGINT, VARCHAR],
    );
  }

  async listDeploys(
    tenant: string,
    filter: { service?: string; from?: number; until?: number } = {},
  ): Promise<DeployEvent[]> {
    const rows = await this.rows(
      'SELECT doc FROM deploys WHERE tenant = $1 ORDER BY time_ns',
      [tenant],
      [VARCHAR],
    );
    return rows
      .map(([doc]) => JSON.parse(String(doc)) as DeployEvent)
      .filter(
        (e) =>
          (!filter.service || e.service === filter.service) &&
          (filter.from === undefined || e.time >= filter.from) &&
          (filter.until === undefined || e.time < filter.until),
      );
  }

  /** putAnomaly inserts or replaces (an open anomaly is rewritten as it extends). */
  async putAnomaly(tenant: string, a: Anomaly): Promise<void> {
    await this.serial(async () => {
      await this.conn.run(
        'DELETE FROM anomalies WHERE tenant = $1 AND id = $2',
        [tenant, a.id],
        [VARCHAR, VARCHAR],
      );
      await this.conn.run(
        'INSERT INTO anomalies VALUES ($1, $2, $3, $4, $5)',
        [tenant, a.id, a.service, BigInt(Math.round(a.window.from * 1e9)), JSON.stringify(a)],
        [VARCHAR, VARCHAR, VARCHAR, BIGINT, VARCHAR],
      );
    });
  }

  /** listAnomalies: newest first, optionally one service and a range of start times (Unix s). */
  async listAnomalies(
    tenant: string,
    filter: { service?: string; from?: number; until?: number; limit?: number } = {},
  ): Promise<Anomaly[]> {
    const rows = await this.rows(
      'SELECT doc FROM anomalies WHERE tenant = $1 AND start_ns >= $2 AND start_ns < $3 ORDER BY start_ns DESC',
      [tenant, BigInt(Math.round((filter.from ?? 0) * 1e9)), BigInt(Math.round((filter.until ?? 4e9) * 1e9))],
      [VARCHAR, BIGINT, BIGINT],
    );
    return rows
      .map(([doc]) => JSON.parse(String(doc)) as Anomaly)
      .filter((a) => !filter.service || a.service === filter.service)
      .slice(0, filter.limit ?? 100);
  }

  async getAnomaly(tenant: string, id: string): Promise<Anomaly | undefined> {
    const rows = await this.rows(
      'SELECT doc FROM anomalies WHERE tenant = $1 AND id = $2',
      [tenant, id],
      [VARCHAR, VARCHAR],
    );
    return rows[0] ? (JSON.parse(String(rows[0][0])) as Anomaly) : undefined;
  }

  async close(): Promise<void> {
    await this.queue;
    this.conn.closeSync();
    this.instance.closeSync();
  }
}
