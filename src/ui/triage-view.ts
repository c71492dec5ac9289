/// <reference lib="dom" />
import type { ServiceTriage } from '../server/triage/fleet-triage.js';
import { el } from './dom.js';

/**
 * The fleet triage as the UI's landing view: one row per service of GET /api/v1/triage (what
 * bounds it, with the number; where its time goes; its top finding; what changed against the
 * previous period or version; its open anomalies), each row opening that service's flame graph.
 * Self-contained: it needs only `el` and the server's response type, and it is embedded in the
 * page with Function.prototype.toString like every UI module (names are page-global, hence the
 * `triage` prefix).
 */

/** TriageResponse is the GET /api/v1/triage answer (times Unix seconds, shares percent). */
export interface TriageResponse {
  from: number;
  until: number;
  services: ServiceTriage[];
}

/** triageTopFunction: the own function with its self/total, and the library frame where the time lands. */
export function triageTopFunction(row: ServiceTriage): { name: string; shares: string; lands: string } {
  const own = row.top_own;
  const self = row.top_self;
  if (!own && !self) return { name: '', shares: '', lands: '' };
  const name = own?.function ?? self?.function ?? '';
  const selfPct = own ? own.self_pct : (self?.self_pct ?? 0);
  const totalPct = own ? own.total_pct : (self?.total_pct ?? 0);
  const shares = `self ${triagePct(selfPct)} · total ${triagePct(totalPct)}`;
  // The time lands in someone else's code (a library, the runtime) called from the own function.
  const lands =
    self && own && self.function !== own.function
      ? `time lands in ${self.function}${self.origin && self.origin !== 'own' ? ` (${self.origin})` : ''} ${triagePct(self.self_pct)}`
      : '';
  return { name, shares, lands };
}

/**
 * triageChange says the largest move: against the previous version when a deploy or a version
 * label change happened, else against the previous period of the same length.
 */
export function triageChange(row: ServiceTriage): { label: string; detail: string } {
  const version = row.change.previous_version;
  const top = (
    list: ReadonlyArray<{ function: string; before_pct: number; after_pct: number; delta_pts: number }>,
  ) =>
    list[0]
      ? `${list[0].function} ${triagePct(list[0].before_pct)} → ${triagePct(list[0].after_pct)} (${list[0].delta_pts > 0 ? '+' : ''}${list[0].delta_pts.toFixed(1)} pts)`
      : 'no function moved';
  if (version) {
    const from = version.previous ? `${version.previous} → ` : '';
    return { label: `version ${from}${version.version}`, detail: top(version.changes) };
  }
  const period = row.change.previous_period;
  if (period) return { label: 'vs previous period', detail: top(period.changes) };
  return { label: '', detail: 'no earlier data' };
}

/** triagePct shows a percentage with one decimal (two under 1%). */
export function triagePct(pct: number): string {
  return `${pct < 1 && pct > 0 ? pct.toFixed(2) : pct.toFixed(1)}%`;
}

/** triageServiceHref is the link a row opens: the service's flame graph over the same range. */
export function triageServiceHref(service: string, from: string, until: string): string {
  const p = new URLSearchParams({ service });
  if (from !== 'now-1h') p.set('from', from);
  if (until !== 'now') p.set('until', until);
  return `?${p.toString()}`;
}

/**
 * renderTriageView draws the table. A row is clicked (or its service link followed, with Enter
 * on the focused row too) to open that service; `onOpen` gets the service name. The link's href
 * is a real URL so the row can also be opened in a new tab.
 */
export function renderTriageView(
  container: HTMLElement,
  answer: TriageResponse,
  options: { from: string; until: string; onOpen: (service: string) => void },
): void {
  const rows = answer.services.map((row) => {
    const fn = triageTopFunction(row);
    const change = triageChange(row);
    const open = (ev: Event) => {
      const mouse = ev as MouseEvent;
      // Ctrl/⌘/middle click keeps the browser's own new-tab behaviour on the link.
      if (mouse.ctrlKey || mouse.metaKey || mouse.shiftKey || mouse.button === 1) return;
      ev.preventDefault();
      options.onOpen(row.service);
    };
    const link = el(
      'a',
      { href: triageServiceHref(row.service, options.from, options.until), className: 'triage-service' },
      row.service || '(no service name)',
    );
    const anomalies = row.anomalies;
    return el(
      'tr',
      {
        'data-service': row.service,
        'data-kind': row.classification.kind,
        tabIndex: 0,
        onclick: open,
        onkeydown: (ev: Event) => {
          if ((ev as KeyboardEvent).key === 'Enter') open(ev);
        },
      },
      el('td', {}, link),
      el(
        'td',
        { className: 'triage-class' },
        el('span', { className: `badge kind-${row.classification.kind}` }, row.classification.kind),
        el('span', { className: 'muted small' }, ` ${row.classification.summary}`),
      ),
      el(
        'td',
        { className: 'fn triage-fn', 'data-function': fn.name },
        fn.name ? el('code', {}, fn.name) : el('span', { className: 'muted' }, 'no samples'),
        fn.shares ? el('div', { className: 'muted small' }, fn.shares) : null,
        fn.lands ? el('div', { className: 'muted small triage-lands' }, fn.lands) : null,
      ),
      el(
        'td',
        { className: 'triage-finding' },
        row.top_finding
          ? el(
              'span',
              {},
              el('span', { className: `badge sev-${row.top_finding.severity}` }, row.top_finding.severity),
              ` ${row.top_finding.title}`,
            )
          : el('span', { className: 'muted' }, 'none'),
      ),
      el(
        'td',
        { className: 'triage-change' },
        change.label ? el('div', { className: 'small' }, change.label) : null,
        el('div', { className: 'small' }, change.detail),
      ),
      el(
        'td',
        { className: 'triage-anomalies', 'data-count': anomalies.length },
        anomalies.length
          ? el(
              'span',
              {},
              el('span', { className: 'badge badge-anomaly' }, String(anomalies.length)),
              ` ${anomalies
                .slice(0, 2)
                .map((a) => `${a.function ?? 'shape'}${a.version ? ` in ${a.version}` : ''}`)
                .join(', ')}`,
            )
          : el('span', { className: 'muted' }, '0'),
      ),
    );
  });
  const head = el(
    'thead',
    {},
    el(
      'tr',
      {},
      ...['Service', 'Bound by', 'Top function', 'Top finding', 'Change', 'Anomalies'].map((h) =>
        el('th', { scope: 'col' }, h),
      ),
    ),
  );
  container.replaceChildren(
    el(
      'p',
      { className: 'muted small summary' },
      `${answer.services.length} service${answer.services.length === 1 ? '' : 's'}, worst first. Pick one for its flame graph.`,
    ),
    el(
      'div',
      { className: 'table-scroll' },
      el('table', { id: 'triage', className: 'triage' }, head, el('tbody', {}, ...rows)),
    ),
  );
}
