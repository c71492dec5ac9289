/**
 * AgentConfig is what the Node agent reads from the environment. Pyroscope's variable names are
 * accepted too, so an app already configured for a Pyroscope agent needs no new settings.
 *
 *   AUTOPROF_SERVER_URL  | PYROSCOPE_SERVER_ADDRESS     where to push (http or https)
 *   AUTOPROF_APP_NAME    | PYROSCOPE_APPLICATION_NAME   service name (default: the main script's name)
 *   AUTOPROF_TAGS        | PYROSCOPE_TAGS               k=v,k=v labels of every profile
 *   AUTOPROF_TOKEN       | PYROSCOPE_AUTH_TOKEN         sent as `Authorization: Bearer`
 *   AUTOPROF_TENANT                                     sent as X-Scope-OrgID
 *   AUTOPROF_UPLOAD_INTERVAL_MS  (10000)  profile window and push period
 *   AUTOPROF_CPU_INTERVAL_US     (10000)  CPU sampling period: 100 Hz, Pyroscope's rate
 *   AUTOPROF_HEAP_INTERVAL_BYTES (524288) heap sampling period, pprof-nodejs's default
 *   AUTOPROF_PROFILES            (cpu,heap)
 *   AUTOPROF_MAX_QUEUE           (60)     profiles held while the server is unreachable
 *   AUTOPROF_MAX_QUEUE_BYTES     (33554432) ... and their bytes: the agent's memory bound then
 *   AUTOPROF_BACKOFF_MS / AUTOPROF_BACKOFF_MAX_MS (1000 / 60000)
 *   AUTOPROF_AGENT_DEBUG=1       one stderr line per failure or retry and the counters at exit
 */
export interface AgentConfig {
  serverUrl: URL;
  appName: string;
  tags: Record<string, string>;
  token?: string;
  tenant?: string;
  uploadIntervalMs: number;
  cpuIntervalUs: number;
  heapIntervalBytes: number;
  cpu: boolean;
  heap: boolean;
  maxQueue: number;
  maxQueueBytes: number;
  backoffMs: number;
  backoffMaxMs: number;
  debug: boolean;
}

/** readAgentConfig returns undefined (agent stays off) when no server is configured; throws on a bad URL. */
export function readAgentConfig(
  env: Record<string, string | undefined>,
  mainScript?: string,
): AgentConfig | undefined {
  const server = env.AUTOPROF_SERVER_URL || env.PYROSCOPE_SERVER_ADDRESS;
  if (!server) return undefined;
  const serverUrl = new URL(server);
  if (serverUrl.protocol !== 'http:' && serverUrl.protocol !== 'https:') {
    throw new Error(`server URL must be http or https: ${server}`);
  }
  const profiles = (env.AUTOPROF_PROFILES ?? 'cpu,heap').split(',').map((p) => p.trim());
  return {
    serverUrl,
    appName: env.AUTOPROF_APP_NAME || env.PYROSCOPE_APPLICATION_NAME || defaultAppName(mainScript),
    tags: parseTags(env.AUTOPROF_TAGS ?? env.PYROSCOPE_TAGS ?? ''),
    token: env.AUTOPROF_TOKEN || env.PYROSCOPE_AUTH_TOKEN || undefined,
    tenant: env.AUTOPROF_TENANT || undefined,
    uploadIntervalMs: positive(env.AUTOPROF_UPLOAD_INTERVAL_MS, 10_000),
    cpuIntervalUs: positive(env.AUTOPROF_CPU_INTERVAL_US, 10_000),
    heapIntervalBytes: positive(env.AUTOPROF_HEAP_INTERVAL_BYTES, 512 * 1024),
    cpu: profiles.includes('cpu'),
    heap: profiles.includes('heap'),
    maxQueue: positive(env.AUTOPROF_MAX_QUEUE, 60),
    maxQueueBytes: positive(env.AUTOPROF_MAX_QUEUE_BYTES, 32 * 1024 * 1024),
    backoffMs: positive(env.AUTOPROF_BACKOFF_MS, 1000),
    backoffMaxMs: positive(env.AUTOPROF_BACKOFF_MAX_MS, 60_000),
    debug: env.AUTOPROF_AGENT_DEBUG === '1' || env.AUTOPROF_AGENT_DEBUG === 'true',
  };
}

/** parseTags reads `k=v,k=v`; pairs without a name or `=` are skipped, not fatal. */
export function parseTags(text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const key = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (/^[A-Za-z_][A-Za-z0-9_.]*$/.test(key)) tags[key] = value;
  }
  return tags;
}

/** ingestName is the legacy ingest `name`: `app{k=v,...}`; values are quoted only when they must be. */
export function ingestName(appName: string, tags: Record<string, string>): string {
  const pairs = Object.keys(tags)
    .sort()
    .map((k) => `${k}=${tags[k]}`);
  return pairs.length === 0 ? appName : `${appName}{${pairs.join(',')}}`;
}

function defaultAppName(mainScript?: string): string {
  const base = (mainScript ?? '').split(/[\\/]/).pop() ?? '';
  return base.replace(/\.[cm]?[jt]s$/, '') || 'node-app';
}

function positive(text: string | undefined, fallback: number): number {
  const n = Number(text);
  return text !== undefined && Number.isFinite(n) && n > 0 ? n : fallback;
}
