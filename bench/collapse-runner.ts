/**
 * collapse-runner runs `autoprof collapse` in-process without the built CLI or the command
 * table, so the throughput bench measures the collapser alone. With AUTOPROF_REPORT_RSS=1 it
 * prints `maxrss_kb=N` (the process's peak RSS) on stderr at exit.
 */
import { collapseCommand } from '../src/cli/collapse.js';
import { processIo } from '../src/cli/command.js';
import { AutoprofError } from '../src/errors.js';

async function runCollapse(argv: string[]): Promise<number> {
  try {
    return await collapseCommand.run(argv, processIo);
  } catch (err) {
    if (err instanceof AutoprofError) {
      process.stderr.write(`autoprof: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}

process.exitCode = await runCollapse(process.argv.slice(2));
if (process.env.AUTOPROF_REPORT_RSS === '1') {
  process.stderr.write(`maxrss_kb=${process.resourceUsage().maxRSS}\n`);
}
