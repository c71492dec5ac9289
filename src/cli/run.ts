import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { chooseCollectors, FALLBACKS } from '../collect/choose-collectors.js';
import type { Collector, CollectorName } from '../collect/collector.js';
import { attachCollectorNames } from '../collect/collectors/node-attach-collector.js';
import { resolveCommand } from '../collect/runner.js';
import { runSession } from '../collect/session.js';
import { UsageError } from '../errors.js';
import { resolveExplainConfig, takeExplainFlags } from '../llm/explain-config.js';
import type { Command, CommandIo } from './command.js';
import { parseCommandArgs, parsePositiveInt, wantsHelp } from './command.js';

const usage = `Usage: autoprof run [--out DIR] [--runs N] [--timeout S] [--collectors a,b] -- CMD [ARGS...]
       autoprof run --pid PID [--duration S] [--out DIR] [--collectors a,b]

Runs CMD without changing it, watches its whole process tree and profiles it with the
collectors that fit (always 'system'; node, python, jvm or perf by what CMD is). Writes
DIR/manifest.json, DIR/artifacts/ (raw files, the target's stdout.log and stderr.log) and
DIR/profile.pb.gz (every profile merged, samples labelled with pid and process).

Exit status is the target's own (128 + signal number when a signal killed it, as a shell
reports it); 127 when CMD is not found, 126 when it is not executable; 2 when autoprof fails.

Options:
  --out DIR           output folder (default autoprof-out/<timestamp>)
  --runs N            run the target N times: DIR/runs/1..N, each with its own manifest,
                      plus a top-level manifest and merged profile
  --timeout S         stop the target tree after S seconds (SIGTERM, SIGKILL after the grace)
  --grace S           seconds between SIGTERM and SIGKILL (default 5)
  --collectors a,b    use exactly these collectors (see 'autoprof collectors')
  --pid PID           attach to a running process instead of starting one (system plus node
                      for a Node.js process: its inspector is opened with SIGUSR1 for the
                      duration and closed again; perf otherwise)
  --duration S        how long to watch an attached process (default 10)
  --explain[=P]       add an explanation of the findings to report.md (P: none, openai,
                      endpoint, auto; see the README's LLM section); never changes the exit status
  --explain-source    also send redacted source lines around the findings to the provider
`;

function parseSeconds(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`run: --${flag} takes a positive number of seconds, got '${value}'`);
  return Math.round(n * 1000);
}

/** defaultOutDir is autoprof-out/<local timestamp>, safe in file names. */
export function defaultOutDir(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `autoprof-out/${stamp}`;
}

function firstLineOf(program: string, env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  const found = resolveCommand(program, env.PATH, cwd);
  if (!found.ok) return undefined;
  try {
    const head = readFileSync(found.path).subarray(0, 256).toString('latin1');
    return head.split('\n')[0];
  } catch {
    return undefined;
  }
}

/**
 * runWith is `autoprof run` over a given collector registry, so tests can run it before or
 * without every collector module.
 */
export async function runWith(
  argv: string[],
  io: CommandIo,
  registry: readonly Collector[],
): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout(usage);
    return 0;
  }
  // --explain takes an optional value, which parseArgs cannot express: taken out first.
  const explainFlags = takeExplainFlags(argv);
  argv = explainFlags.rest;
  const explainConfig = resolveExplainConfig(explainFlags.explain, process.env, {
    includeSource: explainFlags.explainSource || undefined,
  });
  const separator = argv.indexOf('--');
  const own = separator === -1 ? argv : argv.slice(0, separator);
  const { values, positionals } = parseCommandArgs('run', own, {
    out: { type: 'string' },
    runs: { type: 'string' },
    timeout: { type: 'string' },
    grace: { type: 'string' },
    collectors: { type: 'string' },
    pid: { type: 'string' },
    duration: { type: 'string' },
  });
  const target = separator === -1 ? positionals : [...positionals, ...argv.slice(separator + 1)];
  const attachPid = values.pid !== undefined ? parsePositiveInt('run', 'pid', values.pid, 0) : undefined;
  if (attachPid === undefined && target.length === 0) {
    throw new UsageError("run: give the command to profile after '--' (see 'autoprof run --help')");
  }
  if (attachPid !== undefined && target.length > 0)
    throw new UsageError('run: use either --pid or a command, not both');
  const runs = parsePositiveInt('run', 'runs', values.runs, 1);
  const cwd = process.cwd();
  const names: CollectorName[] =
    attachPid !== undefined && values.collectors === undefined
      ? attachCollectorNames(attachPid)
      : chooseCollectors(target, (p) => firstLineOf(p, process.env, cwd), values.collectors);
  const byName = (n: CollectorName) => registry.find((c) => c.name === n);
  const chosen = names.map((n) => byName(n)).filter((c): c is Collector => c !== undefined);
  const fallback = (n: CollectorName) => {
    const alt = FALLBACKS[n];
    return alt ? byName(alt) : undefined;
  };
  const outDir = resolve(values.out ?? defaultOutDir());
  const tty = process.stderr.isTTY === true;
  const result = await runSession({
    argv: target,
    cwd,
    env: process.env as Record<string, string>,
    outDir,
    runs,
    timeoutMs: parseSeconds('timeout', values.timeout),
    graceMs: parseSeconds('grace', values.grace),
    collectors: chosen,
    fallback,
    attachPid,
    durationMs: parseSeconds('duration', values.duration),
    progress: tty ? (line) => io.stderr(`\r\x1b[K${line}`) : undefined,
  });
  if (tty) io.stderr('\r\x1b[K');
  const last = result.runs[result.runs.length - 1];
  if (last?.exit.error) {
    io.stderr(`autoprof: ${last.exit.error}\n`);
    return result.status;
  }
  // Diagnosis (features.json, findings.json, report.md) never changes the target's exit status.
  try {
    const { analyzeRunDirectory } = await import('../analysis/analyze-run.js');
    const analysis = await analyzeRunDirectory(outDir);
    io.stderr(
      `autoprof: ${analysis.findings.classification.kind}, ${analysis.findings.findings.length} findings (report.md)\n`,
    );
    if (explainConfig) {
      try {
        const { explainRunDirectory, explanationLine } = await import('../llm/explain-artifacts.js');
        io.stderr(explanationLine(await explainRunDirectory(outDir, analysis.findings, explainConfig)));
      } catch (err) {
        io.stderr(`autoprof: explanation failed: ${(err as Error).message.split('\n')[0]}\n`);
      }
    }
  } catch (err) {
    io.stderr(`autoprof: analysis failed: ${(err as Error).message.split('\n')[0]}\n`);
  }
  const problems = result.runs
    .flatMap((r) => r.collectors)
    .filter((c) => c.status === 'failed' || c.status === 'unavailable')
    .map((c) => `${c.name} ${c.status}${c.reason ? ` (${c.reason})` : ''}`);
  const uniqueProblems = [...new Set(problems)];
  io.stderr(
    `autoprof: wrote ${outDir} (target status ${result.status}${last?.exit.timedOut ? ', timed out' : ''}${
      last?.exit.interruptedBy ? `, interrupted by ${last.exit.interruptedBy}` : ''
    })${uniqueProblems.length > 0 ? `; ${uniqueProblems.join('; ')}` : ''}\n`,
  );
  return result.status;
}

/** runCommand is `autoprof run`. */
export const runCommand: Command = {
  name: 'run',
  summary: 'profile any command, black-box, and write its profile',
  usage,
  run: async (argv, io) => runWith(argv, io, (await import('../collect/registry.js')).collectors),
};
