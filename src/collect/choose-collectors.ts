import { UsageError } from '../errors.js';
import type { CollectorName } from './collector.js';

const ALL: readonly CollectorName[] = ['system', 'node', 'python', 'cprofile', 'perf', 'jvm', 'ebpf'];

/** Runtime is the language runtime a command line starts, as far as its argv tells. */
export type Runtime = 'node' | 'python' | 'jvm' | 'native';

const NODE_NAMES = new Set(['node', 'nodejs', 'npm', 'npx', 'pnpm', 'yarn', 'tsx']);
const PYTHON_NAME = /^(python|pypy)(\d+(\.\d+)?)?$/;

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** runtimeOfProgram classifies a program by its file name. */
export function runtimeOfProgram(program: string): Runtime | undefined {
  const name = basename(program);
  if (NODE_NAMES.has(name)) return 'node';
  if (PYTHON_NAME.test(name)) return 'python';
  if (name === 'java') return 'jvm';
  return undefined;
}

/**
 * interpreterOfShebang returns the interpreter argv of a `#!` line: `#!/usr/bin/env node`
 * gives ['node'], `#!/usr/bin/env -S python3 -u` gives ['python3', '-u'].
 */
export function interpreterOfShebang(firstLine: string): string[] | undefined {
  if (!firstLine.startsWith('#!')) return undefined;
  const words = firstLine.slice(2).trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return undefined;
  if (basename(words[0]) === 'env') {
    const rest = words.slice(1).filter((w) => w !== '-S' && !w.includes('='));
    return rest.length > 0 ? rest : undefined;
  }
  return words;
}

/**
 * runtimeOf classifies a command line: the program's name, through `env`, or through the
 * shebang of a script (`readFirstLine` returns undefined for binaries and unreadable files).
 */
export function runtimeOf(argv: string[], readFirstLine: (program: string) => string | undefined): Runtime {
  let args = argv;
  // `env [VAR=value...] program ...` runs `program`.
  while (args.length > 0 && basename(args[0]) === 'env') {
    args = args.slice(1);
    while (args.length > 0 && (args[0].includes('=') || args[0].startsWith('-'))) args = args.slice(1);
  }
  if (args.length === 0) return 'native';
  const inner = shellCommandWords(args);
  if (inner) return runtimeOf(inner, readFirstLine);
  const direct = runtimeOfProgram(args[0]);
  if (direct) return direct;
  const shebang = interpreterOfShebang(readFirstLine(args[0]) ?? '');
  if (shebang) return runtimeOfProgram(shebang[0]) ?? 'native';
  return 'native';
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'ash']);

/**
 * shellCommandWords looks inside `sh -c 'CMD ...'`: the runtime is that of CMD's first word
 * (after VAR=value assignments, quotes removed). Only a first guess: a script can run anything.
 */
export function shellCommandWords(argv: string[]): string[] | undefined {
  if (!SHELLS.has(basename(argv[0]))) return undefined;
  const c = argv.findIndex((a, i) => i > 0 && /^-[a-z]*c[a-z]*$/.test(a));
  if (c < 0 || argv[c + 1] === undefined) return undefined;
  const words = argv[c + 1]
    .trim()
    .split(/\s+/)
    .map((w) => w.replace(/^["']|["';]+$/g, ''))
    .filter((w) => w !== '' && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w) && w !== 'exec');
  return words.length > 0 ? words : undefined;
}

/** COLLECTORS_FOR_RUNTIME: the profiler each runtime gets besides `system`. */
export const COLLECTORS_FOR_RUNTIME: Record<Runtime, CollectorName[]> = {
  node: ['node'],
  python: ['python'],
  jvm: ['jvm'],
  native: ['perf'],
};

/** FALLBACKS: tried when the preferred collector is unavailable here (py-spy missing -> cProfile). */
export const FALLBACKS: Partial<Record<CollectorName, CollectorName>> = { python: 'cprofile' };

/** parseCollectorList reads `--collectors a,b`; unknown names are a usage error. */
export function parseCollectorList(value: string): CollectorName[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new UsageError('run: --collectors needs at least one name');
  for (const n of names) {
    if (!(ALL as readonly string[]).includes(n)) {
      throw new UsageError(`run: unknown collector '${n}' (known: ${ALL.join(', ')})`);
    }
  }
  return [...new Set(names as CollectorName[])];
}

/**
 * chooseCollectors picks the collectors for a command line: always `system`, plus the
 * profiler of its runtime. An explicit `--collectors` list wins as given.
 */
export function chooseCollectors(
  argv: string[],
  readFirstLine: (program: string) => string | undefined,
  explicit?: string,
): CollectorName[] {
  if (explicit !== undefined) return parseCollectorList(explicit);
  return ['system', ...COLLECTORS_FOR_RUNTIME[runtimeOf(argv, readFirstLine)]];
}
