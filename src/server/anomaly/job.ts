import { randomBytes } from 'node:crypto';
import type { LabelMatcher, ProfileStore, SeriesLabels } from '../store/types.js';
import { PROFILE_TYPE_LABEL, SERVICE_NAME_LABEL } from '../store/types.js';
import { type Anomaly, round2, uiLink } from './anomaly.js';
import type { AnomalyConfig } from './config.js';
import { attributeDeploy, type DeployEvent, newEventId } from './deploys.js';
import { confidenceOf } from './detect.js';
import { diffLink, enrichmentOf } from './enrichment.js';
import { readMetricEvidence } from './metric-correlation.js';
import { functionNameOfKey, MINUTE_NANOS, type MinuteShares, minuteSharesOf } from './minute-shares.js';
import type { Notifier } from './notify.js';
import { buildRootCauseReport, type RootCauseReport } from './root-cause.js';
import { type Evaluation, SeriesDetector } from './series-detector.js';
import type { AnomalyStateStore } from './state-store.js';

/** SeriesGroup is what one baseline follows: a service's profile type at one version. */
interface SeriesGroup {
  key: string;
  service: string;
  profileType: string;
  version: string;
  matchers: LabelMatcher[];
}

interface TenantState {
  detectors: Map<string, SeriesDetector>;
  /** applied: deploy ids already turned into segments, per group key. */
  applied: Map<string, Set<string>>;
  open: Map<string, Anomaly>;
  processedUntil: number;
}

/** JobResult is what one pass did (the detect endpoint returns it). */
export interface JobResult {
  tenant: string;
  from: number;
  until: number;
  minutes: number;
  groups: number;
  created: Anomaly[];
  extended: number;
}

/**
 * AnomalyJob is the periodic detection. Each pass takes the minutes that completed since the
 * last one, reduces each series group's minute to function shares (one merge per minute, so a
 * baseline never re-reads history), feeds them to the group's SeriesDetector, and turns
 * anomalous windows into stored, explained, notified anomalies. Deploys split baselines: events
 * posted to the API, and a version label value seen for the first time.
 */
