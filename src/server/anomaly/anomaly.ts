import type { DeployEvent } from './deploys.js';
import type { Enrichment } from './enrichment.js';
import type { MetricEvidence } from './metric-correlation.js';
import type { RootCauseReport } from './root-cause.js';

/**
 * Anomaly is what GET /api/v1/anomalies lists and the notifications carry. Times are Unix
 * seconds (what the UI's from/until take); shares are percentages of the profile's total for its
 * profile type.
 *
 * {
 *   id: 'an_…', service, profile_type, version ('' when series carry no version label),
 *   kind: 'function-share' | 'profile-shape',
 *   detected_at,                                  when the job first saw it
 *   window: {from, until, minutes},               anomalous minutes; extended while it lasts
 *   baseline: {from, until, minutes, source},     source: 'same-segment' | 'before-deploy'
 *   function: {name, file, metric 'self'|'total', baseline_pct, current_pct, relative_change, z} | null,
 *   signals: [{function, file, metric, baseline_pct, current_pct, relative_change, z, flagged}],
 *   detectors: {jsd, jsd_threshold, isolation, isolation_threshold, shape_changed, novel},
 *   confidence (0..1), metric_cooccurs,
 *   deploy: DeployEvent & {minutes_before} | null,   the deploy it follows, when timing fits
 *   root_cause: RootCauseReport | null,          see root-cause.ts
 *   metrics: MetricEvidence[],                   Prometheus series for the window (empty without config)
 *   links: {ui, baseline_ui, diff},             diff: the UI's flame graph diff, baseline vs window
 *   enrichment: Enrichment                       the flat summary (see enrichment.ts)
 *   notified_at: number | null
 * }
 */
export interface Anomaly {
  id: string;
  service: string;
  profile_type: string;
  version: string;
  kind: 'function-share' | 'profile-shape';
  detected_at: number;
  window: { from: number; until: number; minutes: number };
  baseline: { from: number; until: number; minutes: number; source: 'same-segment' | 'before-deploy' };
  function: {
    name: string;
    file: string;
    metric: 'self' | 'total';
    baseline_pct: number;
    current_pct: number;
    relative_change: number | null;
    z: number;
  } | null;
  signals: Array<{
    function: string;
    file: string;
    metric: 'self' | 'total';
    baseline_pct: number;
    current_pct: number;
    relative_change: number | null;
    z: number;
    flagged: boolean;
  }>;
  detectors: {
    jsd: number;
    jsd_threshold: number;
    isolation: number;
    isolation_threshold: number;
    shape_changed: boolean;
    novel: boolean;
  };
  confidence: number;
  metric_cooccurs: boolean;
  deploy: (DeployEvent & { minutes_before: number }) | null;
  root_cause: RootCauseReport | null;
  metrics: MetricEvidence[];
  links: { ui: string; baseline_ui: string; diff: string };
  /** enrichment: service, function, share before/after, since, version, deploy, diff link. */
  enrichment: Enrichment;
  notified_at: number | null;
}

/** uiLink is the UI's address for a service and range (from/until in Unix seconds). */
export function uiLink(publicUrl: string, service: string, from: number, until: number): string {
  const q = new URLSearchParams({ service, from: String(Math.floor(from)), until: String(Math.ceil(until)) });
  return `${publicUrl.replace(/\/+$/, '')}/?${q}`;
}

/** round2 keeps two decimals: reports are read by people, and JSON diffs stay stable. */
export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
