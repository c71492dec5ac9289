import { writeFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { exporterFor, importMergedProfile } from '../formats/index.js';
import type { Command } from './command.js';
import { parseCommandArgs } from './command.js';

const usage = `Usage: autoprof convert IN --to pprof|speedscope|collapsed|flamebearer [-o OUT]

Reads a profile in any supported format (sniffed from its content, gzipped or not) and writes
it in another. Several profiles in one input (threads, JFR event kinds) are merged first.
Without -o the result goes to standard output.

Options:
  --to FORMAT     pprof (gzipped protobuf), speedscope (JSON), collapsed (folded stacks),
                  flamebearer (Pyroscope render JSON)
  -o, --out FILE  where to write (default: standard output)
`;

/** convertCommand is `autoprof convert`. */
export const convertCommand: Command = {
  name: 'convert',
  summary: 'convert a profile between formats',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('convert', argv, {
      to: { type: 'string' },
      out: { type: 'string', short: 'o' },
    });
    if (positionals.length !== 1) throw new UsageError('convert: expected one input file (see --help)');
    if (!values.to)
      throw new UsageError('convert: --to is required (pprof, speedscope, collapsed, flamebearer)');
    const exporter = exporterFor(values.to);
    const profile = importMergedProfile(positionals[0], (m) => io.stderr(`autoprof: warning: ${m}\n`));
    const bytes = exporter.exportProfile(profile);
    if (values.out) writeFileSync(values.out, bytes);
    else io.stdout(bytes);
    return 0;
  },
};
