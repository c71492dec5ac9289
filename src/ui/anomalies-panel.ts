/// <reference lib="dom" />
import { el } from './dom.js';
import { formatTimeMs } from './time-range.js';

/** UiDeploy is a deploy event of GET /api/v1/events (times in Unix seconds). */
export interface UiDeploy {
  id: string;
  service: string;
  version: string;
  time: number;
  labels: Record<string, string>;
  source: string;
  minutes_before?: number;
}

/** UiAnomaly is the part of an Anomaly (src/server/anomaly/anomaly.ts) the UI shows. */
export interface UiAnomaly {
  id: string;
  service: string;
  profile_type: string;
  kind: string;
  detected_at: number;
  window: { from: number; until: number; minutes: number };
  baseline: { from: number; until: number; minutes: number; source: string };
  function: { name: string; file: string; metric: string; baseline_pct: number; current_pct: number } | null;
  confidence: number;
  deploy: UiDeploy | null;
  root_cause: {
    statement: string;
    path: string[];
    changes: Array<{
      kind: string;
      function: string;
      file: string;
      base: { self_pct: number; total_pct: number };
      head: { self_pct: number; total_pct: number };
      delta: { self_pts: number; total_pts: number };
    }>;
    findings: Array<{ id: string; title: string; severity: string; location: { function: string } }>;
  } | null;
}

/** AnomalyActions are what the report's buttons do; the page owns the state they change. */
export interface AnomalyActions {
  onSelect: (id: string) => void;
  onShowFlame: (a: UiAnomaly) => void;
  onCompare: (a: UiAnomaly) => void;
  onShowFrame: (fn: string) => void;
}

/** anomalyTitle names an anomaly in a list, a marker label and an announcement. */
export function anomalyTitle(a: UiAnomaly): string {
  if (a.function) {
    return `${a.function.name} ${a.function.baseline_pct.toFixed(1)}% → ${a.function.current_pct.toFixed(1)}%`;
  }
  return a.kind === 'profile-shape' ? 'profile shape changed' : a.kind;
}

/**
 * renderAnomaliesPanel lists the range's anomalies, newest first, and under the list the report
 * of the selected one: the root-cause statement, the ranked function changes, the call path, the
 * deploy it follows, the diagnosis of its window, and the two ways into the data (its window in
 * the flame graph, or the diff of baseline against window). `selected` may name an anomaly that
 * is not in `list` (a link opened with another range); it is shown all the same.
 */
export function renderAnomaliesPanel(
  container: HTMLElement,
  list: UiAnomaly[],
  selected: UiAnomaly | null,
  actions: AnomalyActions,
): void {
  const now = Date.now();
  const when = (s: number) => formatTimeMs(s * 1000, now);
  const items = list.map((a) =>
    el(
      'li',
      {},
      el(
        'button',
        {
          type: 'button',
          className: 'anomaly-item',
          'data-anomaly': a.id,
          'aria-pressed': String(selected?.id === a.id),
          onclick: () => actions.onSelect(a.id),
        },
        el('span', { className: 'badge badge-anomaly' }, a.kind === 'profile-shape' ? 'shape' : 'share'),
        ' ',
        el('strong', {}, anomalyTitle(a)),
        el(
          'span',
          { className: 'muted small' },
          ` ${when(a.window.from)}, ${a.window.minutes} min · confidence ${Math.round(a.confidence * 100)}%`,
        ),
      ),
    ),
  );
  const parts: Node[] = [
    el(
      'p',
      { className: 'muted' },
      list.length === 0
        ? 'No anomalies in this range.'
        : `${list.length} anomal${list.length === 1 ? 'y' : 'ies'}. Pick one for its report.`,
    ),
  ];
  if (items.length) parts.push(el('ul', { className: 'anomaly-list' }, ...items));
  if (selected) parts.push(anomalyReport(selected, actions, when));
  container.replaceChildren(...parts);
}

/** KIND_LABELS name a FunctionChange kind as the diff view does. */
export const KIND_LABELS: Record<string, string> = {
  regression: 'grew',
  new_hotspot: 'new',
  improvement: 'shrank',
  removed_hotspot: 'removed',
};

