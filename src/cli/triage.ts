import { UsageError } from '../errors.js';
import type { ServiceTriage } from '../server/triage/fleet-triage.js';
import type { Command } from './command.js';
import { parseCommandArgs } from './command.js';
import { fetchServerJson, renderTable } from './server-client.js';

const usage = `Usage: autoprof triage --server URL [--from now-1h] [--until now] [--json]

Triages every service the server holds for the range: what bounds it (cpu-bound, gc-bound,
lock-bound, waiting, healthy, with the numbers), the function where most time lands (TOP SELF,
any code) and the service's own function that time is attributed to (TOP OWN FUNCTION, callees
in libraries and the runtime included), its top finding, the biggest change against the period
before and against the version before its latest deploy, and its open anomalies. Worst first.

Options:
  --server URL     the autoprof server (AUTOPROF_TOKEN is sent as a bearer token when set)
  --from T         start of the range: now-1h (default), Unix seconds or RFC 3339
  --until T        end of the range (default now)
  --json           print the server's answer (GET /api/v1/triage) as JSON
`;

/** triageCommand is `autoprof triage`. */
export const triageCommand: Command = {
  name: 'triage',
  summary: 'triage every service of a server: what bounds it, top function, changes, anomalies',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('triage', argv, {
      server: { type: 'string' },
      from: { type: 'string' },
      until: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UsageError(`triage: unexpected argument '${positionals[0]}'`);
    if (!values.server) throw new UsageError('triage: --server URL is required (see --help)');
    const doc = (await fetchServerJson('triage', values.server, 'api/v1/triage', {
      from: values.from ?? 'now-1h',
      until: values.until,
    })) as { from: number; until: number; services: ServiceTriage[] };
    if (values.json) {
      io.stdout(`${JSON.stringify(doc, null, 2)}\n`);
      return 0;
    }
    io.stdout(renderTriage(doc.services));
    return 0;
  },
};

/** renderTriage is the plain table: one row per service, the summary sentences below it. */
export function renderTriage(services: readonly ServiceTriage[]): string {
  if (services.length === 0) return 'no services with profiles in the range\n';
  const pct = (x: number | undefined) => (x === undefined ? '' : `${x.toFixed(1)}%`);
  const rows = services.map((s) => {
    const change = s.change.previous_version?.changes[0] ?? s.change.previous_period?.changes[0];
    return [
      s.service,
      s.classification.kind,
      s.top_self ? `${s.top_self.function} ${pct(s.top_self.self_pct)}` : '-',
      s.top_own ? `${s.top_own.function} ${pct(s.top_own.share_pct)}` : '-',
      s.top_finding ? `${s.top_finding.category} in ${s.top_finding.function}` : '-',
      change && change.delta_pts !== 0
        ? `${change.function} ${change.delta_pts > 0 ? '+' : ''}${change.delta_pts.toFixed(1)} pts${s.change.previous_version ? ` since ${s.change.previous_version.version}` : ''}`
        : '-',
      s.anomalies.length > 0
        ? s.anomalies.map((a) => `${a.function ?? '?'}${a.version ? `@${a.version}` : ''}`).join(', ')
        : '-',
    ];
  });
  const table = renderTable(
    ['SERVICE', 'BOUND', 'TOP SELF', 'TOP OWN FUNCTION', 'TOP FINDING', 'CHANGE', 'ANOMALIES'],
    rows,
  );
  const notes = services.map((s) => `  ${s.service}: ${s.classification.summary}`).join('\n');
  return `${table}\n${notes}\n`;
}
