import { once } from 'node:events';
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { createGunzip } from 'node:zlib';
import { AutoprofError, FormatError, UsageError } from '../errors.js';
import { collapseFileInParallel, MIN_PARALLEL_BYTES } from '../formats/stackcollapse/parallel-file.js';
import { type CollapseOptions, StackCollapser } from '../formats/stackcollapse-perf.js';
import type { Command, CommandIo } from './command.js';
import { parseCommandArgs, processIo } from './command.js';

const usage = `Usage: autoprof collapse [--pid] [--tid] [--kernel] [--jit] [--all] [--addrs]
                         [--event-filter EVENT] [FILE|-]

Folds 'perf script' output into one line per distinct stack, 'comm;root;...;leaf count',
sorted by stack: a drop-in for FlameGraph's stackcollapse-perf.pl (same output, byte for
byte). Reads FILE (gzipped or not, detected by content) or standard input, streaming: memory
grows with the number of distinct stacks, not with the input size.

Options:
  --pid                 include the PID with the process name (comm-PID)
  --tid                 include the PID and TID with the process name (comm-PID/TID)
  --kernel              annotate kernel frames with _[k]
  --jit                 annotate JIT frames (/tmp/perf-PID.map) with _[j]
  --all                 all annotations (--kernel --jit)
  --addrs               include raw addresses where symbols can't be found
  --event-filter EVENT  keep only this event (default: the first event type seen)

A large plain file is read on two threads when a core is idle (AUTOPROF_COLLAPSE_THREADS=1
or 2 forces one or two); the output is the same either way.

Counts are sums of the sample period when perf prints one, else sample counts. As in
FlameGraph's own test goldens, Java frames are tidied only for processes named exactly 'java'.
--inline, --context and --srcline (addr2line) are not supported.

Example:
  perf script | autoprof collapse > out.folded
`;

/** MAX_LISTED_WARNINGS caps per-line stderr noise on garbage input; the rest are counted. */
const MAX_LISTED_WARNINGS = 20;

/**
 * READ_CHUNK_BYTES keeps each decoded chunk a young-generation object: megabyte strings go to
 * V8's large-object space, which is reclaimed late, and RSS then grows with the input size.
 */
const READ_CHUNK_BYTES = 64 * 1024;

/**
 * FILE_CHUNK_BYTES is the read size for a plain (not gzipped) regular file, read into one
 * reused buffer: the collapser keeps no reference to the bytes it is fed.
 */
const FILE_CHUNK_BYTES = 1 << 20;

function inputError(path: string, err: unknown): AutoprofError {
  if (err instanceof AutoprofError) return err;
  const code = (err as { code?: string }).code;
  const reason =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'is a directory, expected perf script output'
          : (err as Error).message;
  return new AutoprofError(`${path}: ${reason}`);
}

/** rawChunks reads the file or stdin, turning read errors into one-line input errors. */
async function* rawChunks(path: string): AsyncGenerator<Buffer> {
  const source = path === '-' ? process.stdin : createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  try {
    for await (const chunk of source) yield chunk as Buffer;
  } catch (err) {
    throw inputError(path, err);
  }
}

/**
 * inputChunks yields the input's bytes, gunzipping on the fly when the first two bytes are the
 * gzip magic (content, never the file name, decides).
 */
async function* inputChunks(path: string): AsyncGenerator<Buffer> {
  const iterator = rawChunks(path);
  let first = await iterator.next();
  // A one-byte first chunk cannot show the magic; stdin may deliver that.
  while (!first.done && first.value.length < 2) {
    const more = await iterator.next();
    if (more.done) break;
    first = { done: false, value: Buffer.concat([first.value, more.value]) };
  }
  if (first.done) return;
  const head = first.value;
  if (!(head[0] === 0x1f && head[1] === 0x8b)) {
    yield head;
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) yield r.value;
    return;
  }
  const gunzip = createGunzip();
  const feed = (async () => {
    try {
      let chunk: Buffer | undefined = head;
      while (chunk !== undefined) {
        if (!gunzip.write(chunk)) await new Promise((resolve) => gunzip.once('drain', resolve));
        const r = await iterator.next();
        chunk = r.done ? undefined : r.value;
      }
      gunzip.end();
    } catch (err) {
      gunzip.destroy(err as Error);
    }
  })();
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (err) {
    if (err instanceof AutoprofError) throw err;
    throw new FormatError('gzip', `corrupt or truncated gzip data: ${(err as Error).message}`, path);
  }
  await feed;
}

/**
 * readPlainFile feeds a regular file to `feed` through one reused buffer and returns true, or
 * returns false without feeding anything when the file is gzipped or not a regular file (the
 * stream path handles those). Reads are synchronous: fewer, larger reads, no per-chunk
 * allocation and no thread-pool round trip, which matters once collapsing runs at several
 * hundred MB/s.
 */
