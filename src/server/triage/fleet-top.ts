import type { SampleKind } from '../../analysis/features/sample-views.js';
import { readStoredViews } from '../diagnosis/stored-diagnosis.js';
import type { ProfileStore, TimeRange } from '../store/types.js';
import { SERVICE_NAME_LABEL } from '../store/types.js';
import { type RankedFunction, rankFunctions } from './function-ranking.js';

/** FleetTopRow is one function of one service, ranked fleet-wide by its own (self) value. */
export interface FleetTopRow extends RankedFunction {
  service: string;
}

/** TOP_KINDS maps the `--type` / `type=` words to sample kinds (mutex and block are lock). */
export const TOP_KINDS: Record<string, SampleKind> = {
  cpu: 'cpu',
  wall: 'wall',
  alloc: 'alloc',
  heap: 'heap',
  inuse: 'heap',
  mutex: 'lock',
  lock: 'lock',
  block: 'lock',
};

/**
 * fleetTop lists the hottest functions across every service of the tenant for one sample kind,
 * by self value in the kind's unit (nanoseconds of CPU, bytes allocated, nanoseconds waited),
 * so a function that burns more of the fleet ranks higher whatever its share at home.
 */
export async function fleetTop(
  store: ProfileStore,
  tenant: string,
  kind: SampleKind,
  range: TimeRange,
  limit: number,
): Promise<FleetTopRow[]> {
  const services = [
    ...new Set((await store.series(tenant, [], range)).map((s) => s[SERVICE_NAME_LABEL] ?? '')),
  ];
  const rows: FleetTopRow[] = [];
  for (const service of services) {
    const matchers = [{ name: SERVICE_NAME_LABEL, op: '=' as const, value: service }];
    const view = (await readStoredViews(store, tenant, matchers, range, kind)).views[0];
    if (!view) continue;
    for (const f of rankFunctions(view).bySelf.slice(0, limit)) if (f.self > 0) rows.push({ ...f, service });
  }
  return rows.sort((a, b) => b.self - a.self).slice(0, limit);
}
