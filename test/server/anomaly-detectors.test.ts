import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRng } from '../../src/analysis/seeded-random.js';
import {
  alertWindows,
  parseAlertmanagerPayload,
  serviceOfAlert,
} from '../../src/server/anomaly/alertmanager.js';
import { RollingBaseline } from '../../src/server/anomaly/baseline.js';
import { DEFAULT_ANOMALY_CONFIG, DEFAULT_THRESHOLDS } from '../../src/server/anomaly/config.js';
import { attributeDeploy, type DeployEvent, parseDeployEvent } from '../../src/server/anomaly/deploys.js';
import { buildBaselineModel, confidenceOf, detectWindow } from '../../src/server/anomaly/detect.js';
import { buildIsolationForest, isolationScore } from '../../src/server/anomaly/isolation-forest.js';
import { jensenShannon } from '../../src/server/anomaly/js-divergence.js';
import { metricShift } from '../../src/server/anomaly/metric-correlation.js';
import { MINUTE_NANOS, type MinuteShares } from '../../src/server/anomaly/minute-shares.js';
import { Notifier } from '../../src/server/anomaly/notify.js';
import { SeriesDetector } from '../../src/server/anomaly/series-detector.js';
import { functionSignals } from '../../src/server/anomaly/zscore.js';

/** minute builds a minute vector; `cum` defaults to the self shares (flat stacks). */
function minute(i: number, self: Record<string, number>): MinuteShares {
  return {
    minuteNanos: i * MINUTE_NANOS,
    total: 1000,
    self: new Map(Object.entries(self)),
    cum: new Map(Object.entries(self)),
  };
}

const rng = createRng(3);
const noisy = (i: number, shape: Record<string, number>) =>
  minute(i, Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, v * (0.95 + 0.1 * rng())])));
const STEADY = { a: 0.5, b: 0.3, c: 0.16, d: 0.04 };

