import { readFileSync, readlinkSync } from 'node:fs';

/** DEFAULT_INSPECT_PORT is where Node opens its inspector unless told otherwise. */
export const DEFAULT_INSPECT_PORT = 9229;

const SIGUSR1 = 10;
const NODE_EXE = /^node(js)?(\d+(\.\d+)*)?$/;

/** NodeTarget is what /proc tells about a process autoprof may open the inspector of. */
export interface NodeTarget {
  pid: number;
  isNode: boolean;
  /** program is the executable (or argv[0] when /proc/PID/exe is not readable). */
  program: string;
  /** nodeArgs are the options Node itself reads: command-line options before the script, then NODE_OPTIONS. */
  nodeArgs: string[];
  /** catchesSigusr1 is false when SIGUSR1 would run its default action: terminate. */
  catchesSigusr1: boolean;
  /** inspectPort is where SIGUSR1 makes the inspector listen. */
  inspectPort: number;
  /** inspectorRequested: the target was started with --inspect* and its inspector is open already. */
  inspectorRequested: boolean;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1).replace(/ \(deleted\)$/, '');
}

/** isNodeProgram says whether an executable path or argv[0] is the node binary. */
export function isNodeProgram(program: string): boolean {
  return NODE_EXE.test(basename(program));
}

/** catchesSignal reads the SigCgt mask of /proc/PID/status: bit N-1 is set when signal N has a handler. */
export function catchesSignal(statusText: string, signal: number): boolean {
  const m = /^SigCgt:\s*([0-9a-fA-F]+)$/m.exec(statusText);
  if (!m) return false;
  return ((BigInt(`0x${m[1]}`) >> BigInt(signal - 1)) & 1n) === 1n;
}

/** nodeOptionsWords splits NODE_OPTIONS as Node does: on spaces, with double quotes. */
export function nodeOptionsWords(value: string): string[] {
  const words: string[] = [];
  for (const m of value.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) {
    words.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  }
  return words;
}

/** optionsBeforeScript keeps the leading `-` words of a node command line (argv without argv[0]). */
export function optionsBeforeScript(args: string[]): string[] {
  const end = args.findIndex((a) => !a.startsWith('-') || a === '--' || a === '-');
  return end === -1 ? args : args.slice(0, end);
}

/**
 * inspectPortOf finds the port SIGUSR1 opens: `--inspect-port=N`, or the port of
 * `--inspect[-brk|-wait]=[host:]N`; the last one wins, as in Node's own option parser.
 */
export function inspectPortOf(nodeArgs: string[]): number {
  let port = DEFAULT_INSPECT_PORT;
  for (let i = 0; i < nodeArgs.length; i++) {
    const m = /^--(inspect(?:-brk|-wait|-port)?|debug-port)(?:=(.*))?$/.exec(nodeArgs[i]);
    if (!m) continue;
    const value = m[2] ?? (m[1] === 'inspect-port' || m[1] === 'debug-port' ? nodeArgs[i + 1] : undefined);
    const n = Number(value?.slice(value.lastIndexOf(':') + 1));
    if (value !== undefined && Number.isInteger(n) && n >= 0) port = n;
  }
  return port;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** readNodeTarget inspects a process through /proc; undefined when it does not exist. */
export function readNodeTarget(pid: number): NodeTarget | undefined {
  const cmdline = readText(`/proc/${pid}/cmdline`);
  const status = readText(`/proc/${pid}/status`);
  if (cmdline === undefined || status === undefined) return undefined;
  const argv = cmdline.split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
  let program = argv[0] ?? '';
  try {
    program = readlinkSync(`/proc/${pid}/exe`);
  } catch {
    // Another user's process: argv[0] is all there is (process.title may have changed it).
  }
  const environ = readText(`/proc/${pid}/environ`) ?? '';
  const nodeOptions = /(?:^|\0)NODE_OPTIONS=([^\0]*)/.exec(environ)?.[1] ?? '';
  const nodeArgs = [...optionsBeforeScript(argv.slice(1)), ...nodeOptionsWords(nodeOptions)];
  return {
    pid,
    isNode: isNodeProgram(program) || isNodeProgram(argv[0] ?? ''),
    program,
    nodeArgs,
    catchesSigusr1: catchesSignal(status, SIGUSR1),
    inspectPort: inspectPortOf(nodeArgs),
    inspectorRequested: nodeArgs.some((a) => /^--inspect(-brk|-wait)?(=|$)/.test(a)),
  };
}

/**
 * sigusr1Refusal says why SIGUSR1 must not be sent, or undefined when it is safe: without a
 * handler (`--disable-sigusr1`, a build without the inspector) its default action kills the target.
 */
export function sigusr1Refusal(target: NodeTarget): string | undefined {
  if (!target.isNode)
    return `pid ${target.pid} is not a Node.js process (${target.program || 'unknown program'})`;
  if (target.nodeArgs.includes('--disable-sigusr1')) {
    return `pid ${target.pid} was started with --disable-sigusr1, so its inspector cannot be opened from outside`;
  }
  if (!target.catchesSigusr1) {
    return `pid ${target.pid} has no SIGUSR1 handler (inspector disabled or not built in); SIGUSR1 would kill it, so it was not sent`;
  }
  return undefined;
}
