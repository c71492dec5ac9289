import { AutoprofError } from '../errors.js';
import { type Command, type CommandIo, processIo } from './command.js';

/** CommandEntry is a line of the command table; the module loads only when the command runs. */
interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<Command>;
}

/** commands is the command table, as pprof's driver keeps one: adding a command is one line. */
const commands: CommandEntry[] = [
  {
    name: 'run',
    summary: 'profile any command, black-box, and write its profile',
    load: async () => (await import('./run.js')).runCommand,
  },
  {
    name: 'collectors',
    summary: 'list collectors, whether each is available here and why not',
    load: async () => (await import('./collectors.js')).collectorsCommand,
  },
  {
    name: 'analyze',
    summary: 'redo features, findings and reports of a run folder from its artifacts',
    load: async () => (await import('./analyze.js')).analyzeCommand,
  },
  {
    name: 'patterns',
    summary: 'list the performance pattern knowledge base or check a pattern file',
    load: async () => (await import('./patterns.js')).patternsCommand,
  },
  {
    name: 'server',
    summary: 'run the continuous-profiling server (Pyroscope-compatible ingest and query)',
    load: async () => (await import('./server.js')).serverCommand,
  },
  {
    name: 'triage',
    summary: 'triage every service of a server: what bounds it, top function, changes, anomalies',
    load: async () => (await import('./triage.js')).triageCommand,
  },
  {
    name: 'top',
    summary: 'print the top functions of a profile (like pprof -top)',
    load: async () => (await import('./top.js')).topCommand,
  },
  {
    name: 'convert',
    summary: 'convert a profile between formats',
    load: async () => (await import('./convert.js')).convertCommand,
  },
  {
    name: 'collapse',
    summary: 'fold perf script output (a drop-in for stackcollapse-perf.pl)',
    load: async () => (await import('./collapse.js')).collapseCommand,
  },
  {
    name: 'diff',
    summary: 'compare runs, profiles or benchmarks with statistics and gate CI',
    load: async () => (await import('./diff.js')).diffCommand,
  },
  {
    name: 'bench-compare',
    summary: 'compare benchmark results with statistics (like benchstat)',
    load: async () => (await import('./bench-compare.js')).benchCompareCommand,
  },
];

const VERSION = '0.1.0';

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'autoprof: an automated performance analyst',
    '',
    'Usage: autoprof <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'autoprof <command> --help' for a command's options.",
    'Exit codes: 0 ok, 1 check failed, 2 usage or input error; run passes the target status through.',
    '',
  ].join('\n');
}

/**
 * main runs one command and returns the exit code. Known errors print one line; anything
 * else is reported as an internal error, with the stack only under --debug.
 */
export async function main(argv: string[], io: CommandIo = processIo): Promise<number> {
  // --debug belongs to autoprof only before a '--'; after it, the flag is the target's.
  const separator = argv.indexOf('--');
  const ownArgs = separator === -1 ? argv : argv.slice(0, separator);
  const debug = ownArgs.includes('--debug');
  const args = [
    ...ownArgs.filter((a) => a !== '--debug'),
    ...(separator === -1 ? [] : argv.slice(separator)),
  ];
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(mainHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    io.stdout(`autoprof ${VERSION}\n`);
    return 0;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    io.stderr(`autoprof: unknown command '${name}' (see 'autoprof --help')\n`);
    return 2;
  }
  try {
    const command = await entry.load();
    if (rest[0] === '--help' || rest[0] === '-h' || (rest.includes('--help') && !rest.includes('--'))) {
      io.stdout(command.usage.endsWith('\n') ? command.usage : `${command.usage}\n`);
      return 0;
    }
    return await command.run(rest, io);
  } catch (err) {
    return reportError(err, debug, io);
  }
}

function reportError(err: unknown, debug: boolean, io: CommandIo): number {
  if (err instanceof AutoprofError) {
    io.stderr(`autoprof: ${err.message}\n`);
    if (debug && err.stack) io.stderr(`${err.stack}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  io.stderr(`autoprof: internal error: ${message} (rerun with --debug for details)\n`);
  if (debug && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
  return 2;
}
