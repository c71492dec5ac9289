/// <reference lib="dom" />
/**
 * flameGraphClient is the browser half of the flame graph, embedded into self-contained HTML
 * (the run and diff reports) and into the server's web UI with Function.prototype.toString, so
 * it must not use anything from module scope. It draws FlameLevels (see levels.ts) on a canvas:
 * click to zoom, Escape or "reset" to zoom out, a search box that highlights matches and reports
 * their share, tooltips with self and total, red/green for diffs, outlines for frames named by
 * findings, and arrow keys to walk frames from the keyboard. The returned controller lets a host
 * page (the UI) drive it; reports ignore it.
 */
export function flameGraphClient(container: HTMLElement, config: FlameClientConfig): FlameGraphController {
  const ROW = 18;
  const datasets = config.datasets;
  let mode = config.mode && datasets[config.mode] ? config.mode : Object.keys(datasets)[0];
  let data = datasets[mode];
  const canvas = document.createElement('canvas');
  const tooltip = document.createElement('div');
  const controls = document.createElement('div');
  controls.className = 'fg-controls';
  const search = document.createElement('input');
  search.type = 'search';
  search.placeholder = 'Search (regex)';
  search.setAttribute('aria-label', 'Search frames');
  const reset = document.createElement('button');
  reset.type = 'button';
  reset.textContent = 'Reset zoom';
  const status = document.createElement('span');
  status.className = 'fg-status';
  status.setAttribute('aria-live', 'polite');
  // The keyboard cursor's frame is announced here, since a canvas has no accessible content.
  const announce = document.createElement('div');
  announce.className = 'fg-announce';
  announce.setAttribute('aria-live', 'polite');
  announce.style.cssText = 'position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)';
  controls.append(search, reset);
  const modeButtons: HTMLButtonElement[] = [];
  if (Object.keys(datasets).length > 1) {
    for (const name of Object.keys(datasets)) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = name;
      b.dataset.mode = name;
      b.addEventListener('click', () => setMode(name));
      modeButtons.push(b);
      controls.append(b);
    }
  }
  controls.append(status);
  tooltip.className = 'fg-tooltip';
  tooltip.hidden = true;
  // Fixed, not absolute: the UI nests the graph in positioned panels where page coordinates lie.
  tooltip.style.position = 'fixed';
  canvas.tabIndex = 0;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', `${config.title}. Arrow keys walk frames, Enter zooms, Escape resets.`);
  container.append(controls, canvas, tooltip, announce);

  let zoom = { start: 0, end: data.total, depth: 0 };
  let matcher: RegExp | null = null;
  let highlights = new Set(config.highlight ?? []);
  let focusName: string | null = null;
  let cursor: { d: number; i: number } | null = null;
  // Per-name caches: colour and search match are computed once per name, not once per bar,
  // which is what keeps a 100k-node graph fast to redraw.
  let colourCache: Array<string | undefined> = [];
  let matchCache: Uint8Array = new Uint8Array(0);
  let highlightCache: Uint8Array = new Uint8Array(0);
  // Findings and tables name functions ('validate_email'); py-spy frames carry their place too
  // ('validate_email (app.py:30)'), so a name matches a frame with or without that suffix.
  const sameFunction = (frame: string, fn: string) =>
    frame === fn || frame.replace(/ \([^()]*\)$/, '') === fn;
  let lastDark: boolean | undefined;

  const strideOf = () => (data.diff ? 6 : 4);
  // Inverted graphs (a sandwich's callers) grow upwards: depth 0 is the bottom row.
  const rowY = (d: number) => (config.inverted ? (data.levels.length - 1 - d) * ROW : d * ROW);
  const isDark = () => {
    const theme = document.documentElement.dataset.theme;
    if (theme === 'dark' || theme === 'light') return theme === 'dark';
    return !!window.matchMedia?.('(prefers-color-scheme: dark)').matches;
  };

  const fmt = (v: number) => {
    const unit = config.unit;
    if (unit === 'nanoseconds') {
      if (v >= 1e9) return `${(v / 1e9).toFixed(2)} s`;
      if (v >= 1e6) return `${(v / 1e6).toFixed(2)} ms`;
      if (v >= 1e3) return `${(v / 1e3).toFixed(2)} µs`;
      return `${v.toFixed(0)} ns`;
    }
    if (unit === 'microseconds') return v >= 1e3 ? `${(v / 1e3).toFixed(2)} ms` : `${v.toFixed(0)} µs`;
    if (unit === 'bytes') {
      if (v >= 1 << 30) return `${(v / (1 << 30)).toFixed(2)} GiB`;
      if (v >= 1 << 20) return `${(v / (1 << 20)).toFixed(2)} MiB`;
      if (v >= 1 << 10) return `${(v / (1 << 10)).toFixed(2)} KiB`;
      return `${v.toFixed(0)} B`;
    }
    return `${Number(v.toPrecision(6))} ${unit}`;
  };
  const pct = (v: number, of: number) => (of === 0 ? '0%' : `${((v / of) * 100).toFixed(2)}%`);

  const hash = (s: string) => {
    let h = 0;
    for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
    return Math.abs(h);
  };
  // Colour by module (the part before the last '.' or '/' or the file in parentheses), so
  // frames of one package share a hue family.
  const moduleOf = (name: string) => {
    const file = /\(([^():]+)[:)]/.exec(name);
    if (file) return file[1];
    const cut = Math.max(name.lastIndexOf('.'), name.lastIndexOf('/'), name.lastIndexOf('::'));
    return cut > 0 ? name.slice(0, cut) : name;
  };
  const barWidth = (row: number[], i: number) => (data.diff ? row[i + 1] + row[i + 4] : row[i + 1]);
  const colour = (i: number, row: number[], dark: boolean) => {
    const idx = row[i + 3];
    if (matchCache[idx]) return '#b04ce6';
    if (data.diff) {
      const root = data.levels[0];
      const headShare = root[1] ? row[i + 1] / root[1] : 0;
      const baseShare = root[4] ? row[i + 4] / root[4] : 0;
      const change = headShare - baseShare;
      const strength = Math.min(1, Math.abs(change) * 8);
      if (Math.abs(change) < 0.001) return dark ? '#8a8a8a' : '#ccc';
      const light = Math.round(85 - strength * 40);
      return change > 0 ? `hsl(0, 80%, ${light}%)` : `hsl(120, 60%, ${light}%)`;
    }
    let c = colourCache[idx];
    if (c === undefined) {
      const h = hash(moduleOf(data.names[idx]));
      c = `hsl(${10 + (h % 40)}, ${70 + (h % 20)}%, ${55 + ((h >> 3) % 15)}%)`;
      colourCache[idx] = c;
    }
    return c;
  };
  const refreshCaches = () => {
    colourCache = new Array(data.names.length);
    matchCache = new Uint8Array(data.names.length);
    highlightCache = new Uint8Array(data.names.length);
    for (let n = 0; n < data.names.length; n++) {
      const name = data.names[n];
      if (highlights.has(name) || highlights.has(name.replace(/ \([^()]*\)$/, ''))) highlightCache[n] = 1;
    }
    if (matcher)
      for (let n = 0; n < data.names.length; n++) matchCache[n] = matcher.test(data.names[n]) ? 1 : 0;
  };

  /** firstVisible: rows are laid out left to right, so a binary search skips what lies left of the zoom. */
  const firstVisible = (row: number[], from: number) => {
    const stride = strideOf();
    let lo = 0;
    let hi = row.length / stride;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const i = mid * stride;
      if (row[i] + barWidth(row, i) <= from) lo = mid + 1;
      else hi = mid;
    }
    return lo * stride;
  };

  const bars: Array<{ x: number; y: number; w: number; row: number; i: number }> = [];
  function draw(): void {
    const started = performance.now();
    const dark = isDark();
    if (dark !== lastDark) {
      lastDark = dark;
      colourCache = new Array(data.names.length);
    }
    const stride = strideOf();
    const width = container.clientWidth || 1000;
    const depth = data.levels.length;
    const ratio = window.devicePixelRatio || 1;
    // Resizing a canvas reallocates its backing store: only do it when the size changed.
    if (canvas.width !== width * ratio || canvas.height !== depth * ROW * ratio) {
      canvas.width = width * ratio;
      canvas.height = depth * ROW * ratio;
      canvas.style.width = `${width}px`;
      canvas.style.height = `${depth * ROW}px`;
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, depth * ROW);
    ctx.font = '12px ui-monospace, SFMono-Regular, Menlo, monospace';
    ctx.textBaseline = 'middle';
    bars.length = 0;
    const span = zoom.end - zoom.start || 1;
    // Bars are batched by colour into one path each: a fillStyle change parses a CSS colour, and
    // with tens of thousands of bars the state changes, not the pixels, are what cost.
    const fills = new Map<string, number[]>();
    const outlines: number[] = [];
    const labels: Array<[string, number, number]> = [];
    for (let d = 0; d < depth; d++) {
      const row = data.levels[d];
      const y = rowY(d);
      for (let i = firstVisible(row, zoom.start); i < row.length; i += stride) {
        const start = row[i];
        if (start >= zoom.end) break;
        const w0 = barWidth(row, i);
        const x = ((start - zoom.start) / span) * width;
        const w = (w0 / span) * width;
        if (w < 0.5) continue;
        const nameIndex = row[i + 3];
        const dimmed =
          d < zoom.depth || (focusName !== null && !sameFunction(data.names[nameIndex], focusName));
        const left = Math.max(0, x);
        const right = Math.min(width, x + w);
        const key = dimmed ? `${colour(i, row, dark)}|dim` : colour(i, row, dark);
        let batch = fills.get(key);
        if (!batch) {
          batch = [];
          fills.set(key, batch);
        }
        batch.push(left, y, right - left - 0.5);
        if (highlightCache[nameIndex]) outlines.push(left, y, right - left);
        if (w > 30) {
          const name = data.names[nameIndex];
          const room = right - left;
          const label =
            name.length * 7 > room - 6
              ? `${name.slice(0, Math.max(0, Math.floor((room - 6) / 7) - 1))}…`
              : name;
          labels.push([label, left + 3, y + ROW / 2]);
        }
        bars.push({ x, y, w, row: d, i });
      }
    }
    for (const [key, batch] of fills) {
      const dim = key.endsWith('|dim');
      ctx.globalAlpha = dim ? 0.45 : 1;
      ctx.fillStyle = dim ? key.slice(0, -4) : key;
      ctx.beginPath();
      for (let k = 0; k < batch.length; k += 3) ctx.rect(batch[k], batch[k + 1], batch[k + 2], ROW - 1);
      ctx.fill();
    }
    ctx.globalAlpha = 1;
    if (outlines.length > 0) {
      ctx.strokeStyle = dark ? '#fff' : '#000';
      ctx.lineWidth = 2;
      for (let k = 0; k < outlines.length; k += 3) {
        ctx.strokeRect(outlines[k] + 1, outlines[k + 1] + 1, outlines[k + 2] - 2.5, ROW - 3);
      }
    }
    ctx.fillStyle = '#000';
    for (const [label, x, y] of labels) ctx.fillText(label, x, y);
    if (cursor && cursor.d < depth) {
      const row = data.levels[cursor.d];
      const x = ((row[cursor.i] - zoom.start) / span) * width;
      const w = (barWidth(row, cursor.i) / span) * width;
      ctx.strokeStyle = dark ? '#7cc4ff' : '#0057d9';
      ctx.lineWidth = 3;
      ctx.strokeRect(
        Math.max(0, x) + 1.5,
        rowY(cursor.d) + 1.5,
        Math.max(3, Math.min(width, x + w) - Math.max(0, x) - 3),
        ROW - 4,
      );
    }
    const root = data.levels[0] ?? [0, 0];
    const matched = matcher ? matchedValue() : 0;
    status.textContent = matcher ? `matched ${pct(matched, root[1])} (${fmt(matched)})` : '';
    container.dataset.matchedShare = matcher ? String(matched / (root[1] || 1)) : '';
    container.dataset.zoomStart = String(zoom.start);
    container.dataset.zoomEnd = String(zoom.end);
    container.dataset.mode = mode;
    container.dataset.drawMs = (performance.now() - started).toFixed(2);
    for (const b of modeButtons) b.setAttribute('aria-pressed', String(b.dataset.mode === mode));
  }

  /**
   * matchedValue sums matching frames that have no matching ancestor, so nesting (recursion, or
   * a match under a match) is not counted twice: sorted by start and then widest first, an
   * ancestor comes before everything it covers.
   */
  function matchedValue(): number {
    const stride = strideOf();
    const hits: Array<[number, number, number]> = [];
    for (const row of data.levels) {
      for (let i = 0; i < row.length; i += stride) {
        if (matchCache[row[i + 3]]) hits.push([row[i], barWidth(row, i), row[i + 1]]);
      }
    }
    hits.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    let coveredTo = Number.NEGATIVE_INFINITY;
    let sum = 0;
    for (const [start, w, value] of hits) {
      if (start < coveredTo) continue;
      coveredTo = start + w;
      sum += value;
    }
    return sum;
  }

  const barAt = (ev: MouseEvent) => {
    const r = canvas.getBoundingClientRect();
    const x = ev.clientX - r.left;
    const y = ev.clientY - r.top;
    const d = config.inverted ? data.levels.length - 1 - Math.floor(y / ROW) : Math.floor(y / ROW);
    // bars are in row order and left to right within a row.
    let lo = 0;
    let hi = bars.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (bars[mid].row < d || (bars[mid].row === d && bars[mid].x + bars[mid].w <= x)) lo = mid + 1;
      else hi = mid;
    }
    const b = bars[lo];
    return b && b.row === d && x >= b.x && x < b.x + b.w && y >= 0 ? b : undefined;
  };

  const describe = (d: number, i: number) => {
    const row = data.levels[d];
    const root = data.levels[0];
    const lines = [
      data.names[row[i + 3]],
      `total ${fmt(row[i + 1])} (${pct(row[i + 1], root[1])})`,
      `self ${fmt(row[i + 2])} (${pct(row[i + 2], root[1])})`,
    ];
    if (data.diff) {
      lines.push(`base total ${fmt(row[i + 4])} (${pct(row[i + 4], root[4])}), self ${fmt(row[i + 5])}`);
      const delta = (root[1] ? row[i + 1] / root[1] : 0) - (root[4] ? row[i + 4] / root[4] : 0);
      lines.push(`share change ${delta >= 0 ? '+' : ''}${(delta * 100).toFixed(2)} points`);
    }
    return lines;
  };

  /** pathOf lists the names from the root to a bar: the parent is the bar one row up that covers it. */
  const pathOf = (d: number, i: number) => {
    const path = [data.names[data.levels[d][i + 3]]];
    const start = data.levels[d][i];
    for (let up = d - 1; up >= 0; up--) {
      const row = data.levels[up];
      const j = firstVisible(row, start + 1e-9);
      if (j >= row.length) break;
      path.unshift(data.names[row[j + 3]]);
    }
    return path;
  };
  const notify = () => {
    config.onChange?.({
      search: search.value,
      zoomPath,
      mode,
    });
  };
  let zoomPath: string[] | null = null;
  const zoomTo = (d: number, i: number, silent = false) => {
    const row = data.levels[d];
    zoom = { start: row[i], end: row[i] + barWidth(row, i), depth: d };
    container.dataset.zoomed = data.names[row[i + 3]];
    zoomPath = pathOf(d, i);
    draw();
    if (!silent) notify();
  };
  const resetZoom = (silent = false) => {
    zoom = { start: 0, end: data.total, depth: 0 };
    zoomPath = null;
    delete container.dataset.zoomed;
    draw();
    if (!silent) notify();
  };
  /** findPath returns the bar reached by following names from the root, if the data has it. */
  const findPath = (path: string[]) => {
    const stride = strideOf();
    let lo = 0;
    let hi = data.total;
    let found: { d: number; i: number } | undefined;
    for (let d = 0; d < path.length && d < data.levels.length; d++) {
      const row = data.levels[d];
      found = undefined;
      for (let i = firstVisible(row, lo); i < row.length && row[i] < hi; i += stride) {
        if (data.names[row[i + 3]] === path[d]) {
          found = { d, i };
          lo = row[i];
          hi = row[i] + barWidth(row, i);
          break;
        }
      }
      if (!found) return undefined;
    }
    return found;
  };
  /** widestOf finds the widest bar of a name: where "show me this function" should zoom. */
  const widestOf = (name: string) => {
    const stride = strideOf();
    let best: { d: number; i: number; w: number } | undefined;
    data.levels.forEach((row, d) => {
      for (let i = 0; i < row.length; i += stride) {
        if (sameFunction(data.names[row[i + 3]], name) && (!best || barWidth(row, i) > best.w)) {
          best = { d, i, w: barWidth(row, i) };
        }
      }
    });
    return best;
  };

  canvas.addEventListener('click', (ev) => {
    const bar = barAt(ev);
    if (!bar) return;
    cursor = { d: bar.row, i: bar.i };
    zoomTo(bar.row, bar.i);
    const name = data.names[data.levels[bar.row][bar.i + 3]];
    config.onFrameClick?.(name);
  });
  canvas.addEventListener('mousemove', (ev) => {
    const bar = barAt(ev);
    if (!bar) {
      tooltip.hidden = true;
      return;
    }
    tooltip.textContent = describe(bar.row, bar.i).join('\n');
    tooltip.hidden = false;
    tooltip.style.left = `${Math.min(ev.clientX + 12, window.innerWidth - 320)}px`;
    tooltip.style.top = `${ev.clientY + 12}px`;
  });
  canvas.addEventListener('mouseleave', () => {
    tooltip.hidden = true;
  });
  reset.addEventListener('click', () => resetZoom());

  /** moveCursor walks frames: up to the caller, down to the widest callee, left and right along the row. */
  const moveCursor = (key: string) => {
    const stride = strideOf();
    if (!cursor) {
      cursor = { d: zoom.depth, i: firstVisible(data.levels[zoom.depth], zoom.start) };
      return;
    }
    const row = data.levels[cursor.d];
    const start = row[cursor.i];
    const end = start + barWidth(row, cursor.i);
    if (key === 'ArrowLeft' && cursor.i >= stride) cursor = { d: cursor.d, i: cursor.i - stride };
    else if (key === 'ArrowRight' && cursor.i + stride < row.length)
      cursor = { d: cursor.d, i: cursor.i + stride };
    else if (key === 'ArrowUp' && cursor.d > 0) {
      const up = data.levels[cursor.d - 1];
      cursor = { d: cursor.d - 1, i: firstVisible(up, start + 1e-9) };
    } else if (key === 'ArrowDown' && cursor.d + 1 < data.levels.length) {
      const down = data.levels[cursor.d + 1];
      let best = -1;
      for (let i = firstVisible(down, start); i < down.length && down[i] < end; i += stride) {
        if (best < 0 || barWidth(down, i) > barWidth(down, best)) best = i;
      }
      if (best >= 0) cursor = { d: cursor.d + 1, i: best };
    }
  };
  canvas.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') {
      cursor = null;
      resetZoom();
    } else if (ev.key.startsWith('Arrow')) {
      ev.preventDefault();
      const flip: Record<string, string> = { ArrowUp: 'ArrowDown', ArrowDown: 'ArrowUp' };
      moveCursor(config.inverted ? (flip[ev.key] ?? ev.key) : ev.key);
      if (cursor) announce.textContent = describe(cursor.d, cursor.i).join(', ');
      draw();
    } else if (ev.key === 'Enter' && cursor) {
      zoomTo(cursor.d, cursor.i);
      config.onFrameClick?.(data.names[data.levels[cursor.d][cursor.i + 3]]);
    }
  });
  const applySearch = (text: string) => {
    try {
      matcher = text ? new RegExp(text) : null;
      search.setCustomValidity('');
    } catch {
      matcher = null;
      search.setCustomValidity('invalid regular expression');
    }
    refreshCaches();
  };
  search.addEventListener('input', () => {
    applySearch(search.value);
    draw();
    notify();
  });
  const setMode = (name: string) => {
    if (!datasets[name]) return;
    mode = name;
    data = datasets[name];
    refreshCaches();
    const path = zoomPath;
    const bar = path ? findPath(path) : undefined;
    if (bar) zoomTo(bar.d, bar.i, true);
    else resetZoom(true);
    notify();
  };
  window.addEventListener('resize', () => draw());

  if (config.search) {
    search.value = config.search;
    applySearch(config.search);
  } else refreshCaches();
  const initial = config.zoomPath ? findPath(config.zoomPath) : undefined;
  if (initial) zoomTo(initial.d, initial.i, true);
  else draw();

  return {
    setSearch(text: string) {
      search.value = text;
      applySearch(text);
      draw();
      notify();
    },
    focus(name: string | null, zoomIn = true) {
      focusName = name;
      const bar = name ? widestOf(name) : undefined;
      if (bar && zoomIn) {
        cursor = { d: bar.d, i: bar.i };
        zoomTo(bar.d, bar.i);
      } else draw();
      return !!bar;
    },
    setHighlight(names: string[]) {
      highlights = new Set(names);
      refreshCaches();
      draw();
    },
    zoomToPath(path: string[] | null) {
      const bar = path ? findPath(path) : undefined;
      if (bar) zoomTo(bar.d, bar.i, true);
      else resetZoom(true);
      return !!bar;
    },
    resetZoom: () => resetZoom(),
    setMode,
    redraw: draw,
    canvas,
  };
}

