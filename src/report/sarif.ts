import { slowdownPct } from '../analysis/gate.js';
import type { FunctionChange } from '../analysis/profile-diff.js';
import type { DiffReport } from './diff-report.js';

/** SarifLog is the subset of SARIF 2.1.0 autoprof writes. */
export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: Array<{
    tool: { driver: { name: string; version: string; rules: SarifRule[] } };
    results: SarifResult[];
  }>;
}

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  defaultConfiguration: { level: 'error' | 'warning' | 'note' };
}

interface SarifResult {
  ruleId: string;
  level: 'error' | 'warning' | 'note';
  message: { text: string };
  locations?: Array<Record<string, unknown>>;
  properties?: Record<string, unknown>;
}

const RULES: SarifRule[] = [
  {
    id: 'AP001',
    name: 'FunctionRegression',
    shortDescription: { text: 'A function takes a larger share of the profile than in the base.' },
    defaultConfiguration: { level: 'warning' },
  },
  {
    id: 'AP002',
    name: 'NewHotspot',
    shortDescription: { text: 'A function that was absent from the base is now a hotspot.' },
    defaultConfiguration: { level: 'warning' },
  },
  {
    id: 'AP003',
    name: 'BenchmarkRegression',
    shortDescription: { text: 'A benchmark is significantly slower than in the base.' },
    defaultConfiguration: { level: 'warning' },
  },
];

/**
 * renderSarif writes one result per regression (and new hotspot and benchmark regression), with
 * a physical location where the attributed frame has a file, so code hosts show it inline.
 * Results are errors when the gate failed, warnings otherwise.
 */
export function renderSarif(report: DiffReport, version: string): SarifLog {
  const level = report.gate.status === 'fail' ? 'error' : 'warning';
  const results: SarifResult[] = [];
  const functionResult = (c: FunctionChange, ruleId: string): SarifResult => ({
    ruleId,
    level: c.gating ? level : 'note',
    message: {
      text: `${c.function}: ${report.sample_type?.type ?? ''} self share ${c.base.self_pct}% -> ${c.head.self_pct}% (${c.delta.self_pts > 0 ? '+' : ''}${c.delta.self_pts} points${c.significance ? `, p=${c.significance.p}` : ''}); path ${c.stack.join(' -> ')}`,
    },
    locations: [location(c)],
    properties: { base: c.base, head: c.head, delta: c.delta, significance: c.significance },
  });
  for (const c of report.regressions) results.push(functionResult(c, 'AP001'));
  for (const c of report.new_hotspots) results.push(functionResult(c, 'AP002'));
  for (const b of report.benchmarks) {
    if (!b.significant || slowdownPct(b) <= report.policy.benchmarkRegressionPct) continue;
    results.push({
      ruleId: 'AP003',
      level,
      message: {
        text: `${b.name} (${b.unit}): ${slowdownPct(b).toFixed(2)}% slower, p=${b.p}, n=${b.n_base}+${b.n_head}`,
      },
      locations: [{ logicalLocations: [{ name: b.name, kind: 'function' }] }],
    });
  }
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'autoprof', version, rules: RULES } }, results }],
  };
}

function location(c: FunctionChange): Record<string, unknown> {
  const logical = {
    logicalLocations: [
      { name: c.attributed_to.function, fullyQualifiedName: c.stack.join(' -> '), kind: 'function' },
    ],
  };
  const file = c.attributed_to.file;
  if (!file || file.startsWith('[') || file.startsWith('<')) return logical;
  const uri = file.replace(/^file:\/\//, '').replace(/^\/+/, '');
  return {
    physicalLocation: {
      artifactLocation: { uri: encodeURI(uri) },
      ...(c.attributed_to.line > 0 ? { region: { startLine: c.attributed_to.line } } : {}),
    },
    ...logical,
  };
}
