import type { Collector } from '../collect/collector.js';
import type { Command, CommandIo } from './command.js';
import { parseCommandArgs, wantsHelp } from './command.js';

const usage = `Usage: autoprof collectors [--json]

Lists every collector 'autoprof run' knows, whether it can run on this machine, and why not.

Options:
  --json    print [{name, description, available, reason}] as JSON
`;

/** CollectorAvailability is one row of the listing. */
export interface CollectorAvailability {
  name: string;
  description: string;
  available: boolean;
  reason?: string;
}

/** listAvailability asks every collector; a failing check is reported as unavailable, not thrown. */
export async function listAvailability(list: readonly Collector[]): Promise<CollectorAvailability[]> {
  const rows: CollectorAvailability[] = [];
  for (const c of list) {
    try {
      const a = await c.availability();
      rows.push({
        name: c.name,
        description: c.description,
        available: a.available,
        ...(a.reason ? { reason: a.reason } : {}),
      });
    } catch (err) {
      rows.push({
        name: c.name,
        description: c.description,
        available: false,
        reason: `check failed: ${(err as Error).message}`,
      });
    }
  }
  return rows;
}

/** renderAvailability is the human table. */
export function renderAvailability(rows: CollectorAvailability[]): string {
  const width = Math.max(...rows.map((r) => r.name.length));
  return `${rows
    .map((r) => {
      const state = r.available ? 'available  ' : 'unavailable';
      return `${r.name.padEnd(width)}  ${state}  ${r.available ? r.description : (r.reason ?? '')}`;
    })
    .join('\n')}\n`;
}

/** collectorsWith runs the command over a given collector list (tests pass their own). */
export async function collectorsWith(
  argv: string[],
  io: CommandIo,
  list: readonly Collector[],
): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout(usage);
    return 0;
  }
  const { values } = parseCommandArgs('collectors', argv, { json: { type: 'boolean' } }, false);
  const rows = await listAvailability(list);
  io.stdout(values.json ? `${JSON.stringify(rows, null, 2)}\n` : renderAvailability(rows));
  return 0;
}

/** collectorsCommand is `autoprof collectors`. */
export const collectorsCommand: Command = {
  name: 'collectors',
  summary: 'list collectors, whether each is available here and why not',
  usage,
  run: async (argv, io) => collectorsWith(argv, io, (await import('../collect/registry.js')).collectors),
};
