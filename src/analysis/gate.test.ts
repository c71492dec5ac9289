import assert from 'node:assert/strict';
import { test } from 'node:test';
import { profileFromFolded } from '../../test/profile-helpers.js';
import { type BenchmarkDelta, evaluateGate } from './gate.js';
import { DEFAULT_GATE_POLICY } from './gate-policy.js';
import { diffProfiles } from './profile-diff.js';

const cpu = [{ type: 'cpu', unit: 'nanoseconds' }];

function bench(delta: number, significant = true): BenchmarkDelta {
  return {
    name: 'Encode',
    unit: 'sec/op',
    base_center: 100,
    head_center: 100 * (1 + delta / 100),
    delta_pct: delta,
    p: significant ? 0.002 : 0.4,
    n_base: 10,
    n_head: 10,
    significant,
    better: 'lower',
  };
}

test('a CPU regression beyond 10 points hard-fails', () => {
  const diff = diffProfiles(
    [profileFromFolded(['main;a 80', 'main;b 20'], cpu)],
    [profileFromFolded(['main;a 60', 'main;b 40'], cpu)],
  );
  const gate = evaluateGate([diff], [], DEFAULT_GATE_POLICY);
  assert.equal(gate.status, 'fail');
  assert.match(gate.reasons[0].message, /CPU regression beyond 10 points: b cpu share 20% -> 40%/);
  assert.equal(gate.ratings.cpu, 1);
});

test('a 7-point regression warns and passes the rating', () => {
  const diff = diffProfiles(
    [profileFromFolded(['main;a 80', 'main;b 20'], cpu)],
    [profileFromFolded(['main;a 73', 'main;b 27'], cpu)],
  );
  const gate = evaluateGate([diff], [], DEFAULT_GATE_POLICY);
  assert.equal(gate.status, 'warn');
  assert.equal(gate.ratings.cpu, 7);
});

test('benchmarks: significant slowdowns gate, insignificant ones and improvements do not', () => {
  assert.equal(evaluateGate([], [bench(20)], DEFAULT_GATE_POLICY).status, 'fail');
  assert.equal(evaluateGate([], [bench(8)], DEFAULT_GATE_POLICY).status, 'warn');
  assert.equal(evaluateGate([], [bench(40, false)], DEFAULT_GATE_POLICY).status, 'pass');
  assert.equal(evaluateGate([], [bench(-30)], DEFAULT_GATE_POLICY).status, 'pass');
  assert.equal(evaluateGate([], [bench(1.5)], DEFAULT_GATE_POLICY).status, 'pass');
});

test('the soft fail trips on the overall rating alone', () => {
  const policy = structuredClone(DEFAULT_GATE_POLICY);
  policy.softFail.minOverallRating = 8;
  policy.hardFail.benchmarkSlowdownPct = 100;
  const gate = evaluateGate([], [bench(9)], policy);
  assert.equal(gate.ratings.overall, 7);
  assert.equal(gate.status, 'fail');
  assert.ok(gate.reasons.some((r) => r.level === 'soft_fail'));
});
