/**
 * AnomalyConfig is the `anomaly:` section of the server config. Every field has a default; the
 * thresholds are the documented noise policy: what must move, by how much, before anyone is
 * paged.
 */
export interface AnomalyConfig {
  /** enabled runs the detection job on a timer; the API and webhooks work either way. */
  enabled: boolean;
  intervalSeconds: number;
  /** tenants the job scans (the store has no tenant list of its own). */
  tenants: string[];
  /** lagSeconds: a minute is analysed only this long after it ended, so late pushes land first. */
  lagSeconds: number;
  /** backfillHours bounds how far back a fresh job (or a new series) starts. */
  backfillHours: number;
  /** versionLabels are the series labels whose value names the deployed version. */
  versionLabels: string[];
  thresholds: DetectionThresholds;
  /** deployAttributionMinutes: an anomaly starting this soon after a deploy is blamed on it. */
  deployAttributionMinutes: number;
  /** mergeGapMinutes: anomalous minutes of one series group this close extend one anomaly. */
  mergeGapMinutes: number;
  /** minConfidence and requireMetricAnomaly are the noise filter applied before storing. */
  minConfidence: number;
  requireMetricAnomaly: boolean;
  prometheus?: PrometheusConfig;
  notifications: NotificationConfig;
  alertmanager: AlertmanagerConfig;
  /** publicUrl is where the UI is reachable; links in reports point there. */
  publicUrl: string;
  /** stateDir holds anomalies.duckdb; absent keeps state in memory (tests, throwaway servers). */
  stateDir?: string;
}

/** DetectionThresholds: shares are fractions (0.2 = 20%), windows are minutes. */
export interface DetectionThresholds {
  /** relativeIncrease: a function's share must rise this much relative to its baseline mean. */
  relativeIncrease: number;
  /** minShare: ... and reach at least this share, so noise in tiny functions does not page. */
  minShare: number;
  /** minDeltaShare: ... and rise by at least this many share units (0.01 = 1 point). */
  minDeltaShare: number;
  /** zScore: ... and stand this many deviations above the baseline. */
  zScore: number;
  /** sigmaFloor keeps z finite for functions whose share never moved in the baseline. */
  sigmaFloor: number;
  /** jsdMin and jsdSigmas: the whole-profile divergence threshold is max(jsdMin, mean + k sd) of baseline minutes. */
  jsdMin: number;
  jsdSigmas: number;
  /** isolationMin and isolationMargin: novel when the score exceeds max(min, baseline p99 + margin). */
  isolationMin: number;
  isolationMargin: number;
  /** windowMinutes is the evaluated window, pooled so one noisy minute does not page. */
  windowMinutes: number;
  /** minBaselineMinutes: fewer minutes than this and the group is not judged yet. */
  minBaselineMinutes: number;
  /** baselineDays is the rolling baseline's length. */
  baselineDays: number;
  /**
   * cycleMinutes: a baseline spanning less than this has not seen a whole daily cycle of the
   * traffic mix, so its deviations are too narrow: it borrows the wider deviations of the
   * baseline before it, and shape-only verdicts (divergence + novelty) wait until it is full.
   */
  cycleMinutes: number;
}

/** PrometheusConfig names the metric series read for a service; `$service` is substituted. */
export interface PrometheusConfig {
  url: string;
  queries: Array<{ name: string; query: string }>;
  stepSeconds?: number;
  /** a metric co-occurs when its window mean moved this much relative to the preceding hour... */
  minRelativeChange?: number;
  /** ... and by this many baseline deviations. */
  zScore?: number;
}

/** NotificationTarget: a generic JSON webhook or a Slack-compatible incoming webhook. */
export interface NotificationTarget {
  kind: 'webhook' | 'slack';
  url: string;
}

export interface NotificationConfig {
  targets: NotificationTarget[];
  /** quietMinutes: the same anomaly or alert is not sent again within this period. */
  quietMinutes: number;
  /** anomalies: send autoprof's own anomalies too (alerts from Alertmanager always go). */
  anomalies: boolean;
}

export interface AlertmanagerConfig {
  /** serviceLabels are tried in order to find the service an alert is about. */
  serviceLabels: string[];
  /** lookbackMinutes: the alert window starts this long before the alert's startsAt. */
  lookbackMinutes: number;
  /** baselineMinutes: the comparison window ends where the alert window starts. */
  baselineMinutes: number;
}

export const DEFAULT_THRESHOLDS: DetectionThresholds = {
  relativeIncrease: 0.2,
  minShare: 0.02,
  minDeltaShare: 0.01,
  zScore: 3,
  sigmaFloor: 0.005,
  jsdMin: 0.02,
  jsdSigmas: 4,
  isolationMin: 0.62,
  isolationMargin: 0.05,
  windowMinutes: 5,
  minBaselineMinutes: 30,
  baselineDays: 7,
  cycleMinutes: 1440,
};

export const DEFAULT_ANOMALY_CONFIG: AnomalyConfig = {
  enabled: true,
  intervalSeconds: 60,
  tenants: ['anonymous'],
  lagSeconds: 60,
  backfillHours: 24,
  versionLabels: ['version', 'service_version', 'git_sha', 'commit'],
  thresholds: DEFAULT_THRESHOLDS,
  deployAttributionMinutes: 30,
  mergeGapMinutes: 10,
  minConfidence: 0.5,
  requireMetricAnomaly: false,
  notifications: { targets: [], quietMinutes: 30, anomalies: true },
  alertmanager: {
    serviceLabels: ['service_name', 'service', 'app', 'job'],
    lookbackMinutes: 15,
    baselineMinutes: 60,
  },
  publicUrl: 'http://127.0.0.1:4040',
};

/** AnomalyConfigInput is what a YAML file or a test may give: any field, nested ones partly. */
export type AnomalyConfigInput = Partial<
  Omit<AnomalyConfig, 'thresholds' | 'notifications' | 'alertmanager'>
> & {
  thresholds?: Partial<DetectionThresholds>;
  notifications?: Partial<NotificationConfig>;
  alertmanager?: Partial<AlertmanagerConfig>;
};

/** resolveAnomalyConfig fills defaults, one level deep for the nested sections. */
export function resolveAnomalyConfig(input: AnomalyConfigInput = {}): AnomalyConfig {
  const d = DEFAULT_ANOMALY_CONFIG;
  return {
    ...d,
    ...input,
    thresholds: { ...d.thresholds, ...input.thresholds },
    notifications: { ...d.notifications, ...input.notifications },
    alertmanager: { ...d.alertmanager, ...input.alertmanager },
  };
}
