import { escapeHtml } from '../flamegraph/html.js';

/**
 * MetricSeries is one metric over a run, for small charts: `points` are [t, value] with t in
 * seconds since the run started, ordered by t.
 */
export interface MetricSeries {
  name: string;
  unit: string;
  points: Array<[number, number]>;
}

/** SparklineOptions size the chart in CSS pixels. */
export interface SparklineOptions {
  width?: number;
  height?: number;
}

/** formatMetricValue keeps three significant digits: charts are for shape, not for decimals. */
export function formatMetricValue(value: number, unit: string): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)}${unit ? ` ${unit}` : ''}`;
}

/**
 * sparklinePath maps points into a width x height box (y grows downwards, the minimum of the
 * axis at the bottom). The y axis starts at 0 for non-negative data so a flat line near the top
 * does not read as a spike.
 */
export function sparklinePath(points: Array<[number, number]>, width: number, height: number): string {
  if (points.length === 0) return '';
  const ts = points.map((p) => p[0]);
  const vs = points.map((p) => p[1]);
  const t0 = Math.min(...ts);
  const t1 = Math.max(...ts);
  const lo = Math.min(0, ...vs);
  const hi = Math.max(...vs);
  const x = (t: number) => (t1 === t0 ? width / 2 : ((t - t0) / (t1 - t0)) * width);
  const y = (v: number) => (hi === lo ? height / 2 : height - ((v - lo) / (hi - lo)) * height);
  return points.map(([t, v], i) => `${i === 0 ? 'M' : 'L'}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
}

/**
 * renderSparklineSvg draws one series as an inline SVG figure with its name, peak and last
 * value; hovering the chart shows the same numbers (SVG <title>), and nothing is fetched.
 */
export function renderSparklineSvg(series: MetricSeries, options: SparklineOptions = {}): string {
  const width = options.width ?? 240;
  const height = options.height ?? 48;
  const vs = series.points.map((p) => p[1]);
  const peak = vs.length > 0 ? Math.max(...vs) : 0;
  const last = vs.length > 0 ? vs[vs.length - 1] : 0;
  const duration =
    series.points.length > 0 ? series.points[series.points.length - 1][0] - series.points[0][0] : 0;
  const summary = `${series.name}: peak ${formatMetricValue(peak, series.unit)}, last ${formatMetricValue(last, series.unit)} over ${duration.toFixed(1)} s (${series.points.length} points)`;
  const path = sparklinePath(series.points, width, height - 2);
  const body =
    series.points.length === 0
      ? `<text x="4" y="${height / 2}" class="spark-empty">no data</text>`
      : `<path d="${path}" transform="translate(0,1)" fill="none" stroke="currentColor" stroke-width="1.5"/>`;
  return [
    `<figure class="spark" data-metric="${escapeHtml(series.name)}">`,
    `<figcaption>${escapeHtml(series.name)} <span class="spark-peak">peak ${escapeHtml(formatMetricValue(peak, series.unit))}</span></figcaption>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(summary)}"><title>${escapeHtml(summary)}</title><rect width="${width}" height="${height}" class="spark-bg"/>${body}</svg>`,
    '</figure>',
  ].join('');
}
