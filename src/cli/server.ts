import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../errors.js';
import type { AnomalyConfigInput } from '../server/anomaly/config.js';
import { buildServer } from '../server/app.js';
import { openClickHouseStore } from '../server/store/clickhouse.js';
import { isClickHouseUrl, parseClickHouseUrl, redact } from '../server/store/clickhouse-url.js';
import { openDuckDbStore } from '../server/store/duckdb.js';
import type { ProfileStore } from '../server/store/types.js';
import { type Command, type CommandIo, parseCommandArgs, wantsHelp } from './command.js';

const USAGE = `usage: autoprof server [--data DIR] [--listen HOST:PORT] [--storage URL] [--config FILE]

Runs the continuous-profiling server: Pyroscope agents push to /ingest or
/push.v1.PusherService/Push; Grafana and the Pyroscope UI query /pyroscope/render and the
querier.v1 Connect endpoints; autoprof's own API lives under /api/v1.

  --data DIR         where the embedded DuckDB store lives (default ./autoprof-data)
  --listen HOST:PORT address to bind (default 127.0.0.1:4040, loopback only; port 0 picks one)
  --storage URL      duckdb:///path/to/dir (default: the --data directory), or
                     clickhouse://user:pass@host:8123/db[?cluster=NAME] (clickhouses:// for TLS)
  --source-root DIR  the services' source (a checkout); repeatable. Stored profiles carry
                     function names only: with the source, findings over stored ranges find
                     each function's file and run the source-line patterns, as 'run' does
  --config FILE      YAML: listen, data, storage, ingestTokens, readTokens, sourceRoots,
                     retention {maxAgeHours, maxBytes}, limits {maxBodyBytes,
                     maxDecompressedBytes, ingestBytesPerSecond, ingestBurstBytes},
                     anomaly {enabled, thresholds, prometheus {url, queries},
                     notifications {targets, quietMinutes}, publicUrl, ...}
                     (continuous anomaly detection; state in DATA/anomalies.duckdb)

Tokens may also come from AUTOPROF_INGEST_TOKENS and AUTOPROF_READ_TOKENS (comma separated).
SIGTERM or SIGINT stops the server gracefully.`;

/** ServerConfig is the YAML config file's shape (every key optional). */
interface ServerConfig {
  listen?: string;
  data?: string;
  storage?: string;
  ingestTokens?: string[];
  readTokens?: string[];
  retention?: { maxAgeHours?: number; maxBytes?: number; intervalSeconds?: number };
  limits?: {
    maxBodyBytes?: number;
    maxDecompressedBytes?: number;
    ingestBytesPerSecond?: number;
    ingestBurstBytes?: number;
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
        storage: { type: 'string' },
        config: { type: 'string' },
        'source-root': { type: 'string', multiple: true },
      },
      false,
    );
    const config = values.config ? readConfig(values.config) : {};
    const listen = parseListen(values.listen ?? config.listen ?? '127.0.0.1:4040');
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
        await app.close();
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
