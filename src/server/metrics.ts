/**
 * A minimal Prometheus registry: counters and histograms with labels, rendered in the text
 * exposition format (version 0.0.4) at /metrics. Enough for the server's own numbers without a
 * client library.
 */
type LabelValues = Record<string, string>;

const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram {
  buckets: number[];
  sum: number;
  count: number;
}

/** MetricsRegistry holds every series; `render` writes them out. */
export class MetricsRegistry {
  private readonly help = new Map<string, { type: 'counter' | 'histogram' | 'gauge'; text: string }>();
  private readonly counters = new Map<string, Map<string, number>>();
  private readonly histograms = new Map<string, Map<string, Histogram>>();
  private readonly gauges = new Map<string, () => Promise<number> | number>();

  counter(name: string, text: string): void {
    this.help.set(name, { type: 'counter', text });
    this.counters.set(name, new Map());
  }

  histogram(name: string, text: string): void {
    this.help.set(name, { type: 'histogram', text });
    this.histograms.set(name, new Map());
  }

  /** gauge registers a value read at scrape time. */
  gauge(name: string, text: string, read: () => Promise<number> | number): void {
    this.help.set(name, { type: 'gauge', text });
    this.gauges.set(name, read);
  }

  inc(name: string, labels: LabelValues = {}, by = 1): void {
    const series = this.counters.get(name);
    if (!series) return;
    const key = labelText(labels);
    series.set(key, (series.get(key) ?? 0) + by);
  }

  observe(name: string, seconds: number, labels: LabelValues = {}): void {
    const series = this.histograms.get(name);
    if (!series) return;
    const key = labelText(labels);
    let h = series.get(key);
    if (!h) {
      h = { buckets: new Array<number>(BUCKETS.length).fill(0), sum: 0, count: 0 };
      series.set(key, h);
    }
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]) h.buckets[i]++;
    h.sum += seconds;
    h.count++;
  }

  async render(): Promise<string> {
    const out: string[] = [];
    for (const [name, { type, text }] of this.help) {
      out.push(`# HELP ${name} ${text}`, `# TYPE ${name} ${type}`);
      if (type === 'counter') {
        for (const [labels, v] of this.counters.get(name) ?? []) out.push(`${name}${braces(labels)} ${v}`);
      } else if (type === 'gauge') {
        const read = this.gauges.get(name);
        if (read) out.push(`${name} ${await read()}`);
      } else {
        for (const [labels, h] of this.histograms.get(name) ?? []) {
          BUCKETS.forEach((le, i) => {
            out.push(`${name}_bucket${braces(joinLabels(labels, `le="${le}"`))} ${h.buckets[i]}`);
          });
          out.push(`${name}_bucket${braces(joinLabels(labels, 'le="+Inf"'))} ${h.count}`);
          out.push(`${name}_sum${braces(labels)} ${h.sum}`, `${name}_count${braces(labels)} ${h.count}`);
        }
      }
    }
    return `${out.join('\n')}\n`;
  }
}

function labelText(labels: LabelValues): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k].replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');
}

function joinLabels(a: string, b: string): string {
  return a === '' ? b : `${a},${b}`;
}

function braces(labels: string): string {
  return labels === '' ? '' : `{${labels}}`;
}
