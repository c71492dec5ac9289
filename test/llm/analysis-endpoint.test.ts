import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { explainDiff, explainFindings } from '../../src/llm/explain.js';
import { resolveExplainConfig } from '../../src/llm/explain-config.js';
import type { DiffReport } from '../../src/report/diff-report.js';
import { regexFindings } from './findings-fixture.js';
import { type ScriptedServer, type Step, startScriptedServer } from './scripted-server.js';

/**
 * explainFindings / explainDiff against a real local HTTP server speaking the analysis-endpoint
 * contract: POST the structured facts, answer {summary_override, recommendations}.
 */
const TOKEN = 'endpoint-token-5f3c9a1e';
const servers: ScriptedServer[] = [];

after(async () => {
  for (const s of servers) await s.close();
});

async function serve(steps: Step[]): Promise<ScriptedServer> {
  const s = await startScriptedServer(steps);
  servers.push(s);
  return s;
}

function config(url: string, requested = 'auto') {
  const c = resolveExplainConfig(requested, {
    AI_ANALYSIS_ENDPOINT: `${url}/analyze`,
    AI_ANALYSIS_TOKEN: TOKEN,
    AUTOPROF_LLM_TIMEOUT_S: '1',
    AUTOPROF_LLM_BACKOFF_MS: '10',
  });
  assert.ok(c);
  return c;
}

function diffReport(): DiffReport {
  const change = {
    kind: 'regression',
    function: 'validate_email',
    file: 'app.py',
    origin: 'own',
    attributed_to: { function: 'validate_email', file: 'app.py', line: 30 },
    stack: ['<module>', 'handle_request', 'validate_email', 're.compile'],
    base: { self_pct: 4.2, total_pct: 10.5, self_per_run: 1 },
    head: { self_pct: 31.7, total_pct: 40.1, self_per_run: 7 },
    delta: { self_pts: 27.5, total_pts: 29.6 },
    significance: { test: 'mann-whitney-u', p: 0.008, n_base: 5, n_head: 5, significant: true },
    gating: true,
  };
  return {
    schema: 'autoprof.diff/v1',
    base: { inputs: ['base'], runs: 5 },
    head: { inputs: ['head'], runs: 5 },
    gate: {
      status: 'fail',
      reasons: [{ level: 'hard_fail', message: 'validate_email: CPU share +27.5 points > 10' }],
    },
    ratings: { overall: 3, cpu: 3, memory: null },
    sample_type: { type: 'cpu', unit: 'nanoseconds' },
    regressions: [change],
    improvements: [],
    new_hotspots: [],
    removed_hotspots: [],
    other_sample_types: [],
    totals: {
      sample_type: { type: 'cpu', unit: 'nanoseconds' },
      base: [],
      head: [],
      base_median: 1_200_000_000,
      head_median: 1_560_000_000,
      delta_pct: 30,
      significance: null,
    },
    benchmarks: [],
    policy: { changePoints: 5, hotspotPct: 1, benchmarkRegressionPct: 2, alpha: 0.05 },
    notes: [],
  } as unknown as DiffReport;
}

test('auto picks the endpoint; it gets the structured findings and the bearer token', async () => {
  const server = await serve([
    {
      body: {
        summary_override: 'Most CPU goes to regex compilation in `validate_email` (42% [E5]).',
        recommendations: ['Hoist the compile out of `validate_email` and measure again.'],
      },
    },
  ]);
  const e = await explainFindings(regexFindings(), { config: config(server.url) });
  assert.equal(e.provider, 'endpoint');
  assert.equal(e.llm, true);
  assert.deepEqual(e.checked, { supported: 2, unsupported: 0, dropped: 0 });
  assert.match(e.label, /analysis endpoint/);
  const req = server.received[0];
  assert.equal(req.url, '/analyze');
  assert.equal(req.headers.authorization, `Bearer ${TOKEN}`);
  const body = req.body as {
    schema: string;
    kind: string;
    instructions: string;
    findings: Array<{ ref: string; evidence: Array<{ id: string }> }>;
  };
  assert.equal(body.schema, 'autoprof.explain-request/v1');
  assert.equal(body.kind, 'findings');
  assert.match(body.instructions, /cite its id/);
  assert.deepEqual(
    body.findings[0].evidence.map((x) => x.id),
    ['E5', 'E6', 'E7'],
  );
});

test('the diff is sent when comparing; unit conversions and invented numbers are judged', async () => {
  const server = await serve([
    {
      body: {
        summary_override:
          '`validate_email` regressed from 4.2% to 31.7% self share [E6, E7], significant at p=0.008 [E12]. CPU per run rose 30% [E5], from 1.2 s to 1.56 s [E3, E4]. This costs 73% more CPU overall.',
        recommendations: ['Look at `validate_email` in app.py:30.', 'Check `parse_headers_quickly` too.'],
      },
    },
  ]);
  const e = await explainDiff(diffReport(), { config: config(server.url, 'endpoint') });
  const req = server.received[0].body as { kind: string; gate: { status: string }; changes: unknown[] };
  assert.equal(req.kind, 'diff');
  assert.equal(req.gate.status, 'fail');
  assert.equal(req.changes.length, 1);
  assert.deepEqual(e.checked, { supported: 3, unsupported: 2, dropped: 0 });
  const bad = e.statements.filter((s) => !s.supported).flatMap((s) => s.problems);
  assert.deepEqual(bad, [
    '73% matches no evidence',
    'function parse_headers_quickly is not in the findings or profile',
  ]);
});

test('an endpoint answering out of contract or failing falls back to the template', async () => {
  const wrong = await serve([{ body: { text: 'no summary field' } }]);
  const a = await explainFindings(regexFindings(), { config: config(wrong.url) });
  assert.equal(a.fallback, true);
  assert.match(a.fallback_reason ?? '', /no summary/);

  const down = await serve([{ status: 500 }]);
  const b = await explainDiff(diffReport(), { config: config(down.url) });
  assert.equal(b.fallback, true);
  assert.match(b.fallback_reason ?? '', /HTTP 500 \(after 3 attempts\)/);
  assert.equal(down.received.length, 3);
  assert.match(b.summary, /^The gate is fail: 1 regressions/);
  assert.equal(b.checked.unsupported, 0);
});
