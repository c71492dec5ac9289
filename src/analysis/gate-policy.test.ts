import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_GATE_POLICY, loadPolicyFile } from './gate-policy.js';

const dir = mkdtempSync(join(tmpdir(), 'autoprof-policy-'));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

test('a YAML policy overrides only what it names', () => {
  const policy = loadPolicyFile(
    write('p.yaml', 'hard_fail:\n  benchmark_slowdown_pct: 25\nthresholds:\n  alpha: 0.01\n'),
  );
  assert.equal(policy.hardFail.benchmarkSlowdownPct, 25);
  assert.equal(policy.alpha, 0.01);
  assert.equal(policy.hardFail.cpuRegressionPoints, DEFAULT_GATE_POLICY.hardFail.cpuRegressionPoints);
});

test('unknown keys, bad values and bad YAML are one-line usage errors', () => {
  assert.throws(
    () => loadPolicyFile(write('a.yaml', 'warn:\n  regresion_pct: 3\n')),
    /unknown policy key 'warn.regresion_pct'/,
  );
  assert.throws(
    () => loadPolicyFile(write('b.yaml', 'warn:\n  regression_pct: lots\n')),
    /must be a non-negative number/,
  );
  assert.throws(() => loadPolicyFile(write('c.yaml', 'warn: [1, 2\n')), /cannot read policy/);
  assert.throws(() => loadPolicyFile(join(dir, 'missing.yaml')), /cannot read policy/);
});
