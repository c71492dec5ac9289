import * as http from 'node:http';
import * as https from 'node:https';
import type { AgentConfig } from './agent-config.cjs';
import { ingestName } from './agent-config.cjs';
import type { PushItem, SendResult } from './push-queue.cjs';

const REQUEST_TIMEOUT_MS = 10_000;

/**
 * pushOverHttp sends one profile to the legacy ingest API:
 * `POST {server}/ingest?name=app{tags}&from&until&format=pprof&spyName=autoprof-node` with the
 * gzipped pprof as the body. The socket is unref'd (a push in flight never keeps the app alive)
 * unless `holdProcess`, which the exit flush uses to get its last profile out.
 */
export function pushOverHttp(
  config: AgentConfig,
  item: PushItem,
  options: { holdProcess?: boolean; timeoutMs?: number } = {},
): Promise<SendResult> {
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  const url = new URL(
    'ingest',
    config.serverUrl.href.endsWith('/') ? config.serverUrl : `${config.serverUrl.href}/`,
  );
  url.searchParams.set('name', ingestName(config.appName, config.tags));
  url.searchParams.set('from', String(item.fromSec));
  url.searchParams.set('until', String(item.untilSec));
  url.searchParams.set('format', 'pprof');
  url.searchParams.set('spyName', 'autoprof-node');
  const headers: Record<string, string> = {
    'content-type': 'application/octet-stream',
    'content-length': String(item.body.length),
  };
  if (config.token) headers.authorization = `Bearer ${config.token}`;
  if (config.tenant) headers['x-scope-orgid'] = config.tenant;
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: SendResult) => {
      if (!settled) {
        settled = true;
        resolve(r);
      }
    };
    const req = client.request(url, { method: 'POST', headers, timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) return done({ outcome: 'ok' });
      if (status === 429 || status === 408 || status >= 500) {
        const seconds = Number(res.headers['retry-after']);
        return done({
          outcome: 'retry',
          retryAfterMs: Number.isFinite(seconds) ? seconds * 1000 : undefined,
          reason: `HTTP ${status}`,
        });
      }
      done({ outcome: 'drop' });
    });
    if (!options.holdProcess) req.on('socket', (socket) => socket.unref());
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) =>
      done({ outcome: 'retry', reason: err.code ?? err.message }),
    );
    req.end(item.body);
  });
}
