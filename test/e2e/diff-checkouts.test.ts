import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DiffReport } from '../../src/report/diff-report.js';
import { runCli } from '../cli.js';

/**
 * `autoprof diff` the way a CI job runs it: a git repository made here, the base and the head
 * checked out with `git worktree add` at different paths, `autoprof run --runs 5` in each
 * checkout, then `autoprof diff`. For a Node and a Python program alike:
 *   - the same commit checked out twice passes with no change listed (function identity must
 *     not depend on the checkout's absolute path),
 *   - a planted regression of one function fails and names that function as a regression,
 *   - a planted improvement so large that the head run is too short to profile well is reported
 *     as an improvement, with exit 0.
 */
const work = mkdtempSync(join(tmpdir(), 'autoprof-diff-checkouts-'));
const repo = join(work, 'repo');
const fixtures = fileURLToPath(new URL('../fixtures/diff/job/', import.meta.url));

interface Program {
  file: string;
  argv: string[];
  /** scoring is the function the regression is planted in. */
  scoring: string;
  regress: (source: string) => string;
  improve: (source: string) => string;
}

const programs: Record<'node' | 'python', Program> = {
  node: {
    file: 'job.mjs',
    argv: [process.execPath, 'job.mjs'],
    scoring: 'scoreRecords',
    regress: (s) => s.replace('const WORK = 40;', 'const WORK = 240;'),
    improve: (s) =>
      s.replace('const ROUNDS = 4;', 'const ROUNDS = 1;').replace('makeLines(20000)', 'makeLines(1000)'),
  },
  python: {
    file: 'job.py',
    argv: ['python3', 'job.py'],
    scoring: 'score_records',
    regress: (s) => s.replace('WORK = 12', 'WORK = 72'),
    improve: (s) => s.replace('ROUNDS = 3', 'ROUNDS = 1').replace('make_lines(5000)', 'make_lines(250)'),
  },
};

const git = (args: string[], cwd = repo) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** commit writes the programs (through `edit`) and commits them; returns the commit id. */
function commit(message: string, edit: (p: Program, source: string) => string): string {
  for (const p of Object.values(programs)) {
    writeFileSync(join(repo, p.file), edit(p, readFileSync(join(fixtures, p.file), 'utf8')));
  }
  git(['add', '.']);
  git(['-c', 'user.name=ci', '-c', 'user.email=ci@example.invalid', 'commit', '-qm', message]);
  return git(['rev-parse', 'HEAD']);
}

const checkouts: Record<string, string> = {};

/** profile runs `autoprof run --runs 5` in a checkout, as CI would, and returns the output folder. */
async function profile(checkout: string, program: 'node' | 'python', attempt = ''): Promise<string> {
  const out = join(work, 'prof', `${checkout}-${program}${attempt}`);
  const r = await runCli(['run', '--runs', '5', '--out', out, '--', ...programs[program].argv], {
    cwd: checkouts[checkout],
    timeoutMs: 240_000,
  });
  assert.equal(r.code, 0, `autoprof run in ${checkout} (${program}) failed: ${r.stderr}`);
  return out;
}

type DiffResult = Awaited<ReturnType<typeof diff>>;

/**
 * judged diffs two checkouts' runs and applies `check`; a verdict that fails gets one more try
 * on fresh runs of both checkouts, as the other sampling-based suites do (a loaded machine can
 * spoil one set of 5 runs), and the first failure is printed so a retry is never silent.
 */
async function judged(
  program: 'node' | 'python',
  base: string,
  head: string,
  check: (d: DiffResult) => void,
): Promise<void> {
  const name = `${head}-${program}`;
  try {
    check(await diff(runs[`${base}-${program}`], runs[`${head}-${program}`], name));
  } catch (err) {
    if (!(err instanceof assert.AssertionError)) throw err;
    console.log(
      `# ${name}: first verdict failed, profiling both sides once more: ${err.message.slice(0, 300)}`,
    );
    const [b, h] = await Promise.all([profile(base, program, '-retry'), profile(head, program, '-retry')]);
    check(await diff(b, h, `${name}-retry`));
  }
}

async function diff(base: string, head: string, name: string) {
  const out = join(work, 'diff', name);
  const r = await runCli(['diff', base, head, '--out', out]);
  assert.ok(r.code === 0 || r.code === 1, `diff ${name} exited ${r.code}: ${r.stderr}`);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as DiffReport;
  return { code: r.code, report, stderr: r.stderr, markdown: readFileSync(join(out, 'report.md'), 'utf8') };
}

/** inPairs runs the jobs two at a time: the machine has two cores and each job is one process. */
async function inPairs<T>(jobs: Array<() => Promise<T>>): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < jobs.length; i += 2)
    results.push(...(await Promise.all(jobs.slice(i, i + 2).map((j) => j()))));
  return results;
}

const runs: Record<string, string> = {};

before(async () => {
  execFileSync('git', ['init', '-q', repo]);
  writeFileSync(join(repo, 'README'), 'scoring job\n');
  const base = commit('base', (_p, s) => s);
  const regressed = commit('slower scoring', (p, s) => p.regress(s));
  git(['checkout', '-q', base]);
  const improved = commit('fewer rounds', (p, s) => p.improve(s));
  // Two checkouts of the base at different paths, as CI's merge-base and head folders are.
  for (const [name, sha] of [
    ['base', base],
    ['base-again', base],
    ['regressed', regressed],
    ['improved', improved],
  ] as const) {
    checkouts[name] = join(work, `checkout-${name}`);
    git(['worktree', 'add', '-q', '--detach', checkouts[name], sha]);
  }
  const jobs = Object.keys(checkouts).flatMap((c) =>
    (['node', 'python'] as const).map((p) => async () => {
      runs[`${c}-${p}`] = await profile(c, p);
    }),
  );
  await inPairs(jobs);
});