/** anomalyReport is the selected anomaly's root-cause report. */
export function anomalyReport(
  a: UiAnomaly,
  actions: AnomalyActions,
  when: (unixSeconds: number) => string,
): HTMLElement {
  const rc = a.root_cause;
  const pts = (v: number) => `${v > 0 ? '+' : ''}${v.toFixed(1)} pts`;
  const changes = (rc?.changes ?? []).slice(0, 8);
  const deploy = a.deploy;
  return el(
    'article',
    { className: 'anomaly-report', id: 'anomaly-report', 'data-anomaly': a.id, tabIndex: -1 },
    el('h3', {}, anomalyTitle(a)),
    el(
      'p',
      { className: 'muted small' },
      `${a.service} · ${a.profile_type.split(':').slice(0, 2).join(':')} · window ${when(a.window.from)} – ${when(a.window.until)} · baseline ${when(a.baseline.from)} – ${when(a.baseline.until)} (${a.baseline.source})`,
    ),
    el('p', { className: 'statement' }, rc?.statement ?? 'No root-cause report for this anomaly.'),
    el(
      'div',
      { className: 'anomaly-actions' },
      el(
        'button',
        { type: 'button', id: 'anomaly-show-flame', onclick: () => actions.onShowFlame(a) },
        'Show in flame graph',
      ),
      el(
        'button',
        { type: 'button', id: 'anomaly-compare', onclick: () => actions.onCompare(a) },
        'Compare with baseline',
      ),
    ),
    rc?.path.length
      ? el(
          'div',
          {},
          el('h4', {}, 'Call path'),
          el(
            'ol',
            { className: 'call-path', id: 'anomaly-path' },
            ...rc.path.map((fn) => el('li', {}, el('code', {}, fn))),
          ),
        )
      : null,
    changes.length
      ? el(
          'div',
          {},
          el('h4', {}, 'Ranked changes'),
          el(
            'table',
            { className: 'anomaly-changes', id: 'anomaly-changes' },
            el(
              'thead',
              {},
              el(
                'tr',
                {},
                el('th', {}, 'Function'),
                el('th', { className: 'num' }, 'Self'),
                el('th', { className: 'num' }, 'Δ'),
              ),
            ),
            el(
              'tbody',
              {},
              ...changes.map((c) =>
                el(
                  'tr',
                  {
                    'data-function': c.function,
                    'data-kind': c.kind,
                    className: c.delta.self_pts >= 0 ? 'grew' : 'shrank',
                    onclick: () => actions.onShowFrame(c.function),
                  },
                  el(
                    'td',
                    { className: 'fn' },
                    c.function,
                    el('span', { className: 'muted' }, ` ${KIND_LABELS[c.kind] ?? c.kind}`),
                  ),
                  el(
                    'td',
                    { className: 'num' },
                    `${c.base.self_pct.toFixed(1)}% → ${c.head.self_pct.toFixed(1)}%`,
                  ),
                  el('td', { className: 'num delta' }, pts(c.delta.self_pts)),
                ),
              ),
            ),
          ),
        )
      : null,
    el(
      'div',
      { id: 'anomaly-deploy' },
      el('h4', {}, 'Deploy'),
      deploy
        ? el(
            'p',
            {},
            el('span', { className: 'badge badge-deploy' }, 'deploy'),
            ' ',
            el('code', {}, deploy.version.length > 12 ? deploy.version.slice(0, 12) : deploy.version),
            ` at ${when(deploy.time)}`,
            deploy.minutes_before !== undefined ? `, ${deploy.minutes_before} min before` : '',
            ` (${deploy.source === 'label' ? 'version label' : 'deploy event'})`,
            Object.keys(deploy.labels ?? {}).length
              ? el(
                  'span',
                  { className: 'muted small' },
                  ` ${Object.entries(deploy.labels)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(' ')}`,
                )
              : null,
          )
        : el('p', { className: 'muted' }, 'No deploy precedes it.'),
    ),
    rc?.findings.length
      ? el(
          'div',
          { id: 'anomaly-findings' },
          el('h4', {}, 'Findings in the window'),
          el(
            'ul',
            {},
            ...rc.findings.map((f) =>
              el(
                'li',
                { 'data-category': f.id },
                el('span', { className: `badge sev-${f.severity}` }, f.severity),
                ' ',
                f.title,
                f.location.function && !f.title.includes(f.location.function)
                  ? ` in ${f.location.function}`
                  : '',
                ' ',
                f.location.function
                  ? el(
                      'button',
                      {
                        type: 'button',
                        className: 'link',
                        'aria-label': `Show ${f.location.function} in the flame graph`,
                        onclick: () => actions.onShowFrame(f.location.function),
                      },
                      'show',
                    )
                  : null,
              ),
            ),
          ),
        )
      : null,
  );
}
