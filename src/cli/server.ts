import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../errors.js';
import type { AnomalyConfigInput } from '../server/anomaly/config.js';
import { buildServer } from '../server/app.js';
import { listenGrpc } from '../server/connect/grpc-listener.js';
import { openClickHouseStore } from '../server/store/clickhouse.js';
import { isClickHouseUrl, parseClickHouseUrl, redact } from '../server/store/clickhouse-url.js';
import { openDuckDbStore } from '../server/store/duckdb.js';
import type { ProfileStore } from '../server/store/types.js';
import { type Command, type CommandIo, parseCommandArgs, wantsHelp } from './command.js';

const USAGE = `usage: autoprof server [--data DIR] [--listen HOST:PORT] [--grpc-listen HOST:PORT] [--storage URL]
                       [--config FILE]

Runs the continuous-profiling server: Pyroscope agents push to /ingest or
/push.v1.PusherService/Push; Grafana and the Pyroscope UI query /pyroscope/render and the
querier.v1 Connect endpoints; autoprof's own API lives under /api/v1.

  --data DIR         where the embedded DuckDB store lives (default ./autoprof-data)
  --listen HOST:PORT address to bind (default 127.0.0.1:4040, loopback only; port 0 picks one)
  --grpc-listen HOST:PORT
                     also serve the RPC API over cleartext HTTP/2 (h2c) for gRPC clients
                     (profilecli --protocol=grpc); Connect and gRPC-web work on --listen
  --storage URL      duckdb:///path/to/dir (default: the --data directory), or
                     clickhouse://user:pass@host:8123/db[?cluster=NAME] (clickhouses:// for TLS)
  --source-root DIR  the services' source (a checkout); repeatable. Stored profiles carry
                     function names only: with the source, findings over stored ranges find
                     each function's file and run the source-line patterns, as 'run' does
  --config FILE      YAML: listen, grpcListen, data, storage, ingestTokens, readTokens,
                     sourceRoots, tokenTenants {TOKEN: [tenant, ...]},
                     allowedHosts, retention {maxAgeHours, maxBytes}, limits {maxBodyBytes,
                     maxDecompressedBytes, ingestBytesPerSecond, ingestBurstBytes,
                     maxInflightBytes, maxConcurrentIngests, maxTenants, maxSeriesPerTenant,
                     decodeWorkers, requestTimeoutMs,
                     headersTimeoutMs, idleTimeoutMs, maxConnectionsPerClient,
                     minBodyBytesPerSecond, maxQueryRangeSeconds, maxPointsPerSeries,
                     maxSeries, maxNodes,
                     queryTimeoutMs, shutdownTimeoutMs} (README: server limits),
                     anomaly {enabled, thresholds, prometheus {url, queries},
                     notifications {targets, quietMinutes}, publicUrl, ...}
                     (continuous anomaly detection; state in DATA/anomalies.duckdb)

Tokens may also come from AUTOPROF_INGEST_TOKENS and AUTOPROF_READ_TOKENS (comma separated).
SIGTERM or SIGINT stops the server gracefully.`;

/** ServerConfig is the YAML config file's shape (every key optional). */
interface ServerConfig {
  listen?: string;
  grpcListen?: string;
  data?: string;
  storage?: string;
  ingestTokens?: string[];
  readTokens?: string[];
  /** tokenTenants: token -> the tenants it may write and read (others answer 403). */
  tokenTenants?: Record<string, string[]>;
  /** allowedHosts: Host names accepted without tokens besides IP literals and localhost. */
  allowedHosts?: string[];
  retention?: { maxAgeHours?: number; maxBytes?: number; intervalSeconds?: number };
  limits?: {
    maxBodyBytes?: number;
    maxDecompressedBytes?: number;
    ingestBytesPerSecond?: number;
    ingestBurstBytes?: number;
    maxInflightBytes?: number;
    maxTenants?: number;
    maxSeriesPerTenant?: number;
    decodeWorkers?: number;
    maxConcurrentIngests?: number;
    requestTimeoutMs?: number;
    headersTimeoutMs?: number;
    idleTimeoutMs?: number;
    maxConnectionsPerClient?: number;
    minBodyBytesPerSecond?: number;
    maxQueryRangeSeconds?: number;
    maxPointsPerSeries?: number;
    maxSeries?: number;
    maxNodes?: number;
    /** queryTimeoutMs: the per-query deadline (503 past it); default 30 s, 0 = none. */
    queryTimeoutMs?: number;
    /** shutdownTimeoutMs: after SIGTERM, exit even if requests are still running; default 10 s. */
    shutdownTimeoutMs?: number;
  };
  /** anomaly: the continuous analysis (src/server/anomaly/config.ts); on by default. */
  anomaly?: AnomalyConfigInput;
  /** sourceRoots: the services' source trees, for source-line findings on stored ranges. */
  sourceRoots?: string[];
}

