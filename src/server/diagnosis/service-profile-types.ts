import { kindOfSampleType, type SampleKind } from '../../analysis/features/sample-views.js';
import { parseProfileTypeId } from '../profile-type.js';

/** KIND_OF_METRIC: a series' metric name (`__name__`) says the kind when the sample type does not. */
const KIND_OF_METRIC: Record<string, SampleKind> = {
  process_cpu: 'cpu',
  wall: 'wall',
  mutex: 'lock',
  block: 'lock',
};

/** kindOfProfileType maps a profile type ID to the analysis' sample kind (undefined: not used). */
export function kindOfProfileType(id: string): SampleKind | undefined {
  const t = parseProfileTypeId(id);
  if (!t) return undefined;
  if (t.name === 'goroutine' || t.name === 'goroutines') return undefined;
  return kindOfSampleType(t.sampleType.type, KIND_OF_METRIC[t.name]);
}

// Time and bytes read as evidence ("1.2 s"); counts only when nothing better exists.
function unitRank(id: string): number {
  const unit = parseProfileTypeId(id)?.sampleType.unit ?? '';
  return unit === 'nanoseconds' || unit === 'bytes' ? 0 : 1;
}

/** bestTypePerKind picks one profile type per kind from a service's types (time/bytes over counts). */
export function bestTypePerKind(types: readonly string[]): Map<SampleKind, string> {
  const out = new Map<SampleKind, string>();
  for (const id of [...types].sort()) {
    const kind = kindOfProfileType(id);
    if (!kind) continue;
    const prev = out.get(kind);
    if (prev === undefined || unitRank(id) < unitRank(prev)) out.set(kind, id);
  }
  return out;
}
