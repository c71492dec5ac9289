import { randomBytes } from 'node:crypto';

/**
 * DeployEvent is one deploy of a service: posted to /api/v1/events, or inferred when a new
 * value of a version label shows up in ingested series (source 'label').
 */
export interface DeployEvent {
  id: string;
  service: string;
  /** version is the version or git SHA deployed. */
  version: string;
  /** time is Unix seconds. */
  time: number;
  labels: Record<string, string>;
  source: 'api' | 'label';
}

/** DeployEventError is a malformed POST body (answered with 400). */
export class DeployEventError extends Error {}

/**
 * parseDeployEvent validates a POST /api/v1/events body: `{service, version | git_sha | sha,
 * time?, labels?}`. `time` is Unix seconds, milliseconds or nanoseconds (told apart by size, as
 * the ingest API does) or an RFC 3339 string; absent means now.
 */
export function parseDeployEvent(body: unknown, nowSeconds: number): DeployEvent {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new DeployEventError('event body must be a JSON object');
  const b = body as Record<string, unknown>;
  const service = b.service ?? b.service_name;
  if (typeof service !== 'string' || service === '') throw new DeployEventError("event needs 'service'");
  const version = b.version ?? b.git_sha ?? b.sha ?? b.commit;
  if (typeof version !== 'string' || version === '')
    throw new DeployEventError("event needs 'version' (or 'git_sha')");
  const labels: Record<string, string> = {};
  if (b.labels !== undefined) {
    if (typeof b.labels !== 'object' || b.labels === null || Array.isArray(b.labels))
      throw new DeployEventError("'labels' must be an object of strings");
    for (const [k, v] of Object.entries(b.labels)) labels[k] = String(v);
  }
  return {
    id: newEventId(),
    service,
    version,
    time: parseEventTime(b.time, nowSeconds),
    labels,
    source: 'api',
  };
}

/** parseEventTime reads seconds, ms, ns or RFC 3339; throws on anything else. */
export function parseEventTime(value: unknown, nowSeconds: number): number {
  if (value === undefined || value === null) return nowSeconds;
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
    if (value > 1e17) return value / 1e9;
    if (value > 1e11) return value / 1e3;
    return value;
  }
  if (typeof value === 'string') {
    if (/^\d+(\.\d+)?$/.test(value)) return parseEventTime(Number(value), nowSeconds);
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return ms / 1000;
  }
  throw new DeployEventError(`bad event 'time': ${JSON.stringify(value)}`);
}

/** newEventId is a short random id ("dep_" + 12 hex). */
export function newEventId(): string {
  return `dep_${randomBytes(6).toString('hex')}`;
}

/**
 * attributeDeploy picks the deploy an anomaly follows: the latest deploy of the service at or
 * before the anomaly's start, if it is at most `withinMinutes` earlier. A later deploy cannot be
 * the cause, and an old one is too weak a link to name in a page.
 */
export function attributeDeploy(
  events: readonly DeployEvent[],
  service: string,
  startSeconds: number,
  withinMinutes: number,
): (DeployEvent & { minutes_before: number }) | null {
  let best: DeployEvent | undefined;
  for (const e of events) {
    // A minute-aligned window may start up to a minute before the deploy inside it.
    if (e.service !== service || e.time >= startSeconds + 60) continue;
    if (startSeconds - e.time > withinMinutes * 60) continue;
    if (!best || e.time > best.time) best = e;
  }
  if (!best) return null;
  return { ...best, minutes_before: Math.max(0, Math.round((startSeconds - best.time) / 6) / 10) };
}
