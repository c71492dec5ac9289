/**
 * top-runner runs `autoprof top` in-process without the built CLI or the command table, so the
 * bench measures the importer and the report, not command dispatch.
 */
import { processIo } from '../src/cli/command.js';
import { topCommand } from '../src/cli/top.js';
import { AutoprofError } from '../src/errors.js';

async function runTop(argv: string[]): Promise<number> {
  try {
    return await topCommand.run(argv, processIo);
  } catch (err) {
    if (err instanceof AutoprofError) {
      process.stderr.write(`autoprof: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}

process.exitCode = await runTop(process.argv.slice(2));
