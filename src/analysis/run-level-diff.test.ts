import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { detectableChangePct } from './detectable-change.js';
import { DEFAULT_ENERGY_ASSUMPTIONS, estimateEnergy } from './energy-estimate.js';
import { evaluateGate } from './gate.js';
import { DEFAULT_GATE_POLICY } from './gate-policy.js';
import { compareRuns } from './run-level-diff.js';
import { measureRun } from './run-measurements.js';

const runs = (cpu: number[], wall = cpu.map((c) => c * 1.2)) =>
  cpu.map((c, i) => ({ cpu_s: c, wall_s: wall[i] }));

test('whole runs: a consistent speed-up is significant and better; RSS missing on one side is said', () => {
  const base = runs([1.0, 1.02, 0.98, 1.01, 0.99]).map((r) => ({ ...r, peak_rss_mb: 90 }));
  const head = runs([0.12, 0.13, 0.11, 0.12, 0.14]);
  const diff = compareRuns(base, head, 0.05);
  const cpu = diff.metrics.find((m) => m.metric === 'cpu_s');
  assert.equal(cpu?.change, 'better');
  assert.equal(cpu?.p, 0.007937);
  assert.equal(cpu?.base.median, 1);
  assert.equal(cpu?.head.median, 0.12);
  assert.deepEqual(diff.not_compared, ['peak RSS: measured on the base side only']);
  const energy = estimateEnergy(diff, DEFAULT_ENERGY_ASSUMPTIONS);
  // -0.88 s x 4 W x 1000 runs / 3600 = -0.978 Wh; x 475 g/kWh = -0.464 g.
  assert.equal(energy?.wh_per_1000_runs, -0.9778);
  assert.equal(energy?.co2_g_per_1000_runs, -0.4644);
  assert.equal(evaluateGate([], [], DEFAULT_GATE_POLICY, diff).status, 'pass');
});

test('whole runs significantly slower beyond 10% warn, never fail', () => {
  const diff = compareRuns(runs([1, 1.01, 0.99, 1.02, 1]), runs([1.5, 1.52, 1.49, 1.51, 1.5]), 0.05);
  const gate = evaluateGate([], [], DEFAULT_GATE_POLICY, diff);
  assert.equal(gate.status, 'warn');
  assert.match(gate.reasons.map((r) => r.message).join('\n'), /CPU time median 1 -> 1.5 s \(\+50%/);
});

test('the detectable change follows the noise and the run count', () => {
  const noisy = [1, 1.1, 0.9, 1.05, 0.95];
  const at5 = detectableChangePct(noisy, noisy, 0.05);
  const at10 = detectableChangePct([...noisy, ...noisy], [...noisy, ...noisy], 0.05);
  assert.ok(at5 !== null && at10 !== null && at10 < at5, `${at5} ${at10}`);
  assert.equal(detectableChangePct([1, 1.1, 0.9], [1, 1.1, 0.9], 0.05), Number.POSITIVE_INFINITY);
  assert.equal(detectableChangePct([1], [1], 0.05), null);
});

test("measureRun reads the manifest, each process's last CPU counters, peak RSS and Node GC pauses", () => {
  const dir = mkdtempSync(join(tmpdir(), 'autoprof-measure-'));
  mkdirSync(join(dir, 'artifacts'));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ wallMs: 1500 }));
  writeFileSync(
    join(dir, 'artifacts', 'system.timeseries.jsonl'),
    [
      '{"type":"header"}',
      '{"type":"sample","processes":[{"pid":7,"cpuUserMs":900,"cpuSystemMs":100},{"pid":8,"cpuUserMs":150,"cpuSystemMs":50}]}',
      '{"type":"sample","processes":[{"pid":7,"cpuUserMs":950,"cpuSystemMs":100}]}',
      '{"type":"summary","wallMs":1490,"cpuMs":800,"peakRssKb":102400}',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'artifacts', 'node-42.metrics.json'),
    JSON.stringify({ startedAt: 1000, endedAt: 2000, gc: { totalPauseMs: 150 } }),
  );
  assert.deepEqual(measureRun(dir), { wall_s: 1.5, cpu_s: 1.25, peak_rss_mb: 100, gc_pct: 15 });
  assert.deepEqual(measureRun(join(dir, 'nothing-here')), {});
  // The kernel's figure for the root (rusage) wins when polling /proc missed the run's end...
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({ wallMs: 1500, targetCpu: { userS: 1.25, systemS: 0.25 } }),
  );
  assert.equal(measureRun(dir).cpu_s, 1.5);
  // ...and the polled tree wins when it saw more (children the root never waited for).
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({ wallMs: 1500, targetCpu: { userS: 0.5, systemS: 0 } }),
  );
  assert.equal(measureRun(dir).cpu_s, 1.25);
});