for (const program of ['node', 'python'] as const) {
  describe(`${program}: base and head in two git worktrees`, () => {
    test('the same commit at two paths passes with no change listed', async () => {
      await judged(program, 'base', 'base-again', ({ code, report }) => {
        const listed = [
          ...report.regressions,
          ...report.improvements,
          ...report.new_hotspots,
          ...report.removed_hotspots,
        ];
        assert.equal(code, 0, JSON.stringify(report.gate));
        assert.deepEqual(
          listed.map((c) => `${c.kind} ${c.function} ${c.file}`),
          [],
        );
        // Whole-run figures of identical code can still differ on a loaded machine (other tests
        // run beside this one); such a difference may warn, but never fail, and no function moves.
        assert.notEqual(report.gate.status, 'fail', JSON.stringify(report.gate));
        for (const reason of report.gate.reasons) {
          assert.match(reason.message, /^whole runs/, JSON.stringify(report.gate));
        }
      });
    });

    // The planted regression is sized for 5 runs a side: the U test's smallest p (0.0079) needs
    // all 25 base/head pairs in order, so the change must stand well clear of the per-run noise
    // of the function's cost (10-20% at load ~5). WORK x6 makes the scoring function's own cost
    // ~3.5x (Node: 15% -> 39% of CPU; Python: 25% -> 63%).
    test('a regression planted in one function fails and names it as a regression', async () => {
      await judged(program, 'base', 'regressed', ({ code, report }) => {
        const name = programs[program].scoring;
        assert.equal(code, 1, JSON.stringify(report.gate));
        assert.equal(report.regressions[0]?.function, name, JSON.stringify(report.regressions.slice(0, 3)));
        assert.equal(report.regressions[0].file, programs[program].file, 'a path relative to the checkout');
        assert.ok(
          ![...report.new_hotspots, ...report.removed_hotspots].some((c) => c.function === name),
          'reported as new/removed instead of a regression',
        );
      });
    });

    test('an improvement that leaves a head run under 0.2 s is reported as an improvement, exit 0', async () => {
      // The head program does almost nothing but start: on an idle machine it runs in well under
      // 0.2 s. The bound is checked as work beyond the runtime's own start (the least of three
      // bare runs each), since at load ~10 on this VM even `python3 -c pass` is charged 0.18 s of
      // CPU. Its profiled runs cost more (an in-process sampler's start-up is the target's own
      // CPU) and their wall time stretches with the load: CPU must be better, wall no worse.
      const start =
        programs[program].argv[0] === 'python3' ? ['python3', '-c', 'pass'] : [process.execPath, '-e', '0'];
      const headCpu = leastOf3(() => bareCpuSeconds(checkouts.improved, programs[program].argv));
      const startCpu = leastOf3(() => bareCpuSeconds(checkouts.improved, start));
      assert.ok(
        headCpu - startCpu < 0.1,
        `the improved ${program} program used ${headCpu} s of CPU, its runtime's start ${startCpu} s`,
      );
      await judged(program, 'base', 'improved', ({ code, report, markdown }) => {
        assert.equal(code, 0, JSON.stringify(report.gate));
        const metric = (key: string) => report.runs?.metrics.find((m) => m.metric === key);
        const cpu = metric('cpu_s');
        const wall = metric('wall_s');
        assert.ok(cpu && wall, 'whole runs compared');
        assert.equal(cpu.change, 'better', JSON.stringify(cpu));
        assert.ok(wall.head.median < wall.base.median && wall.change !== 'worse', JSON.stringify(wall));
        assert.ok((report.energy?.wh_per_1000_runs ?? 0) < 0, JSON.stringify(report.energy));
        assert.match(markdown, /## Whole runs/);
        assert.deepEqual(
          [...report.regressions, ...report.new_hotspots].filter((c) => c.gating),
          [],
        );
      });
    });
  });
}

function leastOf3(measure: () => number): number {
  return Math.min(measure(), measure(), measure());
}

/**
 * bareCpuSeconds runs a program once without autoprof and returns the CPU the kernel charged it
 * (python's getrusage of its waited-for children: steadier than wall time on a loaded machine,
 * though this VM charges CPU time for waits too).
 */
function bareCpuSeconds(cwd: string, argv: string[]): number {
  const out = execFileSync(
    'python3',
    [
      '-c',
      'import resource, subprocess, sys\n' +
        'subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n' +
        'r = resource.getrusage(resource.RUSAGE_CHILDREN)\n' +
        'print(r.ru_utime + r.ru_stime)',
      ...argv,
    ],
    { cwd, encoding: 'utf8' },
  );
  return Number(out.trim());
}

test('a folder that is no run is exit 2 with one line', async () => {
  const empty = mkdtempSync(join(work, 'empty-'));
  copyFileSync(join(fixtures, 'job.py'), join(empty, 'job.py'));
  const r = await runCli(['diff', empty, runs['base-node']]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /not an 'autoprof run' output folder/);
});
