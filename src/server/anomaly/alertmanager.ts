import { SERVICE_NAME_LABEL } from '../store/types.js';
import { uiLink } from './anomaly.js';
import type { AlertmanagerConfig } from './config.js';
import { attributeDeploy, type DeployEvent } from './deploys.js';
import { diffLink, type Enrichment, enrichmentOf } from './enrichment.js';
import { type MetricEvidence, readMetricEvidence } from './metric-correlation.js';
import type { Delivery } from './notify.js';
import { buildRootCauseReport, type RootCauseReport } from './root-cause.js';
import type { AnomalyRuntime } from './runtime.js';

/**
 * Alertmanager's webhook payload, version 4 (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config):
 * one notification per alert group, each alert with its labels, annotations and RFC 3339 times.
 */
export interface AlertmanagerPayload {
  version: string;
  status: 'firing' | 'resolved';
  receiver: string;
  groupKey: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: AlertmanagerAlert[];
}

export interface AlertmanagerAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/**
 * AlertReport is autoprof's answer to one alert (times Unix seconds):
 * {alert: {name, status, fingerprint, labels, starts_at}, service, profile_type, window, baseline,
 *  deploy, root_cause, metrics, links: {ui}, delivery} — or {alert, skipped: reason}.
 */
export interface AlertReport {
  alert: {
    name: string;
    status: string;
    fingerprint: string;
    labels: Record<string, string>;
    starts_at: number;
  };
  service?: string;
  profile_type?: string;
  window?: { from: number; until: number };
  baseline?: { from: number; until: number };
  deploy?: (DeployEvent & { minutes_before: number }) | null;
  root_cause?: RootCauseReport;
  metrics?: MetricEvidence[];
  links?: { ui: string; diff: string };
  /** enrichment: service, function, share before/after, since, version, deploy, diff link. */
  enrichment?: Enrichment;
  delivery?: Delivery;
  skipped?: string;
}

/** AlertPayloadError is a body that is not an Alertmanager webhook payload (answered 400). */
export class AlertPayloadError extends Error {}

/** parseAlertmanagerPayload checks the parts autoprof reads; version must be "4". */
export function parseAlertmanagerPayload(body: unknown): AlertmanagerPayload {
  if (typeof body !== 'object' || body === null) throw new AlertPayloadError('payload must be a JSON object');
  const p = body as Partial<AlertmanagerPayload>;
  if (p.version !== '4')
    throw new AlertPayloadError(`unsupported Alertmanager payload version: ${String(p.version)}`);
  if (!Array.isArray(p.alerts)) throw new AlertPayloadError("payload has no 'alerts' array");
  for (const a of p.alerts) {
    if (typeof a !== 'object' || a === null || typeof a.labels !== 'object' || typeof a.startsAt !== 'string')
      throw new AlertPayloadError('every alert needs labels and startsAt');
  }
  return {
    ...(p as AlertmanagerPayload),
    commonLabels: p.commonLabels ?? {},
    groupLabels: p.groupLabels ?? {},
    commonAnnotations: p.commonAnnotations ?? {},
  };
}

/** serviceOfAlert finds the service by the configured label names, the alert's own labels first. */
export function serviceOfAlert(
  alert: AlertmanagerAlert,
  common: Record<string, string>,
  labelNames: readonly string[],
): string | undefined {
  for (const name of labelNames) if (alert.labels[name]) return alert.labels[name];
  for (const name of labelNames) if (common[name]) return common[name];
  return undefined;
}

/**
 * alertWindows: the window is from `lookbackMinutes` before the alert started (the profile
 * usually changes before the symptom crosses a threshold) to its end, or now while it fires;
 * the baseline is the `baselineMinutes` before that.
 */
