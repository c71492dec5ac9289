/**
 * Diagnosis end to end: every program of test/fixtures/diagnosis runs under the real
 * `autoprof run` (a spawned CLI, from source), and its findings.json must name the fixture's
 * category with the program's own function among the top 3 findings. Clean programs must raise
 * nothing of severity medium or above outside cpu-hotspot. Java and C programs are compiled
 * here (javac, gcc); they skip with the reason when the compiler is missing.
 *
 * At the end a per-category table (right / wrong / false alarm / no findings) goes to the
 * test's diagnostics and to stderr, so a scorecard is visible even when assertions fail.
 */

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compileProgram, runAutoprof, substitute } from './fixture-programs.js';

/** DiagnosisFixture is one entry of fixtures.json (see test/fixtures/diagnosis/README.md). */
interface DiagnosisFixture {
  id: string;
  runtime: 'node' | 'python' | 'java' | 'c';
  file: string;
  category: string;
  expectedPattern: string | null;
  function: string;
  clean: boolean;
  argv: string[];
  /** knownMiss says why the analysis does not get this one right yet; the test is then a TODO. */
  knownMiss?: string;
}

interface FindingLike {
  pattern_id?: string;
  category: string;
  severity: string;
  location?: { function?: string };
  stack?: string[];
}

type Verdict = 'right' | 'wrong' | 'false-alarm' | 'no-findings' | 'run-failed' | 'skipped';

interface Outcome {
  fixture: DiagnosisFixture;
  verdict: Verdict;
  detail: string;
}

const repo = fileURLToPath(new URL('../..', import.meta.url));
const fixtureDir = join(repo, 'test/fixtures/diagnosis');
const fixtures = JSON.parse(readFileSync(join(fixtureDir, 'fixtures.json'), 'utf8')) as DiagnosisFixture[];
const work = mkdtempSync(join(tmpdir(), 'autoprof-diagnosis-'));
after(() => {
  if (!process.env.AUTOPROF_KEEP_DIAGNOSIS) rmSync(work, { recursive: true, force: true });
});

const TOP = 3;
const CONCURRENCY = 2;
const SEVERE = new Set(['medium', 'high', 'critical']);

function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// Missing compilers and interpreters become skip reasons rather than failures: CI images differ.
const toolReasons: Record<DiagnosisFixture['runtime'], string | undefined> = {
  node: undefined,
  python: hasCommand('python3') ? undefined : 'python3 is not installed',
  java: hasCommand('javac') && hasCommand('java') ? undefined : 'javac/java is not installed',
  c: hasCommand('gcc') ? undefined : 'gcc is not installed',
};

/** buildFixture compiles Java and C programs; it returns argv placeholders or a skip reason. */
function buildFixture(f: DiagnosisFixture): { vars: Record<string, string> } | { skip: string } {
  const source = join(fixtureDir, f.file);
  const vars: Record<string, string> = { file: source };
  const reason = toolReasons[f.runtime];
  if (reason) return { skip: reason };
  const built = compileProgram(f.runtime, f.id, source, work);
  if ('skip' in built) return built;
  return { vars: { ...vars, ...built.vars } };
}