function readPlainFile(path: string, feed: (bytes: Uint8Array) => void): boolean {
  if (path === '-') return false;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw inputError(path, err);
  }
  try {
    if (!fstatSync(fd).isFile()) return false;
    const buf = Buffer.allocUnsafe(FILE_CHUNK_BYTES);
    for (let first = true; ; first = false) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        throw inputError(path, err);
      }
      if (n === 0) return true;
      if (first && n >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return false;
      feed(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * writeChunks writes the output. Straight to process.stdout, each chunk's buffer is handed
 * back for reuse once the stream has taken its bytes (at once for a file, after 'drain' for a
 * full pipe), so output memory stays one chunk; any other sink gets fresh chunks it may keep.
 */
async function writeChunks(
  chunks: Generator<Buffer, void, boolean | undefined>,
  io: CommandIo,
): Promise<void> {
  const direct = io === processIo;
  for (let r = chunks.next(); !r.done; ) {
    if (!direct) {
      io.stdout(r.value);
      r = chunks.next(false);
      continue;
    }
    process.stdout.write(r.value);
    if (process.stdout.writableLength > 0) await once(process.stdout, 'drain');
    r = chunks.next(true);
  }
}

/**
 * wantsSecondThread: AUTOPROF_COLLAPSE_THREADS=1 or 2 decides; by default a second thread is
 * used only when a core is idle (load average under the core count minus one). On a busy
 * machine the worker only adds its start-up, a second JIT warm-up and ~20 MB of RSS.
 */
function wantsSecondThread(): boolean {
  const forced = process.env.AUTOPROF_COLLAPSE_THREADS;
  if (forced === '1') return false;
  if (forced === '2') return true;
  const cores = availableParallelism();
  return cores >= 2 && loadavg()[0] < cores - 1;
}

/**
 * collapseLargeFile collapses a large plain regular file on two threads (see parallel-file.ts);
 * undefined, having read nothing, for anything else (stdin, gzip, small or unsplittable
 * files) or when one thread is wanted.
 */
async function collapseLargeFile(
  path: string,
  options: CollapseOptions,
  warn: (message: string) => void,
): Promise<StackCollapser | undefined> {
  if (path === '-' || !wantsSecondThread()) return undefined;
  let size: number;
  const head = Buffer.alloc(2);
  try {
    const fd = openSync(path, 'r');
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) return undefined;
      size = st.size;
      readSync(fd, head, 0, 2, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined; // the one-thread path reports the error
  }
  if (size < MIN_PARALLEL_BYTES || (head[0] === 0x1f && head[1] === 0x8b)) return undefined;
  return collapseFileInParallel(path, size, options, warn, MAX_LISTED_WARNINGS);
}

/** collapseStream runs the collapser over a file or stdin and writes the folded lines. */
export async function collapseStream(path: string, options: CollapseOptions, io: CommandIo): Promise<number> {
  let unrecognized = 0;
  const warn = (message: string) => {
    if (message.startsWith('Unrecognized line')) {
      unrecognized++;
      if (unrecognized > MAX_LISTED_WARNINGS) return;
    }
    io.stderr(`${message}\n`);
  };
  let collapser = await collapseLargeFile(path, options, warn);
  if (collapser === undefined) {
    const single = new StackCollapser(options, warn);
    const feed = (bytes: Uint8Array) => single.pushBytes(bytes);
    if (!readPlainFile(path, feed)) for await (const chunk of inputChunks(path)) feed(chunk);
    single.end();
    collapser = single;
  }
  if (unrecognized > MAX_LISTED_WARNINGS) {
    io.stderr(
      `autoprof: collapse: ${unrecognized} unrecognized lines in total (first ${MAX_LISTED_WARNINGS} shown)\n`,
    );
  }
  await writeChunks(collapser.sortedChunks(), io);
  return 0;
}

/** collapseCommand is `autoprof collapse`, the stackcollapse-perf.pl drop-in. */
export const collapseCommand: Command = {
  name: 'collapse',
  summary: 'fold perf script output (a drop-in for stackcollapse-perf.pl)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('collapse', argv, {
      pid: { type: 'boolean' },
      tid: { type: 'boolean' },
      kernel: { type: 'boolean' },
      jit: { type: 'boolean' },
      all: { type: 'boolean' },
      addrs: { type: 'boolean' },
      'event-filter': { type: 'string' },
    });
    if (positionals.length > 1)
      throw new UsageError('collapse: expected at most one input file (see --help)');
    const options: CollapseOptions = {
      pid: values.pid,
      tid: values.tid,
      kernel: values.kernel,
      jit: values.jit,
      all: values.all,
      addrs: values.addrs,
      eventFilter: values['event-filter'],
    };
    return collapseStream(positionals[0] ?? '-', options, io);
  },
};
