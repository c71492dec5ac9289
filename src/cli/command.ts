import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from '../errors.js';

/** Command is one `autoprof <name>` entry of the command table. */
export interface Command {
  name: string;
  /** summary is one line for `autoprof --help`. */
  summary: string;
  /** usage is the full `--help` text of the command. */
  usage: string;
  /** run returns the exit code: 0 ok, 1 check failed, 2 usage or input error (or a passed-through status). */
  run(argv: string[], io: CommandIo): Promise<number>;
}

/** CommandIo lets tests capture output without spawning a process. */
export interface CommandIo {
  stdout: (text: string | Uint8Array) => void;
  stderr: (text: string) => void;
}

export const processIo: CommandIo = {
  stdout: (text) => {
    process.stdout.write(text);
  },
  stderr: (text) => {
    process.stderr.write(text);
  },
};

type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** ParsedCommandArgs is what parseArgs returns for a command's options, named for declaration output. */
export type ParsedCommandArgs<O extends OptionSpec> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: boolean; strict: true }>
>;

/**
 * parseCommandArgs wraps node:util parseArgs so every unknown flag or missing value becomes a
 * one-line UsageError naming the command.
 */
export function parseCommandArgs<O extends OptionSpec>(
  command: string,
  argv: string[],
  options: O,
  allowPositionals = true,
): ParsedCommandArgs<O> {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError(
      `${command}: ${(err as Error).message.split('\n')[0]} (see 'autoprof ${command} --help')`,
    );
  }
}

/** wantsHelp: `--help` or `-h` anywhere before a `--`. */
export function wantsHelp(argv: string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

/** parsePositiveInt reads a flag value that must be a positive integer. */
export function parsePositiveInt(
  command: string,
  flag: string,
  value: string | undefined,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new UsageError(`${command}: --${flag} takes a positive whole number, got '${value}'`);
  return n;
}
