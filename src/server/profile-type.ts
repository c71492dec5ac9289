import type { ValueType } from '../model/profile.js';

/**
 * Profile type IDs, Pyroscope's `__profile_type__` label:
 *
 *     name:sampleType:sampleUnit:periodType:periodUnit
 *     e.g. process_cpu:cpu:nanoseconds:cpu:nanoseconds, memory:alloc_space:bytes:space:bytes
 *
 * `name` is the metric (`__name__`: process_cpu, wall, memory, mutex, block, goroutine, ...), the
 * sample type is the value column of the pprof the series came from, the period type its period.
 */
export interface ProfileTypeId {
  name: string;
  sampleType: ValueType;
  periodType: ValueType;
}

/** parseProfileTypeId splits an ID; undefined when it does not have five non-empty parts. */
export function parseProfileTypeId(id: string): ProfileTypeId | undefined {
  const parts = id.split(':');
  if (parts.length !== 5 || parts.some((p) => p === '')) return undefined;
  return {
    name: parts[0],
    sampleType: { type: parts[1], unit: parts[2] },
    periodType: { type: parts[3], unit: parts[4] },
  };
}

/** formatProfileTypeId joins the parts back. */
export function formatProfileTypeId(t: ProfileTypeId): string {
  return `${t.name}:${t.sampleType.type}:${t.sampleType.unit}:${t.periodType.type}:${t.periodType.unit}`;
}

/** LegacyType is what a Pyroscope app-name suffix (`myapp.cpu`) stands for. */
export interface LegacyType {
  type: ProfileTypeId;
  /** sampled: values are sample counts that become nanoseconds at 1e9 / sampleRate each. */
  sampled: boolean;
}

const t = (
  name: string,
  type: string,
  unit: string,
  periodType = type,
  periodUnit = unit,
  sampled = false,
) => ({
  type: { name, sampleType: { type, unit }, periodType: { type: periodType, unit: periodUnit } },
  sampled,
});

/**
 * LEGACY_SUFFIXES maps the app-name suffixes of Pyroscope's legacy `/ingest` (and of
 * `app.suffix` render queries) to profile types, following Pyroscope's ingest adapter.
 */
const LEGACY_SUFFIXES: Record<string, LegacyType> = {
  cpu: t('process_cpu', 'cpu', 'nanoseconds', 'cpu', 'nanoseconds', true),
  itimer: t('process_cpu', 'cpu', 'nanoseconds', 'cpu', 'nanoseconds', true),
  wall: t('wall', 'wall', 'nanoseconds', 'wall', 'nanoseconds', true),
  alloc_objects: t('memory', 'alloc_objects', 'count', 'space', 'bytes'),
  alloc_space: t('memory', 'alloc_space', 'bytes', 'space', 'bytes'),
  inuse_objects: t('memory', 'inuse_objects', 'count', 'space', 'bytes'),
  inuse_space: t('memory', 'inuse_space', 'bytes', 'space', 'bytes'),
  goroutines: t('goroutine', 'goroutine', 'count', 'goroutine', 'count'),
  goroutine: t('goroutine', 'goroutine', 'count', 'goroutine', 'count'),
  mutex_count: t('mutex', 'contentions', 'count', 'mutex', 'count'),
  mutex_duration: t('mutex', 'delay', 'nanoseconds', 'mutex', 'count'),
  block_count: t('block', 'contentions', 'count', 'block', 'count'),
  block_duration: t('block', 'delay', 'nanoseconds', 'block', 'count'),
  lock_count: t('mutex', 'contentions', 'count', 'mutex', 'count'),
  lock_duration: t('mutex', 'delay', 'nanoseconds', 'mutex', 'count'),
  alloc_in_new_tlab_objects: t('memory', 'alloc_in_new_tlab_objects', 'count', 'space', 'bytes'),
  alloc_in_new_tlab_bytes: t('memory', 'alloc_in_new_tlab_bytes', 'bytes', 'space', 'bytes'),
  alloc_outside_tlab_objects: t('memory', 'alloc_outside_tlab_objects', 'count', 'space', 'bytes'),
  alloc_outside_tlab_bytes: t('memory', 'alloc_outside_tlab_bytes', 'bytes', 'space', 'bytes'),
  live: t('memory', 'live', 'count', 'objects', 'count'),
  exceptions: t('exceptions', 'exceptions', 'count', 'exceptions', 'count'),
};

/** UNITS_TO_UNIT maps Pyroscope's `units` parameter to a pprof unit for unknown suffixes. */
const UNITS_TO_UNIT: Record<string, string> = {
  samples: 'count',
  objects: 'count',
  goroutines: 'count',
  bytes: 'bytes',
  lock_samples: 'count',
  lock_nanoseconds: 'nanoseconds',
  exceptions: 'count',
};

/**
 * legacyTypeOf splits `app.suffix` into the service name and its profile type. Without a dot the
 * type is CPU, as in Pyroscope; an unknown suffix becomes its own metric, unit from `units`.
 */
export function legacyTypeOf(appName: string, units = ''): { service: string; legacy: LegacyType } {
  const dot = appName.lastIndexOf('.');
  if (dot < 0) return { service: appName, legacy: LEGACY_SUFFIXES.cpu };
  const suffix = appName.slice(dot + 1);
  const service = appName.slice(0, dot);
  const known = LEGACY_SUFFIXES[suffix];
  if (known) return { service, legacy: known };
  const unit = UNITS_TO_UNIT[units] ?? 'count';
  return { service, legacy: t(suffix, suffix, unit, suffix, unit) };
}
