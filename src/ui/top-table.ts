/// <reference lib="dom" />
import { el } from './dom.js';
import { formatShare, formatValue } from './format.js';

/** TopRow is one function of the top table (self and total over the whole range). */
export interface TopRow {
  name: string;
  file: string;
  self: number;
  total: number;
}

/** TopTableOptions: the unit and total for shares, and what a row's actions do. */
export interface TopTableOptions {
  unit: string;
  total: number;
  selected: string;
  filter: string;
  /** onSelect: the row was chosen (click or Enter): the page highlights it in the flame graph. */
  onSelect: (name: string) => void;
  /** onSandwich: open the sandwich view of the row's function. */
  onSandwich: (name: string) => void;
  /** maxRows: only this many rows are in the DOM; the filter reaches the rest. */
  maxRows?: number;
}

/**
 * renderTopTable draws the sortable, filterable top table: each function's self and total,
 * absolute and as a share. Headers are buttons (keyboard sortable, aria-sort says the order);
 * rows are focusable and Enter selects them.
 */
export function renderTopTable(container: HTMLElement, rows: TopRow[], options: TopTableOptions): void {
  const maxRows = options.maxRows ?? 500;
  let sortKey: 'name' | 'self' | 'total' = 'self';
  let descending = true;
  let filter = options.filter;
  let selected = options.selected;
  const input = el('input', {
    type: 'search',
    placeholder: 'Filter functions (regex)',
    'aria-label': 'Filter functions',
    className: 'top-filter',
    value: filter,
  });
  const note = el('span', { className: 'muted top-note', 'aria-live': 'polite' });
  const tbody = el('tbody');
  const headers: Record<string, HTMLButtonElement> = {};
  const th = (key: 'name' | 'self' | 'total', label: string, numeric: boolean) => {
    const b = el('button', { type: 'button', className: 'sort', 'data-sort': key }, label);
    b.addEventListener('click', () => {
      if (sortKey === key) descending = !descending;
      else {
        sortKey = key;
        descending = key !== 'name';
      }
      fill();
    });
    headers[key] = b;
    return el('th', { className: numeric ? 'num' : '', scope: 'col' }, b);
  };
  const table = el(
    'table',
    { className: 'top-table' },
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        th('name', 'Function', false),
        th('self', 'Self', true),
        el('th', { className: 'num' }, 'Self %'),
        th('total', 'Total', true),
        el('th', { className: 'num' }, 'Total %'),
        el('th', {}, ''),
      ),
    ),
    tbody,
  );
  container.replaceChildren(
    el('div', { className: 'top-controls' }, input, note),
    el('div', { className: 'table-scroll' }, table),
  );

  function fill(): void {
    let re: RegExp | null = null;
    try {
      re = filter ? new RegExp(filter, 'i') : null;
      input.setCustomValidity('');
    } catch {
      input.setCustomValidity('invalid regular expression');
    }
    const matching = re ? rows.filter((r) => re.test(r.name) || re.test(r.file)) : rows.slice();
    const sign = descending ? -1 : 1;
    matching.sort((a, b) =>
      sortKey === 'name'
        ? sign * a.name.localeCompare(b.name)
        : sign * (a[sortKey] - b[sortKey]) || a.name.localeCompare(b.name),
    );
    for (const [key, b] of Object.entries(headers)) {
      b.parentElement?.setAttribute(
        'aria-sort',
        key === sortKey ? (descending ? 'descending' : 'ascending') : 'none',
      );
      b.textContent = `${b.textContent?.replace(/ [▲▼]$/, '')}${key === sortKey ? (descending ? ' ▼' : ' ▲') : ''}`;
    }
    const shown = matching.slice(0, maxRows);
    note.textContent =
      matching.length > shown.length
        ? `${shown.length} of ${matching.length} functions (filter to see more)`
        : `${matching.length} functions`;
    tbody.replaceChildren(
      ...shown.map((r) => {
        const select = () => {
          selected = r.name;
          for (const tr of Array.from(tbody.children))
            tr.classList.toggle('selected', (tr as HTMLElement).dataset.name === selected);
          options.onSelect(r.name);
        };
        const tr = el(
          'tr',
          {
            tabindex: 0,
            'data-name': r.name,
            className: r.name === selected ? 'selected' : '',
            title: r.file || r.name,
          },
          el('td', { className: 'fn' }, r.name),
          el('td', { className: 'num' }, formatValue(r.self, options.unit)),
          el('td', { className: 'num' }, formatShare(r.self, options.total)),
          el('td', { className: 'num' }, formatValue(r.total, options.unit)),
          el('td', { className: 'num' }, formatShare(r.total, options.total)),
          el(
            'td',
            {},
            el(
              'button',
              {
                type: 'button',
                className: 'link',
                'data-sandwich': r.name,
                onclick: (ev: Event) => {
                  ev.stopPropagation();
                  options.onSandwich(r.name);
                },
              },
              'sandwich',
            ),
          ),
        );
        tr.addEventListener('click', select);
        tr.addEventListener('keydown', (ev) => {
          if (ev.key === 'Enter' && ev.target === tr) select();
        });
        return tr;
      }),
    );
  }
  input.addEventListener('input', () => {
    filter = input.value;
    fill();
  });
  fill();
}
