/**
 * top-vs-go-pprof times `autoprof top` against `go tool pprof -symbolize=none -top` on
 * corpora/pprof/internal/proftest/testdata/large.cpu (1.2 MB gzipped, 20k samples), both as
 * whole processes, interleaved, median of 5 each, and prints ours/go (goal <= 0.5). It also
 * checks that both print the same report, so a fast wrong answer cannot pass.
 *
 * Ours runs compiled JavaScript (see oursCommand), the way the published CLI runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { corporaSkipReason, corpusPath, repoPath } from '../test/corpora.js';

const runs = 5;
const input = corpusPath('pprof', 'internal', 'proftest', 'testdata', 'large.cpu');

interface Timed {
  ms: number;
  stdout: string;
}

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv): Timed {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function ensureGo(): void {
  if (spawnSync('go', ['version']).status === 0) return;
  const r = spawnSync('bash', [repoPath('scripts', 'install-go.sh')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('go is missing and scripts/install-go.sh failed');
}

interface Ours {
  cmd: string;
  args: string[];
  label: string;
}

/**
 * oursCommand runs compiled JavaScript, as users do: dist/ when built, else the sources
 * compiled into the scratch folder (node_modules linked beside it so imports resolve). Only if
 * that fails, bench/top-runner.ts under tsx, whose loader start-up dominates the timing.
 */
function oursCommand(scratch: string): Ours {
  if (existsSync(repoPath('dist', 'cli', 'main.js'))) {
    return {
      cmd: process.execPath,
      args: [repoPath('bin', 'autoprof.js'), 'top', input],
      label: 'node bin/autoprof.js (dist/)',
    };
  }
  const out = join(scratch, 'dist');
  symlinkSync(repoPath('node_modules'), join(scratch, 'node_modules'), 'dir');
  spawnSync(
    process.execPath,
    [
      repoPath('node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      repoPath('tsconfig.build.json'),
      '--outDir',
      out,
    ],
    {
      stdio: 'ignore',
    },
  );
  const main = join(out, 'cli', 'main.js');
  if (existsSync(main)) {
    const script = `import(${JSON.stringify(pathToFileURL(main).href)}).then((m) => m.main(process.argv.slice(1))).then((c) => { process.exitCode = c; })`;
    return {
      cmd: process.execPath,
      args: ['--input-type=module', '-e', script, 'top', input],
      label: 'node, sources compiled by tsc into a scratch dir',
    };
  }
  return {
    cmd: process.execPath,
    args: ['--import', 'tsx', repoPath('bench', 'top-runner.ts'), input],
    label: 'node --import tsx bench/top-runner.ts (tsc build failed)',
  };
}

function main(): number {
  const skip = corporaSkipReason('pprof');
  if (skip) return 0;
  ensureGo();
  const scratch = mkdtempSync(join(tmpdir(), 'autoprof-bench-'));
  // pprof keeps history and fetched profiles under HOME / PPROF_TMPDIR; keep them out of the user's.
  const env = {
    ...process.env,
    HOME: scratch,
    PPROF_TMPDIR: scratch,
    PPROF_BINARY_PATH: '/nonexistent',
    TZ: 'UTC',
  };
  const ours = oursCommand(scratch);
  const go = { cmd: 'go', args: ['tool', 'pprof', '-symbolize=none', '-top', input] };
  try {
    const oursMs: number[] = [];
    const goMs: number[] = [];
    let oursOut = '';
    let goOut = '';
    for (let i = 0; i < runs; i++) {
      const a = timed(ours.cmd, ours.args, env);
      const b = timed(go.cmd, go.args, env);
      oursMs.push(a.ms);
      goMs.push(b.ms);
      oursOut = a.stdout;
      goOut = b.stdout;
    }
    const same = oursOut === goOut;
    const ratio = median(oursMs) / median(goMs);
    process.stdout.write(
      [
        `input: ${input}`,
        `ours: ${ours.label}`,
        `ours  median ${median(oursMs).toFixed(0)} ms  runs ${oursMs.map((x) => x.toFixed(0)).join(' ')}`,
        `go    median ${median(goMs).toFixed(0)} ms  runs ${goMs.map((x) => x.toFixed(0)).join(' ')}  (go tool pprof -symbolize=none -top)`,
        `identical output: ${same ? 'yes' : 'NO'}`,
        `ratio ours/go: ${ratio.toFixed(2)} (goal <= 0.5: ${ratio <= 0.5 ? 'met' : 'NOT met'})`,
        '',
      ].join('\n'),
    );
    return same ? 0 : 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

process.exitCode = main();
