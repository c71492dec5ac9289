import type { Profile } from '../../model/profile.js';
import { frameNamesRootFirst } from '../../model/profile.js';
import { formatProfileTypeId } from '../profile-type.js';
import type { ProfileWrite, SeriesLabels } from '../store/types.js';
import { PROFILE_TYPE_LABEL } from '../store/types.js';
import { checkSeriesPerRequest, truncateStack } from './ingest-limits.js';
import { sanitizeLabelName, validateSeriesLabels } from './series-labels.js';

/**
 * SampleTypeConfig is one entry of the `sample_type_config` multipart field Pyroscope agents
 * send next to a pprof, keyed by the pprof sample type:
 *
 *     {"alloc-samples": {"units": "objects", "display-name": "alloc_objects",
 *                        "aggregation": "average", "sampled": true, "cumulative": false}}
 *
 * Pyroscope v1 uses it only to name the metric (`__name__`) of the profile; every sample type
 * of the pprof is kept and becomes its own series.
 */
export interface SampleTypeConfig {
  units?: string;
  'display-name'?: string;
  aggregation?: string;
  sampled?: boolean;
  cumulative?: boolean;
}

/** DEFAULT_SAMPLE_TYPE_CONFIG is what Go agents imply when they send no config. */
const DEFAULT_SAMPLE_TYPE_CONFIG: Record<string, SampleTypeConfig> = {
  samples: { 'display-name': 'cpu', units: 'samples', sampled: true },
  inuse_objects: { units: 'objects', aggregation: 'average' },
  alloc_objects: { units: 'objects' },
  inuse_space: { units: 'bytes', aggregation: 'average' },
  alloc_space: { units: 'bytes' },
  goroutine: { 'display-name': 'goroutines', units: 'goroutines', aggregation: 'average' },
  contentions: { 'display-name': 'mutex_count', units: 'lock_samples' },
  delay: { 'display-name': 'mutex_duration', units: 'lock_nanoseconds' },
};

/**
 * pprofMetricName names a pprof's metric from its sample types, as Pyroscope does: `wall` wins,
 * then the first type whose (display) name says cpu, alloc_/inuse_/space/objects (memory),
 * mutex_, block_ or goroutines; otherwise the last type's name.
 */
export function pprofMetricName(profile: Profile, config?: Record<string, SampleTypeConfig>): string {
  const configs = config ?? DEFAULT_SAMPLE_TYPE_CONFIG;
  if (profile.sampleTypes.some((t) => t.type === 'wall')) return 'wall';
  let st = '';
  for (const t of profile.sampleTypes) {
    st = configs[t.type]?.['display-name'] || t.type;
    if (st.includes('cpu')) return 'process_cpu';
    if (st.includes('alloc_') || st.includes('inuse_') || st === 'space' || st === 'objects') return 'memory';
    if (st.includes('mutex_')) return 'mutex';
    if (st.includes('block_')) return 'block';
    if (st.includes('goroutines')) return 'goroutines';
  }
  return st;
}

/** SeriesOptions say how one imported profile becomes series. */
export interface SeriesOptions {
  metricName: string;
  /** labels every series gets (service_name and the agent's tags). */
  labels: SeriesLabels;
  timeNanos: number;
  durationNanos: number;
  /** scale multiplies every value of the given sample type index (e.g. samples -> nanoseconds). */
  scale?: (typeIndex: number) => number;
}

/**
 * profileToSeries splits a profile into one write per sample type and per distinct set of
 * string sample labels (pprof labels become series labels, as Pyroscope's distributor does).
 * Throws LabelLimitError when a resulting series breaks the label rules.
 */
export function profileToSeries(profile: Profile, options: SeriesOptions): ProfileWrite[] {
  const periodType = profile.periodType;
  const groups = new Map<string, { labels: SeriesLabels; stacks: string[][]; rows: number[][] }>();
  const stackOf = new Map<string, string[]>();
  for (const sample of profile.samples) {
    const extra: SeriesLabels = {};
    for (const l of sample.labels ?? []) {
      if (l.str === undefined || l.str === '') continue;
      const name = sanitizeLabelName(l.key);
      if (name) extra[name] = l.str;
    }
    const key = JSON.stringify(Object.entries(extra).sort());
    let g = groups.get(key);
    if (!g) {
      g = { labels: extra, stacks: [], rows: [] };
      groups.set(key, g);
      checkSeriesPerRequest(groups.size);
    }
    const stackKey = sample.locationIds.join(',');
    let stack = stackOf.get(stackKey);
    if (!stack) {
      stack = truncateStack(frameNamesRootFirst(profile, sample));
      stackOf.set(stackKey, stack);
    }
    g.stacks.push(stack);
    g.rows.push(sample.values);
  }
  const writes: ProfileWrite[] = [];
  profile.sampleTypes.forEach((sampleType, typeIndex) => {
    const id = formatProfileTypeId({
      name: options.metricName,
      sampleType,
      periodType: periodType && periodType.type !== '' ? periodType : sampleType,
    });
    const factor = options.scale?.(typeIndex) ?? 1;
    for (const g of groups.values()) {
      const values = g.rows.map((r) => r[typeIndex] * factor);
      if (!values.some((v) => v !== 0)) continue;
      const labels: SeriesLabels = { ...g.labels, ...options.labels, [PROFILE_TYPE_LABEL]: id };
      validateSeriesLabels(labels);
      writes.push({
        labels,
        timeNanos: options.timeNanos,
        durationNanos: options.durationNanos,
        stacks: g.stacks,
        values,
      });
    }
  });
  return writes;
}
