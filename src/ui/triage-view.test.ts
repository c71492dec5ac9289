import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceTriage } from '../server/triage/fleet-triage.js';
import { triageChange, triagePct, triageServiceHref, triageTopFunction } from './triage-view.js';

const row = (over: Partial<ServiceTriage>): ServiceTriage => ({
  service: 'orders',
  classification: { kind: 'cpu-bound', summary: 'the service computes: 0.99 cores used on average' },
  kind: 'cpu',
  top_self: null,
  top_own: null,
  top_finding: null,
  change: { previous_period: null, previous_version: null },
  anomalies: [],
  unchecked: 0,
  ...over,
});
const ranked = (fn: string, origin: string, self: number, total: number) => ({
  function: fn,
  file: '',
  origin,
  self_pct: self,
  total_pct: total,
  self: self * 10,
  total: total * 10,
  unit: 'nanoseconds',
});

test('the top function is the own one, with the library frame where its time lands', () => {
  const own = {
    function: 'serializeRoundTrip',
    file: 'a.mjs',
    share_pct: 70,
    self_pct: 12.5,
    total_pct: 69.2,
  };
  const lands = triageTopFunction(
    row({ top_own: own, top_self: ranked('JSON.parse', 'runtime', 40.25, 40.25) }),
  );
  assert.deepEqual(lands, {
    name: 'serializeRoundTrip',
    shares: 'self 12.5% · total 69.2%',
    lands: 'time lands in JSON.parse (runtime) 40.3%',
  });
  // Where the own function is itself the hottest frame there is nothing more to say.
  const itself = triageTopFunction(
    row({ top_own: own, top_self: ranked('serializeRoundTrip', 'own', 12.5, 69.2) }),
  );
  assert.equal(itself.lands, '');
  // Without an own function (names only, all runtime), the hottest frame stands in.
  assert.equal(
    triageTopFunction(row({ top_self: ranked('(garbage collector)', 'runtime', 44, 44) })).name,
    '(garbage collector)',
  );
  assert.equal(triageTopFunction(row({})).name, '');
});

test('the change prefers the previous version over the previous period', () => {
  const changes = [{ function: 'RegExp:exec', before_pct: 0, after_pct: 41.4, delta_pts: 41.4 }];
  const period = {
    from: 0,
    until: 1,
    changes: [{ function: 'template', before_pct: 30, after_pct: 20, delta_pts: -10 }],
  };
  const version = { version: 'v2', previous: 'v1', since: 1, source: 'label', changes };
  assert.deepEqual(triageChange(row({ change: { previous_period: period, previous_version: version } })), {
    label: 'version v1 → v2',
    detail: 'RegExp:exec 0.0% → 41.4% (+41.4 pts)',
  });
  assert.deepEqual(triageChange(row({ change: { previous_period: period, previous_version: null } })), {
    label: 'vs previous period',
    detail: 'template 30.0% → 20.0% (-10.0 pts)',
  });
  assert.equal(triageChange(row({})).detail, 'no earlier data');
  assert.equal(triagePct(0.5), '0.50%');
});

test("a row's link keeps the range and leaves defaults out", () => {
  assert.equal(triageServiceHref('orders', 'now-1h', 'now'), '?service=orders');
  assert.equal(triageServiceHref('a b', 'now-6h', 'now'), '?service=a+b&from=now-6h');
});
