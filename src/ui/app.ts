/// <reference lib="dom" />
import { type FlameGraphController, flameGraphClient } from '../flamegraph/client.js';
import { type FlameLevels, toLevels } from '../flamegraph/levels.js';
import { renderAnomaliesPanel, type UiAnomaly, type UiDeploy } from './anomalies-panel.js';
import { type ApiFailure, failureTitle, fetchApi, isApiFailure } from './api-client.js';
import { renderDiffChanges, type UiDiffChanges } from './diff-changes.js';
import { el, renderMessage } from './dom.js';
import { type FindingsDoc, renderFindingsPanel } from './findings-panel.js';
import { decodeFlameWire, type FlameWire } from './flame-wire.js';
import { formatShare, formatValue } from './format.js';
import { buildQuery, formatMatchers, parseMatchers, typeLabel } from './query.js';
import { levelsToTree, sandwichTrees } from './sandwich.js';
import { describeRange, RANGE_PRESETS, resolveTimeMs, splitRange } from './time-range.js';
import { renderTimeline, type TimelineData, type TimelineEvent } from './timeline-chart.js';
import { renderTopTable, type TopRow } from './top-table.js';
import { renderTriageView, type TriageResponse } from './triage-view.js';
import { formatUiState, parseUiState, type UiState, type UiView } from './url-state.js';

/** FlamegraphResponse is /api/v1/flamegraph (see src/server/api/ui-api.ts), `flame` decoded. */
interface FlamegraphResponse {
  unit: string;
  total: number;
  levels: FlameLevels;
  nodes: number;
  truncated: boolean;
  top: TopRow[];
  timeline: TimelineData;
}

/** DiffResponse is /api/v1/diff. */
interface DiffResponse {
  unit: string;
  base: { total: number };
  head: { total: number };
  datasets: Record<string, FlameLevels>;
  changes: UiDiffChanges | null;
}

/**
 * startUi runs the web UI in `root`: pickers (service, profile type, label matchers, time range)
 * above a timeline, then the view (flame graph with its top table, top table alone, sandwich, or
 * diff) beside the anomalies and findings panels. Anomalies and deploys of the service are
 * markers on the timeline too; the selected anomaly's report opens its window in the flame graph
 * or its baseline-against-window diff. The URL is the single source of truth: every change writes
 * it (pushState for a new selection, replaceState for search and zoom), and Back re-reads it.
 * Embedded with Function.prototype.toString; the other UI modules' functions are page globals.
 */