/** serverCommand is `autoprof server`. */
export const serverCommand: Command = {
  name: 'server',
  summary: 'run the continuous-profiling server (Pyroscope-compatible ingest and query)',
  usage: USAGE,
  async run(argv: string[], io: CommandIo): Promise<number> {
    if (wantsHelp(argv)) {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    const { values } = parseCommandArgs(
      'server',
      argv,
      {
        data: { type: 'string' },
        listen: { type: 'string' },
        'grpc-listen': { type: 'string' },
        storage: { type: 'string' },
        config: { type: 'string' },
        'source-root': { type: 'string', multiple: true },
      },
      false,
    );
    const config = values.config ? readConfig(values.config) : {};
    const listen = parseListen(values.listen ?? config.listen ?? '127.0.0.1:4040');
    const grpcText = values['grpc-listen'] ?? config.grpcListen;
    const grpcListen = grpcText ? parseListen(grpcText) : undefined;
    const dataDir = resolve(values.data ?? config.data ?? 'autoprof-data');
    const store = await openStore(values.storage ?? config.storage, dataDir);
    const tokens = (env: string | undefined, fromConfig: string[] | undefined) =>
      env
        ? env
            .split(',')
            .map((t) => t.trim())
            .filter((t) => t !== '')
        : fromConfig;
    const app = await buildServer({
      store,
      ingestTokens: tokens(process.env.AUTOPROF_INGEST_TOKENS, config.ingestTokens),
      readTokens: tokens(process.env.AUTOPROF_READ_TOKENS, config.readTokens),
      maxBodyBytes: config.limits?.maxBodyBytes,
      maxDecompressedBytes: config.limits?.maxDecompressedBytes,
      ingestBytesPerSecond: config.limits?.ingestBytesPerSecond,
      ingestBurstBytes: config.limits?.ingestBurstBytes,
      maxInflightBytes: config.limits?.maxInflightBytes,
      tokenTenants: config.tokenTenants,
      maxTenants: config.limits?.maxTenants,
      maxSeriesPerTenant: config.limits?.maxSeriesPerTenant,
      decodeWorkers: config.limits?.decodeWorkers,
      maxConcurrentIngests: config.limits?.maxConcurrentIngests,
      requestTimeoutMs: config.limits?.requestTimeoutMs,
      headersTimeoutMs: config.limits?.headersTimeoutMs,
      idleTimeoutMs: config.limits?.idleTimeoutMs,
      maxConnectionsPerClient: config.limits?.maxConnectionsPerClient,
      minBodyBytesPerSecond: config.limits?.minBodyBytesPerSecond,
      allowedHosts: [...(config.allowedHosts ?? []), listen.host],
      queryLimits: definedOnly({
        maxRangeSeconds: config.limits?.maxQueryRangeSeconds,
        maxPointsPerSeries: config.limits?.maxPointsPerSeries,
        maxSeries: config.limits?.maxSeries,
        maxNodes: config.limits?.maxNodes,
        timeoutMs: config.limits?.queryTimeoutMs,
      }),
      sourceRoots: values['source-root'] ?? config.sourceRoots,
      anomaly: {
        publicUrl: `http://${listen.host}:${listen.port}`,
        ...config.anomaly,
        stateDir: config.anomaly?.stateDir ?? dataDir,
      },
    });
    await app.listen({ host: listen.host, port: listen.port });
    const address = app.server.address();
    const port = address && typeof address === 'object' ? address.port : listen.port;
    const storage = values.storage ?? config.storage;
    const where = storage && isClickHouseUrl(storage) ? redact(storage) : dataDir;
    io.stderr(`autoprof server listening on http://${listen.host}:${port} (data: ${where})\n`);
    if (grpcListen) {
      try {
        const grpc = await listenGrpc(app, grpcListen.host, grpcListen.port);
        io.stderr(`autoprof server: gRPC (h2c) on ${grpcListen.host}:${grpc.port}\n`);
      } catch (err) {
        await app.close();
        await store.close();
        throw new UsageError(`server: cannot listen for gRPC on ${grpcText}: ${(err as Error).message}`);
      }
    }

    let retentionTimer: NodeJS.Timeout | undefined;
    const retention = config.retention;
    if (retention && (retention.maxAgeHours || retention.maxBytes)) {
      const apply = () =>
        store
          .applyRetention({
            maxAgeNanos: retention.maxAgeHours ? retention.maxAgeHours * 3600e9 : undefined,
            maxBytes: retention.maxBytes,
          })
          .catch((err) => io.stderr(`retention failed: ${(err as Error).message}\n`));
      retentionTimer = setInterval(apply, (retention.intervalSeconds ?? 600) * 1000);
      retentionTimer.unref();
    }

    return new Promise<number>((done) => {
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        io.stderr(`autoprof server: ${signal}, shutting down\n`);
        if (retentionTimer) clearInterval(retentionTimer);
        // A long query must not hold shutdown forever: past the deadline, connections are cut.
        const deadline = setTimeout(() => {
          io.stderr('autoprof server: shutdown deadline passed, closing open connections\n');
          app.server.closeAllConnections();
        }, config.limits?.shutdownTimeoutMs ?? 10_000);
        deadline.unref();
        await app.close();
        clearTimeout(deadline);
        await store.close();
        process.off('SIGTERM', onTerm);
        process.off('SIGINT', onInt);
        done(0);
      };
      const onTerm = () => void stop('SIGTERM');
      const onInt = () => void stop('SIGINT');
      process.on('SIGTERM', onTerm);
      process.on('SIGINT', onInt);
    });
  },
};

