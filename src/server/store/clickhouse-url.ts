/**
 * ClickHouseUrl: what `--storage clickhouse://user:pass@host:8123/db?cluster=name` means.
 *
 *   clickhouse://  HTTP to the server's HTTP interface (default port 8123)
 *   clickhouses:// HTTPS (default port 8443); `?secure=1` does the same
 *   http:// https:// accepted as written, for copy-paste from ClickHouse docs
 *
 * Query options (all optional):
 *   cluster=NAME          cluster mode: ReplicatedMergeTree + Distributed tables, DDL ON CLUSTER NAME
 *   max_buffer_bytes=N    ingest held in memory while ClickHouse is unavailable (default 256 MiB)
 *   flush_ms=N            how long a write waits for others to share its INSERT (default 25)
 *   request_timeout_ms=N  per HTTP request (default 30000)
 */
export interface ClickHouseConnectionOptions {
  /** url is the HTTP(S) origin, without credentials or path. */
  url: string;
  username: string;
  password: string;
  database: string;
  cluster?: string;
  maxBufferBytes: number;
  flushMs: number;
  requestTimeoutMs: number;
}

/** isClickHouseUrl says whether --storage names ClickHouse. */
export function isClickHouseUrl(text: string): boolean {
  return /^(clickhouses?|https?):\/\//i.test(text);
}

/** parseClickHouseUrl reads a storage URL; it throws a one-line Error on nonsense. */
export function parseClickHouseUrl(text: string): ClickHouseConnectionOptions {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error(`not a URL: '${redact(text)}'`);
  }
  const scheme = u.protocol.replace(/:$/, '').toLowerCase();
  let secure = scheme === 'clickhouses' || scheme === 'https';
  if (!['clickhouse', 'clickhouses', 'http', 'https'].includes(scheme))
    throw new Error(`unsupported scheme '${scheme}' for ClickHouse`);
  const flag = u.searchParams.get('secure');
  if (flag === '1' || flag === 'true') secure = true;
  if (!u.hostname) throw new Error('ClickHouse URL has no host');
  const port = u.port || (secure ? '8443' : '8123');
  const database = decodeURIComponent(u.pathname.replace(/^\/+|\/+$/g, '')) || 'autoprof';
  if (database.includes('/')) throw new Error(`ClickHouse database name '${database}' contains '/'`);
  const cluster = u.searchParams.get('cluster') ?? undefined;
  if (cluster === '') throw new Error('cluster= needs a name');
  const host = u.hostname.includes(':') && !u.hostname.startsWith('[') ? `[${u.hostname}]` : u.hostname;
  return {
    url: `${secure ? 'https' : 'http'}://${host}:${port}`,
    username: decodeURIComponent(u.username) || 'default',
    password: decodeURIComponent(u.password),
    database,
    cluster,
    maxBufferBytes: positive(u.searchParams.get('max_buffer_bytes'), 256 * 1024 * 1024, 'max_buffer_bytes'),
    flushMs: positive(u.searchParams.get('flush_ms'), 25, 'flush_ms', true),
    requestTimeoutMs: positive(u.searchParams.get('request_timeout_ms'), 30_000, 'request_timeout_ms'),
  };
}

/** redact hides the password of a storage URL, for messages and logs. */
export function redact(text: string): string {
  return text.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@');
}

function positive(text: string | null, fallback: number, name: string, zeroOk = false): number {
  if (text === null || text === '') return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || (!zeroOk && n === 0))
    throw new Error(`${name} must be a positive number`);
  return n;
}
