import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { UsageError } from '../errors.js';
import { DEFAULT_ENERGY_ASSUMPTIONS, type EnergyAssumptions } from './energy-estimate.js';

/**
 * GatePolicy says when a comparison warns or fails. Levels, from the issue: a warning for any
 * regression beyond `warn.regressionPct`; a soft fail when the overall rating drops below
 * `softFail.minOverallRating`; a hard fail for a benchmark slowdown beyond
 * `hardFail.benchmarkSlowdownPct` or a CPU share regression beyond `hardFail.cpuRegressionPoints`.
 * Only significant changes gate when runs allow a test.
 */
export interface GatePolicy {
  /** runSlowdownPct: a significant wall- or CPU-time slowdown of whole runs beyond this warns. */
  warn: { regressionPct: number; runSlowdownPct: number };
  softFail: { minOverallRating: number };
  hardFail: { benchmarkSlowdownPct: number; cpuRegressionPoints: number };
  /** benchmarkRegressionPct: a significant slowdown beyond this is a benchmark regression. */
  benchmarkRegressionPct: number;
  /** changePoints and hotspotPct classify function changes (see profile-diff.ts). */
  changePoints: number;
  hotspotPct: number;
  alpha: number;
  /** minChangePct: with several runs a side, the smallest relative change of a function's cost. */
  minChangePct: number;
  /** energy prices the CPU-time change (energy-estimate.ts); an estimate, never gating. */
  energy: EnergyAssumptions;
}

export const DEFAULT_GATE_POLICY: GatePolicy = {
  warn: { regressionPct: 5, runSlowdownPct: 10 },
  softFail: { minOverallRating: 5 },
  hardFail: { benchmarkSlowdownPct: 15, cpuRegressionPoints: 10 },
  benchmarkRegressionPct: 2,
  changePoints: 5,
  hotspotPct: 1,
  alpha: 0.05,
  minChangePct: 2,
  energy: { ...DEFAULT_ENERGY_ASSUMPTIONS },
};

/** POLICY_KEYS maps the YAML (snake_case) keys to setters, so unknown keys are refused. */
const POLICY_KEYS: Record<string, (p: GatePolicy, v: number) => void> = {
  'warn.regression_pct': (p, v) => {
    p.warn.regressionPct = v;
  },
  'soft_fail.min_overall_rating': (p, v) => {
    p.softFail.minOverallRating = v;
  },
  'hard_fail.benchmark_slowdown_pct': (p, v) => {
    p.hardFail.benchmarkSlowdownPct = v;
  },
  'hard_fail.cpu_regression_points': (p, v) => {
    p.hardFail.cpuRegressionPoints = v;
  },
  'thresholds.benchmark_regression_pct': (p, v) => {
    p.benchmarkRegressionPct = v;
  },
  'thresholds.change_points': (p, v) => {
    p.changePoints = v;
  },
  'thresholds.hotspot_pct': (p, v) => {
    p.hotspotPct = v;
  },
  'thresholds.alpha': (p, v) => {
    p.alpha = v;
  },
  'thresholds.min_change_pct': (p, v) => {
    p.minChangePct = v;
  },
  'warn.run_slowdown_pct': (p, v) => {
    p.warn.runSlowdownPct = v;
  },
  'energy.watts_per_core': (p, v) => {
    p.energy.wattsPerCore = v;
  },
  'energy.grid_g_per_kwh': (p, v) => {
    p.energy.gridGramsPerKwh = v;
  },
};

/** policyKeys lists the settable keys, for help texts and errors. */
export function policyKeys(): string[] {
  return Object.keys(POLICY_KEYS);
}

/** clonePolicy deep-copies a policy so callers can change it freely. */
export function clonePolicy(p: GatePolicy): GatePolicy {
  return structuredClone(p);
}

/** applyPolicySetting sets `section.key` to a number, refusing unknown keys and bad values. */
export function applyPolicySetting(policy: GatePolicy, key: string, value: unknown, source: string): void {
  const set = POLICY_KEYS[key];
  if (!set)
    throw new UsageError(`${source}: unknown policy key '${key}' (known: ${policyKeys().join(', ')})`);
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new UsageError(`${source}: '${key}' must be a non-negative number, got '${value}'`);
  if (key === 'thresholds.alpha' && !(n > 0 && n < 1))
    throw new UsageError(`${source}: alpha must be between 0 and 1`);
  set(policy, n);
}

/** loadPolicyFile reads a YAML policy on top of the defaults. */
export function loadPolicyFile(path: string, base: GatePolicy = DEFAULT_GATE_POLICY): GatePolicy {
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`${path}: cannot read policy: ${(err as Error).message.split('\n')[0]}`);
  }
  const policy = clonePolicy(base);
  if (doc === null || doc === undefined) return policy;
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new UsageError(`${path}: a policy is a YAML mapping`);
  for (const [section, body] of Object.entries(doc as Record<string, unknown>)) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new UsageError(`${path}: '${section}' must be a mapping of settings`);
    }
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      applyPolicySetting(policy, `${section}.${key}`, value, path);
    }
  }
  return policy;
}