export class AnomalyJob {
  private readonly tenants = new Map<string, TenantState>();
  /** written: the time span of profiles written since the last pass, per tenant (nanoseconds). */
  private readonly written = new Map<string, { from: number; until: number }>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: ProfileStore,
    private readonly state: AnomalyStateStore,
    private readonly config: AnomalyConfig,
    private readonly notifier: Notifier,
  ) {}

  /** start runs a pass every `intervalSeconds`; errors are reported, never thrown. */
  start(onError: (err: unknown) => void): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      void this.runOnce().catch(onError);
    }, this.config.intervalSeconds * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running.catch(() => undefined);
  }

  /**
   * noteWrites records the times of profiles just written, so a pass also analyses history
   * pushed after the fact (a backfill), not only the minutes that completed since the last one.
   */
  noteWrites(tenant: string, profiles: ReadonlyArray<{ timeNanos: number; durationNanos: number }>): void {
    for (const p of profiles) this.noteSpan(tenant, p.timeNanos, p.timeNanos + Math.max(0, p.durationNanos));
  }

  private noteSpan(tenant: string, from: number, until: number): void {
    const span = this.written.get(tenant) ?? { from: Number.POSITIVE_INFINITY, until: 0 };
    span.from = Math.min(span.from, from);
    span.until = Math.max(span.until, until);
    this.written.set(tenant, span);
  }

  /** runOnce analyses every configured tenant (or one) up to `nowNanos`; passes never overlap. */
  runOnce(nowNanos = Date.now() * 1e6, tenants = this.config.tenants): Promise<JobResult[]> {
    const run = this.running.then(async () => {
      const out: JobResult[] = [];
      for (const t of tenants) out.push(await this.runTenant(t, nowNanos));
      return out;
    });
    this.running = run.catch(() => undefined);
    return run;
  }

  private async tenantState(tenant: string, nowNanos: number): Promise<TenantState> {
    let s = this.tenants.get(tenant);
    if (s) return s;
    s = { detectors: new Map(), applied: new Map(), open: new Map(), processedUntil: 0 };
    // Baselines come back from the state store. Segments do not (they are a few minutes of
    // bookkeeping around deploys); a restart right after a deploy judges against the mix.
    const since = nowNanos - this.config.thresholds.baselineDays * 86_400e9;
    for (const [key, minutes] of await this.state.loadMinutes(tenant, since)) {
      const d = this.detector(s, key);
      for (const m of minutes) d.baseline.add(m);
      s.processedUntil = Math.max(s.processedUntil, d.lastMinuteNanos + MINUTE_NANOS);
    }
    if (s.processedUntil === 0) s.processedUntil = floorMinute(nowNanos - this.config.backfillHours * 3600e9);
    this.tenants.set(tenant, s);
    return s;
  }

  private detector(s: TenantState, key: string): SeriesDetector {
    let d = s.detectors.get(key);
    if (!d) {
      d = new SeriesDetector(key, this.config.thresholds);
      s.detectors.set(key, d);
    }
    return d;
  }

  private async runTenant(tenant: string, nowNanos: number): Promise<JobResult> {
    const s = await this.tenantState(tenant, nowNanos);
    const from = s.processedUntil;
    const until = floorMinute(nowNanos - this.config.lagSeconds * 1e9);
    const result: JobResult = {
      tenant,
      from: from / 1e9,
      until: until / 1e9,
      minutes: 0,
      groups: 0,
      created: [],
      extended: 0,
    };
    // History written since the last pass that lies before what it covered: a backfill. It is
    // swept first, oldest first, at most a baseline's length of it (older minutes could only
    // feed a baseline that has already rolled past them).
    const written = this.written.get(tenant);
    this.written.delete(tenant);
    if (written && written.from < from) {
      // The minute the latest write ends in may still be filling (a backfill in flight): it is
      // left, with anything after it, for the next pass.
      const bfUntil = Math.min(floorMinute(written.until), from, until);
      if (bfUntil < Math.min(written.until, from))
        this.noteSpan(tenant, bfUntil, Math.min(written.until, from));
      const horizon = this.config.thresholds.baselineDays * 86_400e9;
      const bfFrom = floorMinute(Math.max(written.from, bfUntil - horizon));
      if (bfUntil > bfFrom) {
        await this.sweep(tenant, s, bfFrom, bfUntil, result);
        result.from = bfFrom / 1e9;
      }
    }
    if (until > from) {
      await this.sweep(tenant, s, from, until, result);
      s.processedUntil = until;
    }
    await this.state.pruneMinutes(s.processedUntil - (this.config.thresholds.baselineDays + 1) * 86_400e9);
    return result;
  }

  /** sweep feeds every series group's minutes in [from, until) to its detector. */
  private async sweep(
    tenant: string,
    s: TenantState,
    from: number,
    until: number,
    result: JobResult,
  ): Promise<void> {
    const range = { startNanos: from, endNanos: until };
    const groups = groupsOf(await this.store.series(tenant, [], range), this.config.versionLabels);
    result.groups = Math.max(result.groups, groups.length);
    // Minutes with data per group, then groups in order of first data: an old version's
    // baseline must be up to date before a new version inherits it.
    const withMinutes = await Promise.all(
      groups.map(async (g) => ({ g, minutes: await this.minutesWithData(tenant, g, from, until) })),
    );
    withMinutes.sort((a, b) => (a.minutes[0] ?? Infinity) - (b.minutes[0] ?? Infinity));
    let deploys = await this.state.listDeploys(tenant);
    for (const { g, minutes } of withMinutes) {
      if (minutes.length === 0) continue;
      const isNew = !s.detectors.has(g.key);
      const d = this.detector(s, g.key);
      if (isNew) {
        const inherited = this.previousVersion(s, g);
        if (inherited) {
          d.startSegment(minutes[0], inherited.baseline);
          if (!deploys.some((e) => e.service === g.service && e.version === g.version)) {
            const e: DeployEvent = {
              id: newEventId(),
              service: g.service,
              version: g.version,
              time: minutes[0] / 1e9,
              labels: { profile_type: g.profileType },
              source: 'label',
            };
            await this.state.addDeploy(tenant, e);
            deploys = [...deploys, e];
          }
        }
      }
      const applied = s.applied.get(g.key) ?? new Set<string>();
      s.applied.set(g.key, applied);
      const fresh: MinuteShares[] = [];
      for (const minute of minutes) {
        // A backfill overlapping what the detector has seen adds nothing to those minutes.
        if (minute <= d.lastMinuteNanos) continue;
        for (const e of deploys) {
          if (e.service !== g.service || applied.has(e.id)) continue;
          const at = floorMinute(e.time * 1e9);
          if (at > minute) continue;
          applied.add(e.id);
          // Only deploys after what the detector has seen split it; older ones are history.
          if (at > d.lastMinuteNanos || Number.isNaN(d.lastMinuteNanos)) d.startSegment(at);
        }
        const profile = await this.store.mergeRange(tenant, {
          profileType: g.profileType,
          matchers: g.matchers,
          startNanos: minute,
          endNanos: minute + MINUTE_NANOS,
        });
        const m = minuteSharesOf(profile, minute);
        if (m.total === 0) continue;
        fresh.push(m);
        result.minutes++;
        const evaluation = d.observe(m);
        if (evaluation?.detection.anomalous) {
          const outcome = await this.onAnomalous(tenant, s, g, evaluation, deploys);
          if (outcome === 'created') result.created.push(s.open.get(g.key)!);
          else if (outcome === 'extended') result.extended++;
        }
      }
      await this.state.addMinutes(tenant, g.key, fresh);
    }
  }

  /** explain builds the root-cause report for an anomaly's window against its baseline. */
  private explain(
    tenant: string,
    g: SeriesGroup,
    a: { window: { from: number; until: number }; baseline: { from: number; until: number; source: string } },
    deploy: DeployEvent | null,
  ): Promise<RootCauseReport> {
    return buildRootCauseReport(this.store, {
      tenant,
      service: g.service,
      profileType: g.profileType,
      matchers: g.matchers,
      // Judged against the version before the deploy: its series carry the old version label.
      baselineMatchers: a.baseline.source === 'before-deploy' ? previousVersionMatchers(g) : g.matchers,
      baseline: { startNanos: a.baseline.from * 1e9, endNanos: a.baseline.until * 1e9 },
      window: { startNanos: a.window.from * 1e9, endNanos: a.window.until * 1e9 },
      deploy,
    });
  }

  /** previousVersion is the detector of another version of the same service and type, most recently active. */
  private previousVersion(s: TenantState, g: SeriesGroup): SeriesDetector | undefined {
    let best: SeriesDetector | undefined;
    const prefix = `${g.service}\u0001${g.profileType}\u0001`;
    for (const [key, d] of s.detectors) {
      if (key === g.key || !key.startsWith(prefix) || d.baseline.size === 0) continue;
      if (!best || d.lastMinuteNanos > best.lastMinuteNanos) best = d;
    }
    return best;
  }

  private async minutesWithData(
    tenant: string,
    g: SeriesGroup,
    from: number,
    until: number,
  ): Promise<number[]> {
    const lines = await this.store.timeline(tenant, {
      profileType: g.profileType,
      matchers: g.matchers,
      startNanos: from,
      endNanos: until,
      stepNanos: MINUTE_NANOS,
    });
    const out = new Set<number>();
    for (const line of lines) {
      for (let i = 0; i < line.values.length; i++) if (line.values[i] !== 0) out.add(from + i * MINUTE_NANOS);
    }
    return [...out].sort((a, b) => a - b);
  }

  /**
   * onAnomalous extends the group's open anomaly when this minute continues it, or explains,
   * filters, stores and notifies a new one.
   */
  private async onAnomalous(
    tenant: string,
    s: TenantState,
    g: SeriesGroup,
    ev: Evaluation,
    deploys: readonly DeployEvent[],
  ): Promise<'created' | 'extended' | 'filtered'> {
    const open = s.open.get(g.key);
    const minuteEnd = (ev.minuteNanos + MINUTE_NANOS) / 1e9;
    if (open && ev.minuteNanos / 1e9 - open.window.until <= this.config.mergeGapMinutes * 60) {
      open.window.until = minuteEnd;
      open.window.minutes++;
      open.links.ui = uiLink(this.config.publicUrl, g.service, open.window.from, open.window.until);
      // The first report rests on one minute; re-explain until the window is a full one.
      if (open.window.minutes <= this.config.thresholds.windowMinutes) {
        open.root_cause = await this.explain(tenant, g, open, open.deploy);
        if (open.root_cause.subject) open.function = culpritOf(open.root_cause.subject, open.signals);
        open.enrichment = enrichmentOf({
          publicUrl: this.config.publicUrl,
          service: g.service,
          version: g.version,
          rootCause: open.root_cause,
          window: open.window,
          baseline: open.baseline,
          deploy: open.deploy,
          culprit: open.function,
        });
        open.links.diff = diffLink(this.config.publicUrl, g.service, open.baseline, open.window);
      }
      await this.state.putAnomaly(tenant, open);
      return 'extended';
    }
    const d = ev.detection;
    const window = { from: ev.window.fromNanos / 1e9, until: ev.window.untilNanos / 1e9 };
    const baseline = { from: ev.baseline.fromNanos / 1e9, until: ev.baseline.untilNanos / 1e9 };
    const metrics = this.config.prometheus
      ? await readMetricEvidence(this.config.prometheus, g.service, window, {
          from: Math.max(baseline.from, window.from - 3600),
          until: window.from,
        })
      : [];
    const metricCooccurs = metrics.some((m) => m.anomalous);
    const confidence = confidenceOf(d, metricCooccurs);
    if (confidence < this.config.minConfidence) return 'filtered';
    if (this.config.requireMetricAnomaly && !metricCooccurs) return 'filtered';
    const deploy = attributeDeploy(deploys, g.service, window.from, this.config.deployAttributionMinutes);
    const rootCause = await this.explain(
      tenant,
      g,
      { window, baseline: { ...baseline, source: ev.baseline.source } },
      deploy,
    );
    const top = d.flagged[0];
    const signal = (x: (typeof d.signals)[number]) => ({
      function: functionNameOfKey(x.key).name,
      file: functionNameOfKey(x.key).file,
      metric: x.metric,
      baseline_pct: round2(x.baseline * 100),
      current_pct: round2(x.current * 100),
      relative_change: Number.isFinite(x.relative) ? round2(x.relative) : null,
      z: round2(x.z),
      flagged: x.flagged,
    });
    // The culprit named is the root cause's own function when the report found one: a
    // flagged runtime frame (RegExp, GC) is a symptom, its own caller is what to change.
    const culprit = rootCause.subject;
    const anomaly: Anomaly = {
      id: `an_${randomBytes(6).toString('hex')}`,
      service: g.service,
      profile_type: g.profileType,
      version: g.version,
      kind: d.kind === 'profile-shape' ? 'profile-shape' : 'function-share',
      detected_at: Math.floor(Date.now() / 1000),
      window: { ...window, minutes: 1 },
      baseline: { ...baseline, minutes: ev.baseline.minutes, source: ev.baseline.source },
      function: culprit
        ? culpritOf(culprit, d.signals.map(signal))
        : top
          ? (({ function: name, flagged: _f, ...rest }) => ({ name, ...rest }))(signal(top))
          : null,
      signals: d.signals.map(signal),
      detectors: {
        jsd: Number(d.jsd.toFixed(4)),
        jsd_threshold: Number(d.jsdThreshold.toFixed(4)),
        isolation: Number(d.isolation.toFixed(3)),
        isolation_threshold: Number(d.isolationThreshold.toFixed(3)),
        shape_changed: d.shapeChanged,
        novel: d.novel,
      },
      confidence,
      metric_cooccurs: metricCooccurs,
      deploy,
      root_cause: rootCause,
      metrics,
      links: {
        ui: uiLink(this.config.publicUrl, g.service, window.from, window.until),
        baseline_ui: uiLink(this.config.publicUrl, g.service, baseline.from, baseline.until),
        diff: diffLink(this.config.publicUrl, g.service, baseline, window),
      },
      enrichment: enrichmentOf({
        publicUrl: this.config.publicUrl,
        service: g.service,
        version: g.version,
        rootCause,
        window,
        baseline,
        deploy,
      }),
      notified_at: null,
    };
    anomaly.enrichment = enrichmentOf({
      publicUrl: this.config.publicUrl,
      service: g.service,
      version: g.version,
      rootCause,
      window,
      baseline,
      deploy,
      culprit: anomaly.function,
    });
    if (this.config.notifications.anomalies && this.notifier.hasTargets) {
      const delivery = await this.notifier.send({
        key: `anomaly:${tenant}:${g.key}:${anomaly.function?.name ?? anomaly.kind}`,
        kind: 'anomaly',
        title: `autoprof: ${g.service} ${anomaly.kind === 'function-share' ? 'profile change' : 'profile shape change'}${deploy ? ` after deploy ${deploy.version}` : ''}`,
        text: rootCause.statement,
        url: anomaly.links.ui,
        payload: anomaly,
      });
      if (delivery.sent) anomaly.notified_at = Math.floor(Date.now() / 1000);
    }
    s.open.set(g.key, anomaly);
    await this.state.putAnomaly(tenant, anomaly);
    return 'created';
  }
}

