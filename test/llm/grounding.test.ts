import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffFacts, findingsFacts } from '../../src/llm/facts.js';
import { checkSentence, groundText, splitSentences } from '../../src/llm/grounding.js';
import { templateDiffAnswer, templateFindingsAnswer } from '../../src/llm/providers/none.js';
import type { DiffReport } from '../../src/report/diff-report.js';
import { regexFindings } from './findings-fixture.js';

const sheet = findingsFacts(regexFindings());

function supported(sentence: string): boolean {
  return checkSentence(sentence, sheet).supported;
}

test('evidence ids are stable and in document order', () => {
  const ids = sheet.evidence.map((e) => `${e.id}=${e.name}`);
  assert.deepEqual(ids, [
    'E1=cpu_utilisation',
    'E2=main_running_share',
    'E3=cpu_s',
    'E4=wall_s',
    'E5=regex_compile_share',
    'E6=self_time',
    'E7=calls',
    'E8=cpu_self_share',
  ]);
  assert.deepEqual(
    findingsFacts(regexFindings()).evidence.map((e) => e.id),
    sheet.evidence.map((e) => e.id),
  );
});

test('numbers match evidence allowing for rounding and unit conversion', () => {
  assert.ok(supported('Regex compilation takes 42% of CPU [E5].'));
  assert.ok(supported('Regex compilation takes 42.1% of CPU [E5].'));
  assert.ok(supported('`validate_email` spends 0.82 s compiling [E6].'), 'ms -> s');
  assert.ok(supported('`validate_email` spends 824 ms compiling [E6].'));
  assert.ok(supported('`render` has 30% of the samples [E8].'), 'ratio -> %');
  assert.ok(supported('It made 120,000 calls [E7].'), 'thousands separator');
  assert.ok(supported('The wall time was 2 s [E4].'));
  assert.ok(supported('The two findings are at lines 30 and 50 of app.py.'), 'line numbers are known');
  assert.ok(!supported('Regex compilation takes 43% of CPU [E5].'), '43 is not a rounding of 42.13');
  assert.ok(!supported('Regex compilation takes 73% of CPU.'));
  assert.ok(!supported('`validate_email` spends 8.2 s compiling.'), 'a unit slip is an invention');
});

test('function names and files must be in the findings or profile', () => {
  assert.ok(supported('`validate_email` calls `re.compile` on every request.'));
  assert.ok(supported('handle_request() calls render() [E8].'));
  assert.ok(supported('See app.py:30.'));
  const invented = checkSentence('The time is in `parse_config_fast`, which re-reads settings.', sheet);
  assert.equal(invented.supported, false);
  assert.match(invented.problems[0], /parse_config_fast/);
  assert.ok(!supported('normalizeInput() dominates.'), 'camelCase call not in the profile');
  assert.ok(!supported('The hot loop is in utils/strings.py.'));
  assert.ok(!supported('See app.py:99.'), 'a line nobody measured');
  assert.ok(supported('Node.js and e.g. py-spy are tools, not functions.'));
});

test('citations must exist and promises are not allowed', () => {
  assert.ok(!supported('Compilation dominates [E99].'));
  const promise = checkSentence('Moving the compile out of the loop will definitely make it faster.', sheet);
  assert.equal(promise.supported, false);
  assert.match(promise.problems[0], /speed-up/);
  assert.ok(!supported('This guarantees a 2x speed-up.'));
  assert.ok(supported('Compiling once is likely to help, but I am unsure by how much; rerun to measure.'));
});

test('sentences split on ends, not on decimals, file names or e.g.', () => {
  assert.deepEqual(splitSentences('It takes 42.1% in app.py. E.g. the loop.\n- item one\n- Item two.'), [
    'It takes 42.1% in app.py.',
    'E.g. the loop.',
    'item one',
    'Item two.',
  ]);
});

test('the template texts pass their own grounding', () => {
  const doc = regexFindings();
  const t = templateFindingsAnswer(doc, sheet);
  const g = groundText(`${t.summary}\n${t.recommendations.join('\n')}`, sheet);
  assert.equal(g.unsupported, 0, JSON.stringify(g.sentences.filter((s) => !s.supported)));
  assert.match(t.summary, /42.13% \[E5\]/);

  const change = {
    kind: 'regression' as const,
    function: 'validate_email',
    file: 'app.py',
    origin: 'own' as never,
    attributed_to: { function: 'validate_email', file: 'app.py', line: 30 },
    stack: ['main', 'handle_request', 'validate_email'],
    base: { self_pct: 4.2, total_pct: 10.5, self_per_run: 1 },
    head: { self_pct: 31.7, total_pct: 40.1, self_per_run: 7 },
    delta: { self_pts: 27.5, total_pts: 29.6 },
    significance: null,
    gating: true,
  };
  const report = {
    schema: 'autoprof.diff/v1',
    base: { inputs: ['base'], runs: 1 },
    head: { inputs: ['head'], runs: 1 },
    gate: {
      status: 'fail',
      reasons: [{ level: 'hard_fail', message: 'CPU share of validate_email +27.5 points > 10' }],
    },
    ratings: { overall: 3, cpu: 3, memory: null },
    sample_type: { type: 'cpu', unit: 'nanoseconds' },
    regressions: [change],
    improvements: [],
    new_hotspots: [],
    removed_hotspots: [],
    other_sample_types: [],
    totals: null,
    benchmarks: [],
    policy: { changePoints: 5, hotspotPct: 1, benchmarkRegressionPct: 2, alpha: 0.05 },
    notes: [],
  } as unknown as DiffReport;
  const dsheet = diffFacts(report);
  const d = templateDiffAnswer(report, dsheet);
  const dg = groundText(`${d.summary}\n${d.recommendations.join('\n')}`, dsheet);
  assert.equal(dg.unsupported, 0, JSON.stringify(dg.sentences.filter((s) => !s.supported)));
  assert.ok(checkSentence('`validate_email` grew by 27.5 points [E5].', dsheet).supported);
  assert.ok(!checkSentence('`validate_email` grew by 73 points.', dsheet).supported);
});