/** definedOnly drops undefined keys, so a partial config never overrides a default with undefined. */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function readConfig(path: string): ServerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`server: cannot read --config ${path}: ${(err as Error).message}`);
  }
  const doc = parseYaml(text) as unknown;
  if (doc !== null && (typeof doc !== 'object' || Array.isArray(doc))) {
    throw new UsageError(`server: ${path} is not a YAML mapping`);
  }
  return (doc ?? {}) as ServerConfig;
}

function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text);
  if (!m) throw new UsageError(`server: --listen takes HOST:PORT, got '${text}'`);
  const port = Number(m[3]);
  if (port > 65535) throw new UsageError(`server: port ${port} is out of range`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

async function openStore(url: string | undefined, dataDir: string): Promise<ProfileStore> {
  if (!url) return openDuckDbStore({ dir: dataDir });
  if (url.startsWith('duckdb://')) {
    const path = url.slice('duckdb://'.length);
    return openDuckDbStore({ dir: path === '' ? dataDir : resolve(path) });
  }
  if (isClickHouseUrl(url)) {
    let options: ReturnType<typeof parseClickHouseUrl>;
    try {
      options = parseClickHouseUrl(url);
    } catch (err) {
      throw new UsageError(`server: --storage: ${(err as Error).message}`);
    }
    return openClickHouseStore(options);
  }
  throw new UsageError(
    `server: unknown --storage '${redact(url)}' (use duckdb:///path or clickhouse://host:8123/db)`,
  );
}
