/// <reference lib="dom" />
/**
 * flameGraphClient is the browser half of the flame graph, embedded into self-contained HTML
 * with Function.prototype.toString, so it must not use anything from module scope. It draws
 * FlameLevels (see levels.ts) on a canvas: click to zoom, Escape or "reset" to zoom out, a
 * search box that highlights matches and reports their share, tooltips with self and total,
 * red/green for diffs, and outlines for frames named by findings.
 */
export function flameGraphClient(container: HTMLElement, config: FlameClientConfig): void {
  const ROW = 18;
  const datasets = config.datasets;
  let mode = Object.keys(datasets)[0];
  let data = datasets[mode];
  const stride = data.diff ? 6 : 4;
  const canvas = document.createElement('canvas');
  const tooltip = document.createElement('div');
  const controls = document.createElement('div');
  controls.className = 'fg-controls';
  const search = document.createElement('input');
  search.type = 'search';
  search.placeholder = 'Search (regex)';
  search.setAttribute('aria-label', 'Search frames');
  const reset = document.createElement('button');
  reset.textContent = 'Reset zoom';
  const status = document.createElement('span');
  status.className = 'fg-status';
  controls.append(search, reset);
  if (Object.keys(datasets).length > 1) {
    for (const name of Object.keys(datasets)) {
      const b = document.createElement('button');
      b.textContent = name;
      b.dataset.mode = name;
      b.addEventListener('click', () => {
        mode = name;
        data = datasets[name];
        zoom = { start: 0, end: data.total, depth: 0 };
        draw();
      });
      controls.append(b);
    }
  }
  controls.append(status);
  tooltip.className = 'fg-tooltip';
  tooltip.hidden = true;
  canvas.tabIndex = 0;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', config.title);
  container.append(controls, canvas, tooltip);

  let zoom = { start: 0, end: data.total, depth: 0 };
  let matcher: RegExp | null = null;
  const highlights = new Set(config.highlight ?? []);
  const dark = window.matchMedia?.('(prefers-color-scheme: dark)').matches;

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
  const colour = (i: number, row: number[]) => {
    const name = data.names[row[i + 3]];
    if (matcher?.test(name)) return '#b04ce6';
    if (data.diff) {
      const root = data.levels[0];
      const headShare = root[1] ? row[i + 1] / root[1] : 0;
      const baseShare = root[4] ? row[i + 4] / root[4] : 0;
      const change = headShare - baseShare;
      const strength = Math.min(1, Math.abs(change) * 8);
      if (Math.abs(change) < 0.001) return dark ? '#555' : '#ccc';
      const light = Math.round(85 - strength * 40);
      return change > 0 ? `hsl(0, 80%, ${light}%)` : `hsl(120, 60%, ${light}%)`;
    }
    const h = hash(moduleOf(name));
    return `hsl(${10 + (h % 40)}, ${70 + (h % 20)}%, ${55 + ((h >> 3) % 15)}%)`;
  };

  const bars: Array<{ x: number; y: number; w: number; row: number; i: number }> = [];
  function draw(): void {
    const width = container.clientWidth || 1000;
    const depth = data.levels.length;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = width * ratio;
    canvas.height = depth * ROW * ratio;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${depth * ROW}px`;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.scale(ratio, ratio);
    ctx.font = '12px ui-monospace, SFMono-Regular, Menlo, monospace';
    ctx.textBaseline = 'middle';
    bars.length = 0;
    const span = zoom.end - zoom.start;
    let matched = 0;
    for (let d = 0; d < depth; d++) {
      const row = data.levels[d];
      for (let i = 0; i < row.length; i += stride) {
        const w0 = data.diff ? row[i + 1] + row[i + 4] : row[i + 1];
        const start = row[i];
        if (start + w0 <= zoom.start || start >= zoom.end) continue;
        const x = ((start - zoom.start) / span) * width;
        const w = (w0 / span) * width;
        if (w < 0.5) continue;
        const y = d * ROW;
        const dimmed = d < zoom.depth;
        ctx.fillStyle = colour(i, row);
        ctx.globalAlpha = dimmed ? 0.5 : 1;
        ctx.fillRect(Math.max(0, x), y, Math.min(width, x + w) - Math.max(0, x) - 0.5, ROW - 1);
        const name = data.names[row[i + 3]];
        if (highlights.has(name)) {
          ctx.strokeStyle = dark ? '#fff' : '#000';
          ctx.lineWidth = 2;
          ctx.strokeRect(Math.max(0, x) + 1, y + 1, Math.min(width, x + w) - Math.max(0, x) - 2.5, ROW - 3);
        }
        ctx.globalAlpha = 1;
        if (w > 30) {
          ctx.fillStyle = '#000';
          const label =
            name.length * 7 > w - 6 ? `${name.slice(0, Math.max(0, Math.floor((w - 6) / 7) - 1))}…` : name;
          ctx.fillText(label, Math.max(0, x) + 3, y + ROW / 2);
        }
        bars.push({ x, y, w, row: d, i });
      }
    }
    if (matcher) {
      // Matched share: bars that match with no matching ancestor, so nesting is not counted twice.
      const covered: Array<[number, number]> = [];
      for (let d = 0; d < depth; d++) {
        const row = data.levels[d];
        for (let i = 0; i < row.length; i += stride) {
          if (!matcher.test(data.names[row[i + 3]])) continue;
          const s = row[i];
          if (covered.some(([a, b]) => s >= a && s < b)) continue;
          covered.push([s, s + row[i + 1]]);
          matched += row[i + 1];
        }
      }
      status.textContent = `matched ${pct(matched, data.levels[0][1])} (${fmt(matched)})`;
    } else status.textContent = '';
    container.dataset.matchedShare = matcher ? String(matched / (data.levels[0][1] || 1)) : '';
    container.dataset.zoomStart = String(zoom.start);
    container.dataset.zoomEnd = String(zoom.end);
    container.dataset.mode = mode;
  }

  const barAt = (ev: MouseEvent) => {
    const r = canvas.getBoundingClientRect();
    const x = ev.clientX - r.left;
    const y = ev.clientY - r.top;
    return bars.find((b) => x >= b.x && x < b.x + b.w && y >= b.y && y < b.y + ROW);
  };
  canvas.addEventListener('click', (ev) => {
    const bar = barAt(ev);
    if (!bar) return;
    const row = data.levels[bar.row];
    const w = data.diff ? row[bar.i + 1] + row[bar.i + 4] : row[bar.i + 1];
    zoom = { start: row[bar.i], end: row[bar.i] + w, depth: bar.row };
    container.dataset.zoomed = data.names[row[bar.i + 3]];
    draw();
  });
  canvas.addEventListener('mousemove', (ev) => {
    const bar = barAt(ev);
    if (!bar) {
      tooltip.hidden = true;
      return;
    }
    const row = data.levels[bar.row];
    const i = bar.i;
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
    tooltip.textContent = lines.join('\n');
    tooltip.hidden = false;
    tooltip.style.left = `${ev.pageX + 12}px`;
    tooltip.style.top = `${ev.pageY + 12}px`;
  });
  canvas.addEventListener('mouseleave', () => {
    tooltip.hidden = true;
  });
  const resetZoom = () => {
    zoom = { start: 0, end: data.total, depth: 0 };
    delete container.dataset.zoomed;
    draw();
  };
  reset.addEventListener('click', resetZoom);
  canvas.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') resetZoom();
  });
  search.addEventListener('input', () => {
    try {
      matcher = search.value ? new RegExp(search.value) : null;
      search.setCustomValidity('');
    } catch {
      matcher = null;
      search.setCustomValidity('invalid regular expression');
    }
    draw();
  });
  window.addEventListener('resize', draw);
  draw();
}

/** FlameClientConfig is what the page embeds for one flame graph. */
export interface FlameClientConfig {
  title: string;
  unit: string;
  /** datasets by mode name (one for a profile; 'relative' and 'absolute' for a diff). */
  datasets: Record<string, { names: string[]; levels: number[][]; total: number; diff: boolean }>;
  /** highlight names frames to outline (e.g. the locations of findings). */
  highlight?: string[];
}
