/**
 * UiState is everything a view depends on, and the URL holds all of it, so a copied link
 * reopens the same view. Parsing and formatting are pure (unit-tested in Node) and also run in
 * the browser, embedded by page.ts with Function.prototype.toString: no module-scope references.
 */
export interface UiState {
  service: string;
  /** type is a profile type ID, e.g. process_cpu:cpu:nanoseconds:cpu:nanoseconds. */
  type: string;
  /** matchers are label matchers without braces: `pod="a",region=~"eu-.*"`. */
  matchers: string;
  /** from/until are what the time inputs take: `now-1h`, `now`, or milliseconds since the epoch. */
  from: string;
  until: string;
  view: UiView;
  search: string;
  /** zoom is the zoomed frame as names from the root, so it survives a reload of other data. */
  zoom: string[];
  /** fn is the function of the sandwich view and the row the top table has selected. */
  fn: string;
  diffMode: 'relative' | 'absolute';
  baseFrom: string;
  baseUntil: string;
  headFrom: string;
  headUntil: string;
  /** baseMatchers/headMatchers compare two label selections; empty means `matchers`. */
  baseMatchers: string;
  headMatchers: string;
  theme: '' | 'light' | 'dark';
  /** anomaly is the id of the anomaly whose report is open ('an_…'). */
  anomaly: string;
}

/** UiView names the main panel; 'triage' is the fleet's landing table (triage-view.ts). */
export type UiView = 'triage' | 'flame' | 'table' | 'sandwich' | 'diff';

/** defaultUiState is the landing view: the last hour of the first service. */
export function defaultUiState(): UiState {
  return {
    service: '',
    type: '',
    matchers: '',
    from: 'now-1h',
    until: 'now',
    view: 'flame',
    search: '',
    zoom: [],
    fn: '',
    diffMode: 'relative',
    baseFrom: '',
    baseUntil: '',
    headFrom: '',
    headUntil: '',
    baseMatchers: '',
    headMatchers: '',
    theme: '',
    anomaly: '',
  };
}

/** parseUiState reads `location.search`; unknown or malformed values fall back to defaults. */
export function parseUiState(search: string): UiState {
  const p = new URLSearchParams(search);
  const state = defaultUiState();
  const text = (key: string) => p.get(key) ?? '';
  state.service = text('service');
  state.type = text('type');
  state.matchers = text('m');
  state.from = text('from') || state.from;
  state.until = text('until') || state.until;
  const view = text('view');
  if (view === 'triage' || view === 'flame' || view === 'table' || view === 'sandwich' || view === 'diff')
    state.view = view;
  // A bare URL (no view, no service) lands on the fleet triage; a service link opens its graph.
  else if (!p.has('view') && !p.has('service')) state.view = 'triage';
  state.search = text('q');
  state.zoom = p.getAll('zoom');
  state.fn = text('fn');
  state.diffMode = text('diffMode') === 'absolute' ? 'absolute' : 'relative';
  state.baseFrom = text('baseFrom');
  state.baseUntil = text('baseUntil');
  state.headFrom = text('headFrom');
  state.headUntil = text('headUntil');
  state.baseMatchers = text('baseM');
  state.headMatchers = text('headM');
  const theme = text('theme');
  state.theme = theme === 'light' || theme === 'dark' ? theme : '';
  state.anomaly = text('anomaly');
  return state;
}

/** formatUiState writes the query string (with '?'), leaving defaults out so links stay short. */
export function formatUiState(state: UiState): string {
  const d = defaultUiState();
  const p = new URLSearchParams();
  const put = (key: string, value: string, fallback: string) => {
    if (value !== fallback) p.set(key, value);
  };
  put('service', state.service, d.service);
  put('type', state.type, d.type);
  put('m', state.matchers, d.matchers);
  put('from', state.from, d.from);
  put('until', state.until, d.until);
  put('view', state.view, d.view);
  put('q', state.search, d.search);
  for (const name of state.zoom) p.append('zoom', name);
  put('fn', state.fn, d.fn);
  put('diffMode', state.diffMode, d.diffMode);
  put('baseFrom', state.baseFrom, d.baseFrom);
  put('baseUntil', state.baseUntil, d.baseUntil);
  put('headFrom', state.headFrom, d.headFrom);
  put('headUntil', state.headUntil, d.headUntil);
  put('baseM', state.baseMatchers, d.baseMatchers);
  put('headM', state.headMatchers, d.headMatchers);
  put('theme', state.theme, d.theme);
  put('anomaly', state.anomaly, d.anomaly);
  const s = p.toString();
  return s ? `?${s}` : '';
}