/** FlameClientConfig is what a page gives one flame graph (reports embed it as JSON). */
export interface FlameClientConfig {
  title: string;
  unit: string;
  /** datasets by mode name (one for a profile; 'relative' and 'absolute' for a diff). */
  datasets: Record<string, { names: string[]; levels: number[][]; total: number; diff: boolean }>;
  /** highlight names frames to outline (e.g. the locations of findings). */
  highlight?: string[];
  /** mode, search and zoomPath (names root..frame) restore a view, e.g. from the UI's URL. */
  mode?: string;
  search?: string;
  zoomPath?: string[];
  /** inverted draws the root at the bottom (callers above a function in a sandwich view). */
  inverted?: boolean;
  /** onChange reports what the user changed, so a host page can keep its URL in step. */
  onChange?: (state: { search: string; zoomPath: string[] | null; mode: string }) => void;
  /** onFrameClick reports a clicked (or Enter-ed) frame's name. */
  onFrameClick?: (name: string) => void;
}

/** FlameGraphController drives a drawn graph from the host page. */
export interface FlameGraphController {
  setSearch(text: string): void;
  /** focus dims every frame but `name`'s and (unless zoomIn is false) zooms to its widest bar; false when absent. */
  focus(name: string | null, zoomIn?: boolean): boolean;
  setHighlight(names: string[]): void;
  zoomToPath(path: string[] | null): boolean;
  resetZoom(): void;
  setMode(name: string): void;
  redraw(): void;
  canvas: HTMLCanvasElement;
}
