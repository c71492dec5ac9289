import type { DeployEvent } from './deploys.js';
import type { RootCauseReport } from './root-cause.js';

/**
 * Enrichment is the flat answer an on-call reader wants first, carried by anomalies, the
 * Alertmanager webhook's reports and every notification (times Unix seconds, shares percent):
 *
 *   {service, function, share_before_pct, share_after_pct, since, version, deploy
 *    {version, time, source} | null, flame_graph_diff (UI link: baseline vs window)}
 */
export interface Enrichment {
  service: string;
  function: string | null;
  share_before_pct: number | null;
  share_after_pct: number | null;
  since: number;
  version: string;
  deploy: { version: string; time: number; source: DeployEvent['source'] } | null;
  flame_graph_diff: string;
}

/** enrichmentOf builds the enrichment from a root-cause report and the ranges it compared. */
export function enrichmentOf(input: {
  publicUrl: string;
  service: string;
  version: string;
  rootCause: RootCauseReport;
  window: { from: number; until: number };
  baseline: { from: number; until: number };
  deploy: DeployEvent | null;
  /** culprit overrides the root cause's subject (an anomaly's named function). */
  culprit?: { name: string; baseline_pct: number; current_pct: number } | null;
}): Enrichment {
  const subject = input.rootCause.subject;
  const fn = input.culprit
    ? { name: input.culprit.name, before: input.culprit.baseline_pct, after: input.culprit.current_pct }
    : subject
      ? { name: subject.function, before: subject.base_pct, after: subject.head_pct }
      : null;
  return {
    service: input.service,
    function: fn?.name ?? null,
    share_before_pct: fn?.before ?? null,
    share_after_pct: fn?.after ?? null,
    since: input.window.from,
    version: input.deploy?.version ?? input.version,
    deploy: input.deploy
      ? { version: input.deploy.version, time: input.deploy.time, source: input.deploy.source }
      : null,
    flame_graph_diff: diffLink(input.publicUrl, input.service, input.baseline, input.window),
  };
}

/** diffLink opens the UI's diff view: the baseline range against the window (milliseconds, as the UI takes). */
export function diffLink(
  publicUrl: string,
  service: string,
  baseline: { from: number; until: number },
  window: { from: number; until: number },
): string {
  const ms = (s: number) => String(Math.round(s * 1000));
  const q = new URLSearchParams({
    service,
    view: 'diff',
    baseFrom: ms(baseline.from),
    baseUntil: ms(baseline.until),
    headFrom: ms(window.from),
    headUntil: ms(window.until),
  });
  return `${publicUrl.replace(/\/+$/, '')}/?${q}`;
}
