/// <reference lib="dom" />
import { formatValue } from './format.js';
import { formatTimeMs } from './time-range.js';

/** TimelineData is the server's timeline: one sum per step from startMs. */
export interface TimelineData {
  startMs: number;
  stepMs: number;
  values: number[];
}

/**
 * TimelineEvent is a marker above the chart: a deploy (a line at its time) or an anomaly (its
 * window shaded, a marker at its start). `label` is what a screen reader and the tooltip say;
 * `short` is the text drawn beside the marker.
 */
export interface TimelineEvent {
  id: string;
  kind: 'deploy' | 'anomaly';
  fromMs: number;
  untilMs?: number;
  label: string;
  short: string;
  selected?: boolean;
}

/**
 * TimelineOptions: marks shade sub-ranges (the diff's base and head); onSelect gets a drag;
 * events are focusable markers (Enter, Space or a click calls onEvent).
 */
export interface TimelineOptions {
  unit: string;
  nowMs: number;
  marks: Array<{ fromMs: number; untilMs: number; kind: string; label: string }>;
  onSelect: (fromMs: number, untilMs: number) => void;
  events?: TimelineEvent[];
  onEvent?: (event: TimelineEvent) => void;
}

/**
 * renderTimeline draws the range's totals as an SVG area chart; dragging across it selects a
 * new range (a click without a drag does nothing, so a stray click cannot lose the view). Deploy
 * and anomaly markers sit in a lane above the area: deploys are dashed lines under a square,
 * anomalies shaded windows under a triangle, each a focusable button with its own label.
 */
