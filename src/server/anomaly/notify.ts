import type { NotificationConfig, NotificationTarget } from './config.js';

/** Notification is one message: an anomaly of autoprof's own or an answered Alertmanager alert. */
export interface Notification {
  /** key de-duplicates: the same key is not sent twice within the quiet period. */
  key: string;
  kind: 'anomaly' | 'alert';
  title: string;
  /** text is the root-cause statement. */
  text: string;
  /** url links back to the UI for the service and window. */
  url: string;
  /** payload is the full JSON (anomaly or alert report) for generic webhooks. */
  payload: unknown;
}

/** Delivery is what happened per target. */
export interface Delivery {
  sent: boolean;
  reason?: string;
  targets: Array<{ url: string; kind: NotificationTarget['kind']; status?: number; error?: string }>;
}

/**
 * Notifier posts to the configured targets: generic webhooks get the JSON document
 * `{kind, title, text, url, payload}`, Slack-compatible incoming webhooks get `{text}` in
 * mrkdwn with a link. Keys seen within the quiet period are dropped, so an anomaly that lasts an
 * hour, or an alert Alertmanager repeats, pages once. The memory is per process on purpose: a
 * restart may repeat one message, which is better than persisting state that could lose one.
 */
export class Notifier {
  private readonly lastSent = new Map<string, number>();

  constructor(
    private readonly config: NotificationConfig,
    private readonly now: () => number = Date.now,
  ) {}

  get hasTargets(): boolean {
    return this.config.targets.length > 0;
  }

  async send(n: Notification): Promise<Delivery> {
    if (this.config.targets.length === 0)
      return { sent: false, reason: 'no notification targets', targets: [] };
    const now = this.now();
    const last = this.lastSent.get(n.key);
    if (last !== undefined && now - last < this.config.quietMinutes * 60_000) {
      return {
        sent: false,
        reason: `quiet period: sent ${Math.round((now - last) / 1000)} s ago`,
        targets: [],
      };
    }
    this.lastSent.set(n.key, now);
    for (const [k, t] of this.lastSent)
      if (now - t > this.config.quietMinutes * 60_000) this.lastSent.delete(k);
    const targets = await Promise.all(this.config.targets.map((t) => deliver(t, n)));
    return { sent: targets.some((t) => t.status !== undefined && t.status < 300), targets };
  }
}

/** slackText is the message for Slack-compatible webhooks (mrkdwn: *bold*, <url|label>). */
export function slackText(n: Notification): string {
  return `*${n.title}*\n${n.text}\n<${n.url}|Open in autoprof>`;
}

async function deliver(
  target: NotificationTarget,
  n: Notification,
): Promise<{ url: string; kind: NotificationTarget['kind']; status?: number; error?: string }> {
  const body =
    target.kind === 'slack'
      ? { text: slackText(n) }
      : { kind: n.kind, title: n.title, text: n.text, url: n.url, payload: n.payload };
  try {
    const res = await fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer().catch(() => undefined);
    return { url: target.url, kind: target.kind, status: res.status };
  } catch (err) {
    return { url: target.url, kind: target.kind, error: (err as Error).message };
  }
}
