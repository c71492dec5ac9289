import { UsageError } from '../errors.js';
import { importMergedProfile } from '../formats/index.js';
import { filterProfile } from '../model/filter.js';
import type { Profile } from '../model/profile.js';
import { defaultSampleTypeIndex, sampleTypeIndex } from '../model/profile.js';
import { computeTop, renderTopText } from '../report/top.js';
import type { FleetTopRow } from '../server/triage/fleet-top.js';
import type { Command, CommandIo } from './command.js';
import { parseCommandArgs, parsePositiveInt } from './command.js';
import { fetchServerJson, renderTable } from './server-client.js';

const usage = `Usage: autoprof top IN [--sample-type T] [--nodecount N] [--cum] [--focus RE] [--ignore RE] [--json]
       autoprof top --server URL [--type cpu|alloc|mutex|wall|heap] [--from now-1h] [--until T] [--nodecount N] [--json]

Lists the functions of a profile (any supported format, gzipped or not) ranked by their own
("flat") value, like 'go tool pprof -top': flat, flat%, sum%, cum, cum% and the name.

Options:
  --sample-type T     which value to rank: a type (cpu, alloc_space), type/unit, or a 0-based
                      index (default: the profile's default type, else the last one)
  --nodecount N       show only the first N functions (default: all)
  --nodefraction F    hide functions whose cum is below F of the total (default 0.005, as pprof;
                      0 shows everything)
  --cum               rank by cumulative value instead of flat
  --focus RE          keep only samples with a frame whose function or file matches RE
  --ignore RE         drop samples with a frame whose function or file matches RE
  --json              print the rows as JSON (values in the sample type's unit)

With --server, the hottest functions across every service of an autoprof server, with their
service, ranked by own value in the type's unit (GET /api/v1/top; --nodecount defaults to 20).
`;

/** pickSampleType resolves --sample-type to an index, listing the choices when it matches none. */
export function pickSampleType(profile: Profile, wanted: string | undefined): number {
  if (profile.sampleTypes.length === 0) throw new UsageError('top: the profile has no sample types');
  if (wanted === undefined) return defaultSampleTypeIndex(profile);
  if (/^\d+$/.test(wanted)) {
    const i = Number(wanted);
    if (i < profile.sampleTypes.length) return i;
  }
  const i = sampleTypeIndex(profile, wanted);
  if (i >= 0) return i;
  const choices = profile.sampleTypes.map((t) => `${t.type}/${t.unit}`).join(', ');
  throw new UsageError(`top: no sample type '${wanted}' in this profile (choose ${choices})`);
}

function parseRegex(flag: string, text: string | undefined): RegExp | undefined {
  if (text === undefined) return undefined;
  try {
    return new RegExp(text);
  } catch (err) {
    throw new UsageError(`top: --${flag} is not a valid regular expression: ${(err as Error).message}`);
  }
}

function parseFraction(text: string | undefined): number {
  if (text === undefined) return 0.005;
  const f = Number(text);
  if (!(f >= 0 && f <= 1))
    throw new UsageError(`top: --nodefraction takes a number from 0 to 1, got '${text}'`);
  return f;
}

/** topCommand is `autoprof top`. */
export const topCommand: Command = {
  name: 'top',
  summary: 'list the hottest functions of a profile (like go tool pprof -top)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('top', argv, {
      'sample-type': { type: 'string' },
      nodecount: { type: 'string' },
      nodefraction: { type: 'string' },
      cum: { type: 'boolean' },
      focus: { type: 'string' },
      ignore: { type: 'string' },
      json: { type: 'boolean' },
      server: { type: 'string' },
      type: { type: 'string' },
      from: { type: 'string' },
      until: { type: 'string' },
    });
    if (values.server) {
      if (positionals.length > 0)
        throw new UsageError('top: give either an input file or --server, not both');
      return fleetTopCommand(values.server, values, io);
    }
    if (values.type || values.from || values.until)
      throw new UsageError('top: --type, --from and --until go with --server (see --help)');
    if (positionals.length !== 1) throw new UsageError('top: expected one input file (see --help)');
    const nodeCount = parsePositiveInt('top', 'nodecount', values.nodecount, 0);
    const nodeFraction = parseFraction(values.nodefraction);
    const focus = parseRegex('focus', values.focus);
    const ignore = parseRegex('ignore', values.ignore);

    let profile = importMergedProfile(positionals[0], (m) => io.stderr(`autoprof: warning: ${m}\n`));
    const index = pickSampleType(profile, values['sample-type']);
    if (focus || ignore) profile = filterProfile(profile, { focus, ignore });
    const top = computeTop(profile, {
      sampleTypeIndex: index,
      nodeCount,
      sortByCum: values.cum,
      nodeFraction,
    });

    if (values.json) {
      io.stdout(`${JSON.stringify(top, null, 2)}\n`);
      return 0;
    }
    const activeFilters: string[] = [];
    if (values.focus !== undefined) activeFilters.push(`focus=${values.focus}`);
    if (values.ignore !== undefined) activeFilters.push(`ignore=${values.ignore}`);
    io.stdout(renderTopText(profile, top, { activeFilters }));
    return 0;
  },
};

/** fleetTopCommand is `autoprof top --server`: the fleet's hottest functions from GET /api/v1/top. */
async function fleetTopCommand(
  server: string,
  values: { type?: string; from?: string; until?: string; nodecount?: string; json?: boolean },
  io: CommandIo,
): Promise<number> {
  const limit = parsePositiveInt('top', 'nodecount', values.nodecount, 20);
  const doc = (await fetchServerJson('top', server, 'api/v1/top', {
    type: values.type ?? 'cpu',
    from: values.from ?? 'now-1h',
    until: values.until,
    limit: String(limit),
  })) as { type: string; functions: FleetTopRow[] };
  if (values.json) {
    io.stdout(`${JSON.stringify(doc, null, 2)}\n`);
    return 0;
  }
  if (doc.functions.length === 0) {
    io.stdout(`no ${doc.type} profiles in the range\n`);
    return 0;
  }
  const amount = (v: number, unit: string) =>
    unit === 'nanoseconds'
      ? `${(v / 1e9).toFixed(2)}s`
      : unit === 'bytes'
        ? `${(v / 1048576).toFixed(1)}MiB`
        : `${Math.round(v)}`;
  io.stdout(
    renderTable(
      ['FLAT', 'FLAT% (SERVICE)', 'CUM% (SERVICE)', 'SERVICE', 'FUNCTION'],
      doc.functions.map((f) => [
        amount(f.self, f.unit),
        `${f.self_pct.toFixed(2)}%`,
        `${f.total_pct.toFixed(2)}%`,
        f.service,
        f.function,
      ]),
    ),
  );
  return 0;
}