export function renderTimeline(container: HTMLElement, data: TimelineData, options: TimelineOptions): void {
  const NS = 'http://www.w3.org/2000/svg';
  const width = Math.max(200, container.clientWidth || 800);
  const events = (options.events ?? []).filter((e) => {
    const end = data.startMs + data.stepMs * data.values.length;
    return (e.untilMs ?? e.fromMs) >= data.startMs && e.fromMs <= end;
  });
  // Two rows of markers: anomalies on top, deploys below, so one at the other's time stays legible.
  const lane = events.length ? 34 : 0;
  const height = 90 + lane;
  const pad = { left: 4, right: 4, top: 6 + lane, bottom: 18 };
  const endMs = data.startMs + data.stepMs * data.values.length;
  const max = Math.max(1, ...data.values);
  const x = (ms: number) =>
    pad.left + ((ms - data.startMs) / (endMs - data.startMs || 1)) * (width - pad.left - pad.right);
  const y = (v: number) => pad.top + (1 - v / max) * (height - pad.top - pad.bottom);
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('class', 'timeline-svg');
  // A group, not an image: the markers inside are focusable controls.
  svg.setAttribute('role', events.length ? 'group' : 'img');
  const total = data.values.reduce((a, b) => a + b, 0);
  svg.setAttribute(
    'aria-label',
    `Timeline: ${formatValue(total, options.unit)} from ${formatTimeMs(data.startMs, options.nowMs)} to ${formatTimeMs(endMs, options.nowMs)}. Drag to select a range.`,
  );
  const add = (tag: string, attrs: Record<string, string | number>) => {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    svg.append(node);
    return node;
  };
  for (const m of options.marks) {
    const r = add('rect', {
      x: x(m.fromMs),
      y: 0,
      width: Math.max(1, x(m.untilMs) - x(m.fromMs)),
      height: height - pad.bottom,
      class: `mark mark-${m.kind}`,
    });
    const title = document.createElementNS(NS, 'title');
    title.textContent = m.label;
    r.append(title);
  }
  const clampX = (ms: number) => Math.min(width - pad.right, Math.max(pad.left, x(ms)));
  for (const e of events) {
    if (e.kind === 'anomaly' && e.untilMs !== undefined) {
      add('rect', {
        x: clampX(e.fromMs),
        y: lane,
        width: Math.max(2, clampX(e.untilMs) - clampX(e.fromMs)),
        height: height - pad.bottom - lane,
        class: `event-window${e.selected ? ' selected' : ''}`,
      });
    } else {
      add('line', {
        x1: clampX(e.fromMs),
        x2: clampX(e.fromMs),
        y1: 29,
        y2: height - pad.bottom,
        class: 'event-line',
      });
    }
  }
  let d = `M ${x(data.startMs)} ${y(0)}`;
  data.values.forEach((v, i) => {
    d += ` L ${x(data.startMs + i * data.stepMs)} ${y(v)} L ${x(data.startMs + (i + 1) * data.stepMs)} ${y(v)}`;
  });
  d += ` L ${x(endMs)} ${y(0)} Z`;
  add('path', { d, class: 'area' });
  add('line', { x1: pad.left, x2: width - pad.right, y1: y(0), y2: y(0), class: 'axis' });
  for (let k = 0; k <= 4; k++) {
    const ms = data.startMs + ((endMs - data.startMs) * k) / 4;
    const t = add('text', {
      x: x(ms),
      y: height - 4,
      class: 'tick',
      'text-anchor': k === 0 ? 'start' : k === 4 ? 'end' : 'middle',
    });
    t.textContent = formatTimeMs(ms, options.nowMs);
  }
  const brush = add('rect', { x: 0, y: lane, width: 0, height: height - pad.bottom - lane, class: 'brush' });
  // Markers last, so they are above the brush and take their own clicks.
  for (const e of events) {
    const cx = clampX(e.fromMs);
    const g = document.createElementNS(NS, 'g');
    g.setAttribute('class', `event event-${e.kind}${e.selected ? ' selected' : ''}`);
    g.setAttribute('tabindex', '0');
    g.setAttribute('role', 'button');
    g.setAttribute('aria-label', e.label);
    g.setAttribute('data-event', e.id);
    g.setAttribute('data-kind', e.kind);
    if (e.selected) g.setAttribute('aria-pressed', 'true');
    const title = document.createElementNS(NS, 'title');
    title.textContent = e.label;
    const shape = document.createElementNS(NS, e.kind === 'deploy' ? 'rect' : 'path');
    if (e.kind === 'deploy') {
      for (const [k, v] of Object.entries({ x: cx - 5, y: 19, width: 10, height: 10, rx: 1 })) {
        shape.setAttribute(k, String(v));
      }
    } else shape.setAttribute('d', `M ${cx - 6} 14 L ${cx} 2 L ${cx + 6} 14 Z`);
    shape.setAttribute('class', 'event-shape');
    const text = document.createElementNS(NS, 'text');
    const right = cx < width - 120;
    text.setAttribute('x', String(right ? cx + 8 : cx - 8));
    text.setAttribute('y', e.kind === 'deploy' ? '28' : '12');
    text.setAttribute('text-anchor', right ? 'start' : 'end');
    text.setAttribute('class', 'event-text');
    text.textContent = e.short;
    g.append(title, shape, text);
    const fire = () => options.onEvent?.(e);
    g.addEventListener('pointerdown', (ev) => ev.stopPropagation());
    g.addEventListener('click', fire);
    g.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        fire();
      }
    });
    svg.append(g);
  }
  brush.setAttribute('visibility', 'hidden');
  const msAt = (clientX: number) => {
    const r = svg.getBoundingClientRect();
    const px = Math.min(width - pad.right, Math.max(pad.left, clientX - r.left));
    return data.startMs + ((px - pad.left) / (width - pad.left - pad.right)) * (endMs - data.startMs);
  };
  let dragFrom: number | null = null;
  svg.addEventListener('pointerdown', (ev) => {
    dragFrom = msAt(ev.clientX);
    svg.setPointerCapture(ev.pointerId);
  });
  svg.addEventListener('pointermove', (ev) => {
    if (dragFrom === null) return;
    const to = msAt(ev.clientX);
    brush.setAttribute('visibility', 'visible');
    brush.setAttribute('x', String(x(Math.min(dragFrom, to))));
    brush.setAttribute('width', String(Math.abs(x(to) - x(dragFrom))));
  });
  svg.addEventListener('pointerup', (ev) => {
    if (dragFrom === null) return;
    const to = msAt(ev.clientX);
    const from = dragFrom;
    dragFrom = null;
    brush.setAttribute('visibility', 'hidden');
    // Under 4 px is a click, not a selection.
    if (Math.abs(x(to) - x(from)) < 4) return;
    options.onSelect(Math.round(Math.min(from, to)), Math.round(Math.max(from, to)));
  });
  container.replaceChildren(svg);
}