/** groupsOf splits series into groups by service, profile type and version label. */
export function groupsOf(series: readonly SeriesLabels[], versionLabels: readonly string[]): SeriesGroup[] {
  const out = new Map<string, SeriesGroup>();
  for (const labels of series) {
    const service = labels[SERVICE_NAME_LABEL] ?? '';
    const profileType = labels[PROFILE_TYPE_LABEL];
    if (!profileType) continue;
    const versionLabel = versionLabels.find((l) => labels[l]);
    const version = versionLabel ? labels[versionLabel] : '';
    const key = `${service}\u0001${profileType}\u0001${version}`;
    if (out.has(key)) continue;
    const matchers: LabelMatcher[] = [{ name: SERVICE_NAME_LABEL, op: '=', value: service }];
    // Without a version label, "no version" means every version label absent (= "").
    if (versionLabel) matchers.push({ name: versionLabel, op: '=', value: version });
    else for (const l of versionLabels) matchers.push({ name: l, op: '=', value: '' });
    out.set(key, { key, service, profileType, version, matchers });
  }
  return [...out.values()];
}

/**
 * previousVersionMatchers select what a new version is compared with: the service's other
 * versions. The baseline's last minute is the one the new version started in, and a rolling
 * deploy runs both at once, so the service as a whole would put the new code in its own baseline.
 * A group without a version label (a posted deploy event) has only one series: its baseline
 * range ends before the deploy.
 */
function previousVersionMatchers(g: SeriesGroup): LabelMatcher[] {
  const [service, version] = g.matchers;
  if (g.version && version) return [service, { ...version, op: '!=' }];
  return [service];
}

/** culpritOf is the anomaly's named function: the root cause's own frame, at its total share. */
function culpritOf(
  subject: NonNullable<RootCauseReport['subject']>,
  signals: Anomaly['signals'],
): NonNullable<Anomaly['function']> {
  const own = signals.find(
    (x) => x.function === subject.function && x.file === subject.file && x.metric === 'total',
  );
  return {
    name: subject.function,
    file: subject.file,
    metric: 'total',
    baseline_pct: subject.base_pct,
    current_pct: subject.head_pct,
    relative_change:
      subject.base_pct > 0 ? round2((subject.head_pct - subject.base_pct) / subject.base_pct) : null,
    z: own?.z ?? 0,
  };
}

function floorMinute(nanos: number): number {
  return Math.floor(nanos / MINUTE_NANOS) * MINUTE_NANOS;
}