describe('detectors', () => {
  test('seeded RNG and isolation forest are reproducible; outliers score high', () => {
    const r = createRng(1);
    const points = Array.from({ length: 300 }, () => [0.5 + 0.02 * r(), 0.3 + 0.02 * r()]);
    const f1 = buildIsolationForest(points, { seed: 9 });
    const f2 = buildIsolationForest(points, { seed: 9 });
    assert.equal(isolationScore(f1, [0.9, 0.05]), isolationScore(f2, [0.9, 0.05]));
    assert.ok(isolationScore(f1, [0.9, 0.05]) > 0.7, 'an outlier is isolated fast');
    assert.ok(isolationScore(f1, [0.51, 0.31]) < 0.55, 'an inlier is not');
  });

  test('Jensen–Shannon divergence: 0 for equal shapes, 1 for disjoint, symmetric', () => {
    const p = new Map([
      ['x', 0.6],
      ['y', 0.4],
    ]);
    assert.equal(jensenShannon(p, p), 0);
    assert.equal(jensenShannon(new Map([['x', 1]]), new Map([['y', 1]])), 1);
    const q = new Map([
      ['x', 0.3],
      ['z', 0.7],
    ]);
    assert.equal(jensenShannon(p, q), jensenShannon(q, p));
  });

  test('rolling baseline: running mean and deviation, eviction after the window', () => {
    const b = new RollingBaseline(3 * MINUTE_NANOS);
    b.add(minute(0, { f: 0.1 }));
    b.add(minute(1, { f: 0.3 }));
    const f = b.stats().self.get('f')!;
    assert.ok(Math.abs(f.mean - 0.2) < 1e-12 && Math.abs(f.std - 0.1) < 1e-12, JSON.stringify(f));
    b.add(minute(5, { g: 1 }));
    assert.equal(b.size, 1, 'minutes 0 and 1 left the 3-minute window');
    assert.equal(b.stats().self.get('f'), undefined);
  });

  test('z-score rule: relative rise, minimum share and z must all pass', () => {
    const base = new Map([
      ['big', { mean: 0.3, std: 0.01 }],
      ['tiny', { mean: 0.005, std: 0.001 }],
    ]);
    const t = DEFAULT_THRESHOLDS;
    const signals = functionSignals(
      base,
      new Map([
        ['big', 0.4],
        ['tiny', 0.015],
        ['new', 0.05],
      ]),
      'self',
      t,
    );
    const flagged = Object.fromEntries(signals.map((s) => [s.key, s.flagged]));
    assert.deepEqual(flagged, { big: true, new: true }, 'tiny tripled but stays under the 2% minimum share');
    const small = functionSignals(base, new Map([['big', 0.34]]), 'self', t);
    assert.equal(small[0].flagged, false, '+13% relative is under the 20% default');
  });

  test('detectWindow on a steady window finds nothing; a changed one names the function', () => {
    const minutes = Array.from({ length: 120 }, (_, i) => noisy(i, STEADY));
    const b = new RollingBaseline(7 * 86_400e9);
    for (const m of minutes) b.add(m);
    const model = buildBaselineModel(b.window(), b.stats(), DEFAULT_THRESHOLDS, 'svc');
    const steady = detectWindow(model, [noisy(200, STEADY), noisy(201, STEADY)], DEFAULT_THRESHOLDS);
    assert.equal(steady.anomalous, false, JSON.stringify(steady.signals.slice(0, 2)));
    const changed = { a: 0.4, b: 0.24, c: 0.12, d: 0.24 };
    const hit = detectWindow(model, [noisy(300, changed), noisy(301, changed)], DEFAULT_THRESHOLDS);
    assert.equal(hit.kind, 'function-share');
    assert.equal(hit.flagged[0].key, 'd');
    assert.ok(hit.shapeChanged && hit.novel, `jsd ${hit.jsd} iso ${hit.isolation}`);
    assert.equal(confidenceOf(hit, false), 0.8);
    assert.equal(confidenceOf(hit, true), 0.99, 'a co-occurring metric raises confidence');
  });

  test('SeriesDetector: after a deploy the new shape is judged against the old, then becomes the norm', () => {
    const d = new SeriesDetector('svc', { ...DEFAULT_THRESHOLDS, minBaselineMinutes: 30 });
    for (let i = 0; i < 60; i++) assert.notEqual(d.observe(noisy(i, STEADY))?.detection.anomalous, true);
    d.startSegment(60 * MINUTE_NANOS);
    const changed = { a: 0.4, b: 0.24, c: 0.12, d: 0.24 };
    const verdicts = Array.from({ length: 40 }, (_, i) => d.observe(noisy(60 + i, changed)));
    assert.equal(verdicts[0]?.baseline.source, 'before-deploy');
    assert.ok(verdicts.slice(0, 30).every((v) => v?.detection.anomalous));
    assert.ok(
      verdicts.slice(31).every((v) => v?.baseline.source === 'same-segment' && !v.detection.anomalous),
    );
  });

  test('deploy events: parsing, and attribution only when the timing fits', () => {
    const e = parseDeployEvent(
      { service: 's', git_sha: 'abc', time: '2024-01-01T00:00:00Z', labels: { by: 1 } },
      0,
    );
    assert.deepEqual([e.service, e.version, e.time, e.labels], ['s', 'abc', 1704067200, { by: '1' }]);
    assert.equal(
      parseDeployEvent({ service: 's', version: 'v', time: 1704067200123 }, 0).time,
      1704067200.123,
    );
    assert.throws(() => parseDeployEvent({ service: 's' }, 0), /version/);
    const events: DeployEvent[] = [
      { ...e, id: '1', time: 1000 },
      { ...e, id: '2', time: 5000 },
    ];
    assert.equal(attributeDeploy(events, 's', 5000 + 600, 30)?.id, '2');
    assert.equal(
      attributeDeploy(events, 's', 5000 + 3600, 30),
      null,
      'an hour later is not "after the deploy"',
    );
    assert.equal(attributeDeploy(events, 's', 4000, 30), null, 'the only earlier deploy is too old');
    assert.equal(attributeDeploy(events, 'other', 5100, 30), null);
  });

  test('Alertmanager payload: version 4, service from labels, window around startsAt', () => {
    assert.throws(() => parseAlertmanagerPayload({ version: '3', alerts: [] }), /version/);
    const p = parseAlertmanagerPayload({
      version: '4',
      status: 'firing',
      commonLabels: { job: 'api' },
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'X' },
          startsAt: '2024-01-01T01:00:00Z',
          endsAt: '0001-01-01T00:00:00Z',
        },
      ],
    });
    const c = DEFAULT_ANOMALY_CONFIG.alertmanager;
    assert.equal(serviceOfAlert(p.alerts[0], p.commonLabels, c.serviceLabels), 'api');
    const now = Date.parse('2024-01-01T01:05:00Z') / 1000;
    const w = alertWindows(p.alerts[0], now, c);
    assert.deepEqual(w.window, { from: now - 20 * 60, until: now });
    assert.deepEqual(w.baseline, { from: now - 80 * 60, until: now - 20 * 60 });
  });

  test('metric shift needs both a relative change and a z-score', () => {
    assert.equal(metricShift([1, 1.1, 0.9, 1, 1], [2, 2.1]).anomalous, true);
    assert.equal(metricShift([1, 1.1, 0.9, 1, 1], [1.05]).anomalous, false);
    assert.equal(metricShift([1, 1], [5]).note, 'too few baseline points to judge a change');
  });

  test('notifier: no targets, then de-duplication within the quiet period', async () => {
    assert.equal(
      (await new Notifier({ targets: [], quietMinutes: 1, anomalies: true }).send(note())).reason,
      'no notification targets',
    );
    let now = 0;
    const n = new Notifier(
      {
        targets: [{ kind: 'webhook', url: 'http://127.0.0.1:9/unreachable' }],
        quietMinutes: 10,
        anomalies: true,
      },
      () => now,
    );
    const first = await n.send(note());
    assert.ok(first.targets[0].error, 'an unreachable target is reported, not thrown');
    assert.match((await n.send(note())).reason ?? '', /quiet period/);
    now = 11 * 60_000;
    assert.equal((await n.send(note())).targets.length, 1, 'sent again after the quiet period');
  });
});

function note() {
  return { key: 'k', kind: 'anomaly' as const, title: 't', text: 'x', url: 'http://u', payload: {} };
}
