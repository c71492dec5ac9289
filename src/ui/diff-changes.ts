/// <reference lib="dom" />
import { el } from './dom.js';

/** UiChange is one function change of a ProfileDiff (src/analysis/profile-diff.ts). */
export interface UiChange {
  kind: string;
  function: string;
  file: string;
  base: { self_pct: number; total_pct: number };
  head: { self_pct: number; total_pct: number };
  delta: { self_pts: number; total_pts: number };
}

/** UiDiffChanges is the part of a ProfileDiff the table shows. */
export interface UiDiffChanges {
  regressions: UiChange[];
  improvements: UiChange[];
  new_hotspots: UiChange[];
  removed_hotspots: UiChange[];
  notes: string[];
}

/**
 * renderDiffChanges lists the top changes, largest self-share move first: what grew (red) and
 * what shrank (green), with base and head shares; a row focuses its function in the diff graph.
 */
export function renderDiffChanges(
  container: HTMLElement,
  changes: UiDiffChanges,
  onSelect: (fn: string) => void,
): void {
  const all = [
    ...changes.regressions,
    ...changes.new_hotspots,
    ...changes.improvements,
    ...changes.removed_hotspots,
  ].sort((a, b) => Math.abs(b.delta.self_pts) - Math.abs(a.delta.self_pts));
  const label: Record<string, string> = {
    regression: 'grew',
    new_hotspot: 'new',
    improvement: 'shrank',
    removed_hotspot: 'removed',
  };
  const pts = (v: number) => `${v > 0 ? '+' : ''}${v.toFixed(2)} pts`;
  if (all.length === 0) {
    container.replaceChildren(
      el(
        'p',
        { className: 'muted', 'data-state': 'empty' },
        'No function moved beyond the thresholds (5 points of self share).',
      ),
    );
    return;
  }
  const rows = all.slice(0, 50).map((c) => {
    const grew = c.kind === 'regression' || c.kind === 'new_hotspot';
    const tr = el(
      'tr',
      { tabindex: 0, 'data-function': c.function, 'data-kind': c.kind, className: grew ? 'grew' : 'shrank' },
      el(
        'td',
        {},
        el('span', { className: `badge ${grew ? 'badge-grew' : 'badge-shrank'}` }, label[c.kind] ?? c.kind),
      ),
      el('td', { className: 'fn' }, c.function),
      el('td', { className: 'num' }, `${c.base.self_pct.toFixed(2)}%`),
      el('td', { className: 'num' }, `${c.head.self_pct.toFixed(2)}%`),
      el('td', { className: 'num delta' }, pts(c.delta.self_pts)),
      el('td', { className: 'num' }, pts(c.delta.total_pts)),
    );
    tr.addEventListener('click', () => onSelect(c.function));
    tr.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') onSelect(c.function);
    });
    return tr;
  });
  container.replaceChildren(
    el(
      'table',
      { className: 'changes-table' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', {}, 'Change'),
          el('th', {}, 'Function'),
          el('th', { className: 'num' }, 'Base self'),
          el('th', { className: 'num' }, 'Head self'),
          el('th', { className: 'num' }, 'Δ self'),
          el('th', { className: 'num' }, 'Δ total'),
        ),
      ),
      el('tbody', {}, ...rows),
    ),
    ...changes.notes.map((n) => el('p', { className: 'muted small' }, n)),
  );
}
