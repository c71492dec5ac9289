import type { Evidence } from '../findings.js';
import type { Range } from '../patterns/schema.js';
import type { MetricName, Metrics } from './metrics.js';

/** unitOfMetric reads a metric's unit from its name suffix. */
export function unitOfMetric(name: MetricName): string {
  if (name.endsWith('_share')) return '%';
  if (name.endsWith('_per_cpu_s')) return '/CPU s';
  if (name.endsWith('_per_s')) return name.includes('_mb_') ? 'MB/s' : '/s';
  if (name.endsWith('_ms')) return 'ms';
  if (name.endsWith('_s')) return 's';
  if (name.endsWith('_mb')) return 'MB';
  if (name.endsWith('_bytes') || name.endsWith('_chars') || name === 'bytes_per_syscall') return 'bytes';
  if (name === 'cpu_utilisation') return 'cores';
  if (name.endsWith('_r2') || name.endsWith('_utilisation')) return 'ratio';
  return 'count';
}

/** metricHolds is true when the metric exists and lies in the range. */
export function metricHolds(metrics: Metrics, name: MetricName, range: Range): boolean {
  const v = metrics[name];
  if (typeof v !== 'number') return false;
  return (range.min === undefined || v >= range.min) && (range.max === undefined || v <= range.max);
}

/** evidenceOfMetric states one metric as evidence (shares as percent); empty when absent. */
export function evidenceOfMetric(metrics: Metrics, name: MetricName, source = 'metrics'): Evidence {
  const v = metrics[name];
  if (typeof v !== 'number') return {};
  const unit = unitOfMetric(name);
  const value = unit === '%' ? Math.round(v * 10000) / 100 : v;
  return { [name]: { value, unit, source } };
}