/** namesFunction accepts qualified and decorated names: `Class.fn`, `fn (file.js:3)`, `fn`. */
function namesFunction(frame: string | undefined, fn: string): boolean {
  if (!frame) return false;
  const escaped = fn.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_$])${escaped}([^A-Za-z0-9_$]|$)`).test(frame);
}

/**
 * judge applies the issue's rule to findings.json. A finding counts for a fixture when its
 * category matches and the fixture's own function is its location or on its stack (a finding
 * may sit on the library frame, json or regex, below the program's function).
 */
function judge(f: DiagnosisFixture, findings: FindingLike[]): { verdict: Verdict; detail: string } {
  const top = findings.slice(0, TOP);
  const summary = top.map((x) => `${x.category}/${x.severity}@${x.location?.function ?? '?'}`).join(', ');
  if (f.clean) {
    const alarms = findings.filter((x) => SEVERE.has(x.severity) && x.category !== 'cpu-hotspot');
    return alarms.length > 0
      ? {
          verdict: 'false-alarm',
          detail: alarms.map((x) => `${x.category}/${x.severity}@${x.location?.function ?? '?'}`).join(', '),
        }
      : { verdict: 'right', detail: summary || 'no findings' };
  }
  const hit = top.find(
    (x) =>
      x.category === f.category &&
      (namesFunction(x.location?.function, f.function) ||
        (x.stack ?? []).some((s) => namesFunction(s, f.function))),
  );
  return hit ? { verdict: 'right', detail: summary } : { verdict: 'wrong', detail: summary || 'no findings' };
}

async function readFindings(dir: string): Promise<FindingLike[] | undefined> {
  const path = join(dir, 'findings.json');
  if (!existsSync(path)) {
    // Older `autoprof run` wrote no findings; analyse the directory the way `autoprof analyze` would.
    try {
      const { analyzeRunDirectory } = await import('../../src/analysis/analyze-run.js');
      await analyzeRunDirectory(dir);
    } catch {
      return undefined;
    }
  }
  if (!existsSync(path)) return undefined;
  const doc = JSON.parse(readFileSync(path, 'utf8')) as { schema?: string; findings?: FindingLike[] };
  assert.equal(doc.schema, 'autoprof.findings/v1', `${path}: schema`);
  assert.ok(Array.isArray(doc.findings), `${path}: findings is an array`);
  return doc.findings;
}

async function diagnoseFixture(f: DiagnosisFixture, vars: Record<string, string>): Promise<Outcome> {
  const outDir = join(work, 'runs', f.id);
  const started = Date.now();
  const { status, stderr } = await runAutoprof(outDir, substitute(f.argv, vars));
  const took = `${((Date.now() - started) / 1000).toFixed(1)} s`;
  if (!existsSync(join(outDir, 'manifest.json')))
    return {
      fixture: f,
      verdict: 'run-failed',
      detail: `no manifest.json (status ${status}): ${stderr.trim()}`,
    };
  if (status !== 0)
    return {
      fixture: f,
      verdict: 'run-failed',
      detail: `target status ${status} (${took}): ${stderr.trim()}`,
    };
  const findings = await readFindings(outDir);
  if (!findings) return { fixture: f, verdict: 'no-findings', detail: `no findings.json after ${took}` };
  const { verdict, detail } = judge(f, findings);
  return { fixture: f, verdict, detail: `${detail} (${took})` };
}

/** scoreTable renders right/wrong/false-alarm per category; clean programs are their own row. */
function scoreTable(outcomes: Outcome[]): string[] {
  const columns: Verdict[] = ['right', 'wrong', 'false-alarm', 'no-findings', 'run-failed', 'skipped'];
  const rows = new Map<string, Record<Verdict, number>>();
  for (const o of outcomes) {
    const key = o.fixture.clean ? 'clean (no false alarm)' : o.fixture.category;
    const row = rows.get(key) ?? {
      right: 0,
      wrong: 0,
      'false-alarm': 0,
      'no-findings': 0,
      'run-failed': 0,
      skipped: 0,
    };
    row[o.verdict]++;
    rows.set(key, row);
  }
  const width = Math.max(8, ...[...rows.keys()].map((k) => k.length));
  const line = (name: string, cells: Array<string | number>) =>
    `${name.padEnd(width)} ${cells.map((c) => String(c).padStart(11)).join(' ')}`;
  const out = [line('category', columns)];
  const totals = Object.fromEntries(columns.map((c) => [c, 0])) as Record<Verdict, number>;
  for (const [name, row] of [...rows.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(
      line(
        name,
        columns.map((c) => row[c]),
      ),
    );
    for (const c of columns) totals[c] += row[c];
  }
  out.push(
    line(
      'total',
      columns.map((c) => totals[c]),
    ),
  );
  return out;
}

test(`diagnosis fixtures (${fixtures.length} programs, ${CONCURRENCY} at a time)`, {
  concurrency: CONCURRENCY,
}, async (t) => {
  const outcomes: Outcome[] = [];
  const retried: string[] = [];
  await Promise.all(
    fixtures.map((f) => {
      const built = buildFixture(f);
      const name = `${f.id}: ${f.clean ? 'clean, no false alarm' : `${f.category} at ${f.function}`} (${basename(f.file)})`;
      if ('skip' in built) {
        outcomes.push({ fixture: f, verdict: 'skipped', detail: built.skip });
        return t.test(name, { skip: built.skip }, () => {});
      }
      // A known miss stays visible as a TODO (reported, not failing) until the analysis gets it
      // right; the scorecard below counts it as wrong either way.
      return t.test(name, f.knownMiss ? { todo: f.knownMiss } : {}, async (st) => {
        // Profiles are samples: on a loaded 2-core machine a 1.5 s run can miss what a second run
        // shows. A wrong verdict gets one more run; the scorecard counts the retry, and a fixture
        // wrong twice fails.
        let outcome = await diagnoseFixture(f, built.vars);
        if (outcome.verdict !== 'right') {
          const first = outcome;
          outcome = await diagnoseFixture(f, built.vars);
          outcome.detail = `${outcome.detail} [retried after: ${first.verdict}: ${first.detail}]`;
          retried.push(f.id);
        }
        outcomes.push(outcome);
        st.diagnostic(`${outcome.verdict}: ${outcome.detail}`);
        assert.notEqual(outcome.verdict, 'run-failed', outcome.detail);
        assert.notEqual(outcome.verdict, 'no-findings', outcome.detail);
        if (f.clean)
          assert.equal(outcome.verdict, 'right', `false alarm on a clean program: ${outcome.detail}`);
        else
          assert.equal(
            outcome.verdict,
            'right',
            `expected ${f.category} at ${f.function} among the top ${TOP}; got ${outcome.detail}`,
          );
      });
    }),
  );
  const table = scoreTable(outcomes);
  const misses = outcomes
    .filter((o) => o.verdict !== 'right')
    .sort((a, b) => a.fixture.id.localeCompare(b.fixture.id))
    .map((o) => `  ${o.fixture.id}: ${o.verdict}: ${o.detail}`);
  const retries =
    retried.length > 0 ? [`retried once (wrong on the first run): ${retried.sort().join(', ')}`] : [];
  for (const l of [...table, ...(misses.length > 0 ? ['not right:', ...misses] : []), ...retries])
    t.diagnostic(l);
  process.stderr.write(
    `\ndiagnosis scorecard (top ${TOP})\n${table.join('\n')}\n${misses.join('\n')}\n${retries.join('\n')}\n`,
  );
});