export function startUi(root: HTMLElement): void {
  let state: UiState = parseUiState(location.search);
  let services: Array<{ name: string; profileTypes: string[] }> = [];
  let current: FlamegraphResponse | null = null;
  let flame: FlameGraphController | null = null;
  let findingNames: string[] = [];
  let loadToken = 0;
  let diffTarget: 'base' | 'head' = 'head';
  let anomalies: UiAnomaly[] = [];
  let deploys: UiDeploy[] = [];
  let selectedAnomaly: UiAnomaly | null = null;

  const serviceSelect = el('select', { id: 'service', 'aria-label': 'Service' });
  const typeSelect = el('select', { id: 'profile-type', 'aria-label': 'Profile type' });
  const chips = el('span', { className: 'chips', 'aria-label': 'Label filters' });
  const labelName = el('select', { 'aria-label': 'Label name', id: 'label-name' });
  const labelOp = el('select', { 'aria-label': 'Matcher operator', id: 'label-op' });
  for (const op of ['=', '!=', '=~', '!~']) labelOp.append(el('option', { value: op }, op));
  const labelValues = el('datalist', { id: 'label-values' });
  const labelValue = el('input', {
    'aria-label': 'Label value',
    id: 'label-value',
    list: 'label-values',
    placeholder: 'value',
    size: 12,
  });
  const addLabel = el('button', { type: 'button', id: 'add-label' }, 'Add filter');
  const fromInput = el('input', { id: 'range-from', 'aria-label': 'From', size: 14 });
  const untilInput = el('input', { id: 'range-until', 'aria-label': 'Until', size: 14 });
  const applyRange = el('button', { type: 'button', id: 'apply-range' }, 'Apply');
  const presets = el('span', { className: 'presets', role: 'group', 'aria-label': 'Time range presets' });
  for (const [label, from] of RANGE_PRESETS) {
    presets.append(
      el(
        'button',
        {
          type: 'button',
          'data-preset': label,
          onclick: () => update({ from, until: 'now', zoom: [] }, true),
        },
        label,
      ),
    );
  }
  const rangeLabel = el('span', { className: 'muted', id: 'range-label' });
  const themeButton = el('button', { type: 'button', id: 'theme', 'aria-label': 'Colour theme' });
  const exportLinks = el('span', { className: 'exports' });
  const timeline = el('div', { className: 'timeline', id: 'timeline' });
  const timelineNote = el('div', { className: 'muted small', id: 'timeline-note', 'aria-live': 'polite' });
  const tabs = el('nav', { className: 'tabs', role: 'tablist', 'aria-label': 'Views' });
  const views: Array<[UiView, string]> = [
    ['triage', 'Services'],
    ['flame', 'Flame graph'],
    ['table', 'Top table'],
    ['sandwich', 'Sandwich'],
    ['diff', 'Diff'],
  ];
  for (const [view, label] of views) {
    tabs.append(
      el(
        'button',
        { type: 'button', role: 'tab', 'data-view': view, onclick: () => update({ view }, true) },
        label,
      ),
    );
  }
  const main = el('section', { className: 'view', id: 'view', 'aria-live': 'polite' });
  const findingsPanel = el('div', { id: 'findings' });
  const anomaliesPanel = el('div', { id: 'anomalies' });
  const aside = el(
    'aside',
    { className: 'findings', 'aria-label': 'Anomalies and findings' },
    el('h2', {}, 'Anomalies'),
    anomaliesPanel,
    el('h2', {}, 'Findings'),
    findingsPanel,
  );

  const layout = el('div', { className: 'layout' }, main, aside);

  root.replaceChildren(
    el(
      'header',
      { className: 'toolbar' },
      el('h1', {}, 'autoprof'),
      el('label', {}, 'Service ', serviceSelect),
      el('label', {}, 'Type ', typeSelect),
      el('span', { className: 'label-adder' }, chips, labelName, labelOp, labelValue, labelValues, addLabel),
      el('span', { className: 'spacer' }),
      themeButton,
    ),
    el(
      'div',
      { className: 'toolbar range' },
      presets,
      el('label', {}, 'From ', fromInput),
      el('label', {}, 'Until ', untilInput),
      applyRange,
      rangeLabel,
      el('span', { className: 'spacer' }),
      exportLinks,
    ),
    timeline,
    timelineNote,
    tabs,
    layout,
  );

  /** update merges a change into the state, writes the URL and redraws what depends on it. */
  function update(change: Partial<UiState>, reload: boolean): void {
    state = { ...state, ...change };
    const url = `${location.pathname}${formatUiState(state)}`;
    if (reload) history.pushState(null, '', url);
    else history.replaceState(null, '', url);
    if (reload) void load();
  }
  window.addEventListener('popstate', () => {
    state = parseUiState(location.search);
    void load();
  });

  const applyTheme = () => {
    if (state.theme) document.documentElement.dataset.theme = state.theme;
    else delete document.documentElement.dataset.theme;
    themeButton.textContent = `Theme: ${state.theme || 'auto'}`;
  };
  themeButton.addEventListener('click', () => {
    const next = state.theme === '' ? 'light' : state.theme === 'light' ? 'dark' : '';
    update({ theme: next }, false);
    applyTheme();
    flame?.redraw();
    render();
  });
  serviceSelect.addEventListener('change', () =>
    update(
      {
        service: serviceSelect.value,
        type: '',
        matchers: '',
        zoom: [],
        fn: '',
        // Picking a service on the landing table opens it.
        view: state.view === 'triage' ? 'flame' : state.view,
      },
      true,
    ),
  );
  typeSelect.addEventListener('change', () => update({ type: typeSelect.value, zoom: [], fn: '' }, true));
  applyRange.addEventListener('click', () =>
    update({ from: fromInput.value.trim(), until: untilInput.value.trim(), zoom: [] }, true),
  );
  for (const input of [fromInput, untilInput]) {
    input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') applyRange.click();
    });
  }
  addLabel.addEventListener('click', () => {
    if (!labelName.value || !labelValue.value) return;
    const list = parseMatchers(state.matchers);
    list.push({ name: labelName.value, op: labelOp.value as '=', value: labelValue.value });
    labelValue.value = '';
    update({ matchers: formatMatchers(list), zoom: [] }, true);
  });
  labelName.addEventListener('change', () => void loadLabelValues());
  document.addEventListener('keydown', (ev) => {
    const target = ev.target as HTMLElement;
    if (ev.key === '/' && !/INPUT|SELECT|TEXTAREA/.test(target.tagName)) {
      const search = main.querySelector<HTMLInputElement>('.flamegraph input[type=search], .top-filter');
      if (search) {
        ev.preventDefault();
        search.focus();
      }
    }
  });

  const rangeMs = () => {
    const now = Date.now();
    const from = resolveTimeMs(state.from, now) ?? now - 3.6e6;
    const until = resolveTimeMs(state.until, now) ?? now;
    return { now, from, until };
  };
  const query = () => buildQuery(state.type, state.service, state.matchers);

  function renderPickers(): void {
    serviceSelect.replaceChildren(
      ...services.map((s) => el('option', { value: s.name }, s.name || '(no service name)')),
    );
    serviceSelect.value = state.service;
    const types = services.find((s) => s.name === state.service)?.profileTypes ?? [];
    typeSelect.replaceChildren(...types.map((t) => el('option', { value: t }, typeLabel(t))));
    typeSelect.value = state.type;
    chips.replaceChildren(
      ...parseMatchers(state.matchers).map((m, i) =>
        el(
          'span',
          { className: 'chip' },
          `${m.name}${m.op}"${m.value}"`,
          el(
            'button',
            {
              type: 'button',
              'aria-label': `Remove filter ${m.name}`,
              onclick: () => {
                const list = parseMatchers(state.matchers);
                list.splice(i, 1);
                update({ matchers: formatMatchers(list), zoom: [] }, true);
              },
            },
            '×',
          ),
        ),
      ),
    );
    fromInput.value = state.from;
    untilInput.value = state.until;
    for (const b of Array.from(tabs.querySelectorAll<HTMLButtonElement>('button'))) {
      b.setAttribute('aria-selected', String(b.dataset.view === state.view));
    }
    for (const b of Array.from(presets.querySelectorAll<HTMLButtonElement>('button'))) {
      b.setAttribute(
        'aria-pressed',
        String(state.until === 'now' && state.from === `now-${b.dataset.preset}`),
      );
    }
    applyTheme();
  }

  function renderExports(fromMs: number, untilMs: number): void {
    const params = new URLSearchParams({
      query: query(),
      from: String(fromMs),
      until: String(untilMs),
    }).toString();
    const speedscopeJson = `/api/v1/export/speedscope?${params}`;
    const absolute = new URL(speedscopeJson, location.href).href;
    exportLinks.replaceChildren(
      'Export: ',
      el('a', { href: `/api/v1/export?${params}`, download: 'profile.pb.gz', id: 'export-pprof' }, 'pprof'),
      ' · ',
      el(
        'a',
        { href: speedscopeJson, download: 'profile.speedscope.json', id: 'export-speedscope' },
        'speedscope',
      ),
      ' · ',
      el(
        'a',
        {
          href: `/speedscope/#profileURL=${encodeURIComponent(absolute)}&title=${encodeURIComponent(`${state.service} ${typeLabel(state.type)}`)}`,
          target: '_blank',
          rel: 'noopener',
          id: 'open-speedscope',
        },
        'open in speedscope',
      ),
    );
  }

  function showFailure(container: HTMLElement, err: unknown): void {
    if (!isApiFailure(err)) {
      renderMessage(
        container,
        'error',
        'Something went wrong in the page',
        String((err as Error)?.message ?? err),
      );
      return;
    }
    const f = err as ApiFailure;
    const detail =
      f.kind === 'too-large'
        ? `${f.message}. Pick a shorter range or add label filters.`
        : f.kind === 'auth'
          ? `${f.message}. Enter a read token below.`
          : f.message;
    renderMessage(container, 'error', failureTitle(f), detail);
    container.firstElementChild?.setAttribute('data-kind', f.kind);
    if (f.kind === 'auth') {
      const token = el('input', { type: 'password', 'aria-label': 'Read token', placeholder: 'read token' });
      container.append(
        el(
          'form',
          {
            className: 'token-form',
            onsubmit: (ev: Event) => {
              ev.preventDefault();
              sessionStorage.setItem('autoprof.token', token.value);
              void load();
            },
          },
          token,
          el('button', { type: 'submit' }, 'Use token'),
        ),
      );
    }
  }

  async function loadLabelValues(): Promise<void> {
    const { from, until } = rangeMs();
    try {
      const values = await fetchApi<string[]>('/pyroscope/label-values', {
        label: labelName.value,
        query: `${state.type}{service_name=${JSON.stringify(state.service)}}`,
        from: String(from),
        until: String(until),
      });
      labelValues.replaceChildren(...values.map((v) => el('option', { value: v })));
    } catch {
      labelValues.replaceChildren();
    }
  }

  async function loadLabels(from: number, until: number): Promise<void> {
    try {
      const names = await fetchApi<string[]>('/pyroscope/labels', {
        query: `${state.type}{service_name=${JSON.stringify(state.service)}}`,
        from: String(from),
        until: String(until),
      });
      const useful = names.filter((n) => !n.startsWith('__') && n !== 'service_name');
      labelName.replaceChildren(
        el('option', { value: '' }, 'label…'),
        ...useful.map((n) => el('option', { value: n }, n)),
      );
    } catch {
      labelName.replaceChildren(el('option', { value: '' }, 'label…'));
    }
  }

  /** load fetches what the state needs; a newer load makes an older one's answers moot. */
  async function load(): Promise<void> {
    const token = ++loadToken;
    const { now, from, until } = rangeMs();
    rangeLabel.textContent = describeRange(state.from, state.until, now);
    renderPickers();
    renderMessage(main, 'loading', 'Loading…');
    try {
      const answer = await fetchApi<{ services: typeof services }>('/api/v1/services', {});
      if (token !== loadToken) return;
      services = answer.services;
    } catch (err) {
      if (token !== loadToken) return;
      showFailure(main, err);
      findingsPanel.replaceChildren();
      timeline.replaceChildren();
      return;
    }
    if (services.length === 0) {
      renderPickers();
      renderMessage(
        main,
        'empty',
        'No data yet',
        'Nothing has been pushed to this server. Point a Pyroscope SDK or `autoprof agent` at it, or POST profiles to /ingest; this page shows them as they arrive.',
      );
      findingsPanel.replaceChildren();
      timeline.replaceChildren();
      return;
    }
    layout.classList.toggle('layout-triage', state.view === 'triage');
    timeline.hidden = state.view === 'triage';
    if (state.view === 'triage') {
      await loadTriage(token, from, until);
      return;
    }
    if (!services.some((s) => s.name === state.service)) state.service = services[0].name;
    const types = services.find((s) => s.name === state.service)?.profileTypes ?? [];
    if (!types.includes(state.type)) {
      state.type =
        types.find((t) => t.startsWith('process_cpu:')) ??
        types.find((t) => t.startsWith('wall:')) ??
        types[0] ??
        '';
    }
    history.replaceState(null, '', `${location.pathname}${formatUiState(state)}`);
    renderPickers();
    renderExports(from, until);
    void loadLabels(from, until);
    const params = { query: query(), from: String(from), until: String(until) };
    void loadAnomalies(token, from, until, now);
    const findings = fetchApi<FindingsDoc>('/api/v1/findings', params);
    findingsPanel.replaceChildren(el('p', { className: 'muted' }, 'Diagnosing…'));
    findings.then(
      (doc) => {
        if (token !== loadToken) return;
        findingNames = doc.findings.map((f) => f.location.function).filter(Boolean);
        renderFindingsPanel(findingsPanel, doc, showFrame);
        flame?.setHighlight(highlightNames());
      },
      (err) => {
        if (token === loadToken) showFailure(findingsPanel, err);
      },
    );
    try {
      const answer = await fetchApi<Omit<FlamegraphResponse, 'levels'> & { flame: FlameWire }>(
        '/api/v1/flamegraph',
        params,
      );
      current = { ...answer, levels: decodeFlameWire(answer.flame) };
    } catch (err) {
      if (token !== loadToken) return;
      current = null;
      timeline.replaceChildren();
      showFailure(main, err);
      return;
    }
    if (token !== loadToken) return;
    drawTimeline(now);
    if (state.view === 'diff') await loadDiff(token, from, until);
    else render();
  }

  /** loadTriage shows the fleet's landing table; a row opens that service's flame graph. */
  async function loadTriage(token: number, from: number, until: number): Promise<void> {
    current = null;
    flame = null;
    timeline.replaceChildren();
    timelineNote.textContent = '';
    exportLinks.replaceChildren();
    renderMessage(main, 'loading', 'Triaging every service…');
    let answer: TriageResponse;
    try {
      answer = await fetchApi<TriageResponse>('/api/v1/triage', { from: String(from), until: String(until) });
    } catch (err) {
      if (token === loadToken) showFailure(main, err);
      return;
    }
    if (token !== loadToken) return;
    if (answer.services.length === 0) {
      renderMessage(
        main,
        'empty',
        'No profiles in this range',
        `No service has profiles ${describeRange(state.from, state.until, Date.now())}. Try a longer range.`,
      );
      return;
    }
    renderTriageView(main, answer, {
      from: state.from,
      until: state.until,
      onOpen: (service) =>
        update(
          { service, view: 'flame', type: '', matchers: '', zoom: [], fn: '', search: '', anomaly: '' },
          true,
        ),
    });
  }

  function drawTimeline(now: number): void {
    if (!current) return;
    const marks: Array<{ fromMs: number; untilMs: number; kind: string; label: string }> = [];
    if (state.view === 'diff') {
      const sides = diffSides(rangeMs());
      marks.push({ fromMs: sides.base[0], untilMs: sides.base[1], kind: 'base', label: 'base' });
      marks.push({ fromMs: sides.head[0], untilMs: sides.head[1], kind: 'head', label: 'head' });
    }
    renderTimeline(timeline, current.timeline, {
      unit: current.unit,
      nowMs: now,
      marks,
      events: timelineEvents(),
      onEvent: (e) => {
        if (e.kind === 'anomaly') selectAnomaly(e.id);
        // A deploy has nothing to open: its text goes where the note is (and is announced).
        else timelineNote.textContent = e.label;
      },
      onSelect: (a, b) => {
        if (state.view === 'diff') {
          const change =
            diffTarget === 'base'
              ? { baseFrom: String(a), baseUntil: String(b) }
              : { headFrom: String(a), headUntil: String(b) };
          update(change, true);
        } else update({ from: String(a), until: String(b), zoom: [] }, true);
      },
    });
    timelineNote.textContent =
      state.view === 'diff'
        ? `Drag across the timeline to set the ${diffTarget} range.`
        : 'Drag across the timeline to zoom into a range.';
  }

  /**
   * loadAnomalies fetches the service's anomalies and deploys around the range (an anomaly that
   * began a day before and still lasts is listed) and, for a link to one outside it, that one.
   */
  async function loadAnomalies(token: number, from: number, until: number, now: number): Promise<void> {
    const seconds = (ms: number) => String(Math.floor(ms / 1000));
    const service = state.service;
    try {
      const [a, d] = await Promise.all([
        fetchApi<{ anomalies: UiAnomaly[] }>('/api/v1/anomalies', {
          service,
          from: seconds(from - 86400e3),
          until: seconds(until + 1000),
        }),
        fetchApi<{ events: UiDeploy[] }>('/api/v1/events', {
          service,
          from: seconds(from),
          until: seconds(until + 1000),
        }),
      ]);
      if (token !== loadToken) return;
      anomalies = a.anomalies.filter((x) => x.window.until * 1000 >= from && x.window.from * 1000 <= until);
      deploys = d.events;
      selectedAnomaly = anomalies.find((x) => x.id === state.anomaly) ?? null;
      if (state.anomaly && !selectedAnomaly) {
        try {
          selectedAnomaly = await fetchApi<UiAnomaly>(
            `/api/v1/anomalies/${encodeURIComponent(state.anomaly)}`,
            {},
          );
        } catch {
          selectedAnomaly = null;
        }
        if (token !== loadToken) return;
      }
    } catch (err) {
      if (token !== loadToken) return;
      anomalies = [];
      deploys = [];
      selectedAnomaly = null;
      showFailure(anomaliesPanel, err);
      drawTimeline(now);
      return;
    }
    renderAnomalies();
    drawTimeline(now);
  }

  function renderAnomalies(): void {
    renderAnomaliesPanel(anomaliesPanel, anomalies, selectedAnomaly, {
      onSelect: selectAnomaly,
      onShowFrame: showFrame,
      onShowFlame: (a) => {
        const fn = a.function?.name ?? a.root_cause?.path.at(-1) ?? '';
        // Zoomed to the function along the report's path, when the path goes through it.
        const path = a.root_cause?.path ?? [];
        const zoom = path.includes(fn) ? ['total', ...path.slice(0, path.indexOf(fn) + 1)] : [];
        update(
          {
            service: a.service,
            type: a.profile_type,
            from: String(a.window.from * 1000),
            until: String(a.window.until * 1000),
            view: 'flame',
            search: fn.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
            fn,
            zoom,
            anomaly: a.id,
          },
          true,
        );
      },
      onCompare: (a) =>
        update(
          {
            service: a.service,
            type: a.profile_type,
            from: String(Math.min(a.baseline.from, a.window.from) * 1000),
            until: String(Math.max(a.baseline.until, a.window.until) * 1000),
            view: 'diff',
            baseFrom: String(a.baseline.from * 1000),
            baseUntil: String(a.baseline.until * 1000),
            headFrom: String(a.window.from * 1000),
            headUntil: String(a.window.until * 1000),
            search: '',
            fn: '',
            zoom: [],
            anomaly: a.id,
          },
          true,
        ),
    });
  }

  /** selectAnomaly opens an anomaly's report (a second pick of the open one closes it). */
  function selectAnomaly(id: string): void {
    const next = state.anomaly === id ? '' : id;
    update({ anomaly: next }, false);
    selectedAnomaly = anomalies.find((x) => x.id === next) ?? null;
    renderAnomalies();
    drawTimeline(Date.now());
    if (selectedAnomaly) {
      const report = anomaliesPanel.querySelector<HTMLElement>('#anomaly-report');
      report?.scrollIntoView({ block: 'nearest' });
      report?.focus({ preventScroll: true });
    }
  }

  const timelineEvents = (): TimelineEvent[] => [
    ...deploys.map(
      (d): TimelineEvent => ({
        id: d.id,
        kind: 'deploy',
        fromMs: d.time * 1000,
        label: `Deploy ${d.version} at ${new Date(d.time * 1000).toLocaleString()}`,
        short: d.version.slice(0, 7),
      }),
    ),
    ...anomalies.map(
      (a): TimelineEvent => ({
        id: a.id,
        kind: 'anomaly',
        fromMs: a.window.from * 1000,
        untilMs: a.window.until * 1000,
        label: `Anomaly: ${a.function ? a.function.name : a.kind}, from ${new Date(a.window.from * 1000).toLocaleString()} for ${a.window.minutes} min`,
        short: a.function ? a.function.name : a.kind,
        selected: a.id === state.anomaly,
      }),
    ),
  ];

  const highlightNames = () => [...new Set([...findingNames, ...(state.fn ? [state.fn] : [])])];

  /** showFrame links a finding or a table row to its frame: the flame graph focuses it. */
  function showFrame(name: string): void {
    if (state.view !== 'flame') {
      update({ view: 'flame', fn: name, zoom: [] }, false);
      render();
    } else update({ fn: name }, false);
    flame?.setHighlight(highlightNames());
    flame?.focus(name);
    main.querySelector('.flamegraph')?.scrollIntoView({ block: 'nearest' });
  }

  function render(): void {
    renderPickers();
    flame = null;
    if (!current) return;
    if (state.view === 'diff' || state.view === 'triage') return;
    if (current.total === 0) {
      renderMessage(
        main,
        'empty',
        'No profiles in this range',
        `${state.service} has no ${typeLabel(state.type)} samples ${describeRange(state.from, state.until, Date.now())}. Try a longer range or fewer filters.`,
      );
      return;
    }
    const data = current;
    const summary = el(
      'p',
      { className: 'muted small summary' },
      `Total ${formatValue(data.total, data.unit)} · ${data.nodes.toLocaleString('en')} nodes`,
      data.truncated ? ` (drawing the widest ${countNodes(data.levels).toLocaleString('en')})` : '',
    );
    if (state.view === 'sandwich') {
      renderSandwich(data, summary);
      return;
    }
    const tablePanel = el('div', { className: 'top', id: 'top-table' });
    const tableOptions = {
      unit: data.unit,
      total: data.total,
      selected: state.fn,
      filter: '',
      onSelect: (name: string) => showFrame(name),
      onSandwich: (name: string) => update({ view: 'sandwich', fn: name, zoom: [] }, true),
    };
    if (state.view === 'table') {
      main.replaceChildren(summary, tablePanel);
      renderTopTable(tablePanel, data.top, tableOptions);
      return;
    }
    const graph = el('div', { className: 'flamegraph', id: 'flamegraph' });
    main.replaceChildren(summary, graph, el('h2', {}, 'Top functions'), tablePanel);
    flame = flameGraphClient(graph, {
      title: `${state.service} ${typeLabel(state.type)}`,
      unit: data.unit,
      datasets: { [state.type]: data.levels },
      highlight: highlightNames(),
      search: state.search,
      zoomPath: state.zoom.length ? state.zoom : undefined,
      onChange: (s) => update({ search: s.search, zoom: s.zoomPath ?? [] }, false),
    });
    if (state.fn) flame.focus(state.fn, false);
    renderTopTable(tablePanel, data.top, tableOptions);
  }

  function renderSandwich(data: FlamegraphResponse, summary: HTMLElement): void {
    const fn = state.fn || data.top[0]?.name || '';
    const picker = el('input', {
      id: 'sandwich-fn',
      list: 'sandwich-names',
      value: fn,
      'aria-label': 'Function',
      size: 40,
    });
    const names = el(
      'datalist',
      { id: 'sandwich-names' },
      ...data.top.slice(0, 2000).map((r) => el('option', { value: r.name })),
    );
    picker.addEventListener('change', () => update({ fn: picker.value }, true));
    const row = data.top.find((r) => r.name === fn);
    const { callers, callees } = sandwichTrees(levelsToTree(data.levels), fn);
    const callersDiv = el('div', { className: 'flamegraph', id: 'sandwich-callers' });
    const calleesDiv = el('div', { className: 'flamegraph', id: 'sandwich-callees' });
    main.replaceChildren(
      summary,
      el(
        'p',
        {},
        el('label', {}, 'Function ', picker),
        names,
        row ? ` self ${formatShare(row.self, data.total)}, total ${formatShare(row.total, data.total)}` : '',
      ),
      el('h2', {}, 'Callers'),
      callersDiv,
      el('h2', {}, 'Callees'),
      calleesDiv,
    );
    if (callees.total === 0) {
      renderMessage(
        calleesDiv,
        'empty',
        `${fn} is not in the drawn flame graph`,
        'Pick a function from the list.',
      );
      callersDiv.replaceChildren();
      return;
    }
    const open = (name: string) => {
      if (name !== fn) update({ fn: name }, true);
    };
    flameGraphClient(callersDiv, {
      title: `callers of ${fn}`,
      unit: data.unit,
      datasets: { callers: toLevels(callers) },
      inverted: true,
      onFrameClick: open,
    });
    flameGraphClient(calleesDiv, {
      title: `callees of ${fn}`,
      unit: data.unit,
      datasets: { callees: toLevels(callees) },
      onFrameClick: open,
    });
  }

  /** diffSides: the explicit base/head ranges, or the first and second half of the range. */
  function diffSides(r: { now: number; from: number; until: number }): {
    base: [number, number];
    head: [number, number];
  } {
    const [b, h] = splitRange(r.from, r.until);
    const t = (text: string, fallback: number) =>
      text ? (resolveTimeMs(text, r.now) ?? fallback) : fallback;
    return {
      base: [t(state.baseFrom, b[0]), t(state.baseUntil, b[1])],
      head: [t(state.headFrom, h[0]), t(state.headUntil, h[1])],
    };
  }

  async function loadDiff(token: number, from: number, until: number): Promise<void> {
    renderPickers();
    const sides = diffSides({ now: Date.now(), from, until });
    const baseQuery = buildQuery(state.type, state.service, state.baseMatchers || state.matchers);
    const headQuery = buildQuery(state.type, state.service, state.headMatchers || state.matchers);
    const input = (id: string, value: string, placeholder: string) =>
      el('input', { id, value, placeholder, size: 16, 'aria-label': id.replace(/-/g, ' ') });
    const baseFrom = input('base-from', state.baseFrom || String(sides.base[0]), 'base from');
    const baseUntil = input('base-until', state.baseUntil || String(sides.base[1]), 'base until');
    const headFrom = input('head-from', state.headFrom || String(sides.head[0]), 'head from');
    const headUntil = input('head-until', state.headUntil || String(sides.head[1]), 'head until');
    const baseM = input(
      'base-matchers',
      state.baseMatchers,
      state.matchers || 'base labels, e.g. version="1"',
    );
    const headM = input(
      'head-matchers',
      state.headMatchers,
      state.matchers || 'head labels, e.g. version="2"',
    );
    const target = el(
      'select',
      { id: 'drag-target', 'aria-label': 'Timeline drag sets' },
      el('option', { value: 'base' }, 'base'),
      el('option', { value: 'head' }, 'head'),
    );
    target.value = diffTarget;
    target.addEventListener('change', () => {
      diffTarget = target.value as 'base' | 'head';
      drawTimeline(Date.now());
    });
    const apply = el('button', { type: 'button', id: 'apply-diff' }, 'Compare');
    apply.addEventListener('click', () =>
      update(
        {
          baseFrom: baseFrom.value.trim(),
          baseUntil: baseUntil.value.trim(),
          headFrom: headFrom.value.trim(),
          headUntil: headUntil.value.trim(),
          baseMatchers: baseM.value.trim(),
          headMatchers: headM.value.trim(),
        },
        true,
      ),
    );
    const graph = el('div', { className: 'flamegraph', id: 'diff-flamegraph' });
    const changes = el('div', { id: 'diff-changes' });
    const summary = el('p', { className: 'muted small summary' });
    main.replaceChildren(
      el(
        'fieldset',
        { className: 'diff-controls' },
        el('legend', {}, 'Compare'),
        el(
          'div',
          {},
          el('span', { className: 'badge badge-base' }, 'base'),
          ' ',
          baseFrom,
          ' – ',
          baseUntil,
          ' labels ',
          baseM,
        ),
        el(
          'div',
          {},
          el('span', { className: 'badge badge-head' }, 'head'),
          ' ',
          headFrom,
          ' – ',
          headUntil,
          ' labels ',
          headM,
        ),
        el('div', {}, apply, ' Timeline drag sets ', target),
      ),
      summary,
      el(
        'p',
        { className: 'legend small' },
        el('span', { className: 'swatch grew' }, 'grew'),
        ' ',
        el('span', { className: 'swatch shrank' }, 'shrank'),
        ' (head against base; relative mode compares shares, absolute compares values)',
      ),
      graph,
      el('h2', {}, 'Top changes'),
      changes,
    );
    drawTimeline(Date.now());
    let diff: DiffResponse;
    try {
      diff = await fetchApi<DiffResponse>('/api/v1/diff', {
        baseQuery,
        headQuery,
        baseFrom: String(sides.base[0]),
        baseUntil: String(sides.base[1]),
        headFrom: String(sides.head[0]),
        headUntil: String(sides.head[1]),
      });
    } catch (err) {
      if (token === loadToken) showFailure(graph, err);
      return;
    }
    if (token !== loadToken) return;
    summary.textContent = `Base ${formatValue(diff.base.total, diff.unit)} · head ${formatValue(diff.head.total, diff.unit)}`;
    if (!diff.changes) {
      renderMessage(
        graph,
        'empty',
        'One side has no data',
        'Both the base and the head range need profiles; drag across the timeline to pick ranges that have some.',
      );
      return;
    }
    flame = flameGraphClient(graph, {
      title: 'differential flame graph',
      unit: diff.unit,
      datasets: diff.datasets,
      mode: state.diffMode,
      highlight: [...diff.changes.regressions, ...diff.changes.new_hotspots].map((c) => c.function),
      search: state.search,
      zoomPath: state.zoom.length ? state.zoom : undefined,
      onChange: (s) =>
        update(
          {
            search: s.search,
            zoom: s.zoomPath ?? [],
            diffMode: s.mode === 'absolute' ? 'absolute' : 'relative',
          },
          false,
        ),
    });
    renderDiffChanges(changes, diff.changes, (fn) => {
      flame?.focus(fn);
    });
  }

  const countNodes = (levels: FlameLevels) =>
    levels.levels.reduce((sum, row) => sum + row.length / (levels.diff ? 6 : 4), 0);

  let resizeTimer = 0;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(() => drawTimeline(Date.now()), 150);
  });
  void load();
}