export function alertWindows(
  alert: AlertmanagerAlert,
  nowSeconds: number,
  c: AlertmanagerConfig,
): { window: { from: number; until: number }; baseline: { from: number; until: number } } {
  const starts = Date.parse(alert.startsAt) / 1000;
  const ends = Date.parse(alert.endsAt) / 1000;
  const start = Number.isFinite(starts) ? starts : nowSeconds;
  const from = Math.floor(start - c.lookbackMinutes * 60);
  // Firing alerts carry endsAt in the future (or year 1): only a past end bounds the window.
  let until = Number.isFinite(ends) && ends > start && ends <= nowSeconds ? ends : nowSeconds;
  until = Math.ceil(Math.max(until, from + 60));
  return { window: { from, until }, baseline: { from: from - c.baselineMinutes * 60, until: from } };
}

/**
 * answerAlerts explains each firing alert with the service's profiles and forwards the report
 * to the notification targets (keyed by fingerprint, so Alertmanager's repeats page once).
 */
export async function answerAlerts(
  rt: AnomalyRuntime,
  tenant: string,
  payload: AlertmanagerPayload,
  nowSeconds = Date.now() / 1000,
): Promise<AlertReport[]> {
  const reports: AlertReport[] = [];
  const deploys = await rt.state.listDeploys(tenant);
  for (const alert of payload.alerts) {
    const head: AlertReport['alert'] = {
      name: alert.labels.alertname ?? payload.commonLabels.alertname ?? 'alert',
      status: alert.status ?? payload.status,
      fingerprint: alert.fingerprint ?? '',
      labels: alert.labels,
      starts_at: Date.parse(alert.startsAt) / 1000,
    };
    if (head.status !== 'firing') {
      reports.push({ alert: head, skipped: 'resolved alerts are not answered' });
      continue;
    }
    const service = serviceOfAlert(alert, payload.commonLabels, rt.config.alertmanager.serviceLabels);
    if (!service) {
      reports.push({
        alert: head,
        skipped: `no service label (${rt.config.alertmanager.serviceLabels.join(', ')})`,
      });
      continue;
    }
    const { window, baseline } = alertWindows(alert, nowSeconds, rt.config.alertmanager);
    const matchers = [{ name: SERVICE_NAME_LABEL, op: '=' as const, value: service }];
    const series = await rt.store.series(tenant, matchers, {
      startNanos: baseline.from * 1e9,
      endNanos: window.until * 1e9,
    });
    const types = [...new Set(series.map((s) => s.__profile_type__))].sort();
    // CPU first: latency and saturation alerts are most often explained by where time goes.
    const profileType = types.find((t) => /cpu/.test(t)) ?? types[0];
    if (!profileType) {
      reports.push({
        alert: head,
        service,
        window,
        skipped: `no profiles for service '${service}' in the window`,
      });
      continue;
    }
    const deploy = attributeDeploy(
      deploys,
      service,
      window.from + rt.config.alertmanager.lookbackMinutes * 60,
      rt.config.deployAttributionMinutes + rt.config.alertmanager.lookbackMinutes,
    );
    const rootCause = await buildRootCauseReport(rt.store, {
      tenant,
      service,
      profileType,
      matchers,
      baseline: { startNanos: baseline.from * 1e9, endNanos: baseline.until * 1e9 },
      window: { startNanos: window.from * 1e9, endNanos: window.until * 1e9 },
      deploy,
    });
    const metrics = rt.config.prometheus
      ? await readMetricEvidence(rt.config.prometheus, service, window, baseline)
      : [];
    const links = {
      ui: uiLink(rt.config.publicUrl, service, window.from, window.until),
      diff: diffLink(rt.config.publicUrl, service, baseline, window),
    };
    const report: AlertReport = {
      alert: head,
      service,
      profile_type: profileType,
      window,
      baseline,
      deploy,
      root_cause: rootCause,
      metrics,
      links,
      enrichment: enrichmentOf({
        publicUrl: rt.config.publicUrl,
        service,
        version: deploy?.version ?? '',
        rootCause,
        window,
        baseline,
        deploy,
      }),
    };
    report.delivery = await rt.notifier.send({
      key: `alert:${tenant}:${head.fingerprint || JSON.stringify(alert.labels)}`,
      kind: 'alert',
      title: `${head.name} on ${service}: profile root cause`,
      text: rootCause.statement,
      url: links.ui,
      payload: report,
    });
    reports.push(report);
  }
  return reports;
}
