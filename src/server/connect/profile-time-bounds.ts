import type { ProfileStore } from '../store/types.js';

/** ProfileTimeBounds: whether the tenant has any data, and its oldest and newest profile (Unix ms, 0 when none). */
export interface ProfileTimeBounds {
  dataIngested: boolean;
  oldestMs: number;
  newestMs: number;
}

/** RESOLUTION_MS is how close the bounds are found: one second, what a time picker shows. */
const RESOLUTION_MS = 1000;

/**
 * profileTimeBounds finds the oldest and newest profile of a tenant by bisecting time with the
 * store's own range query (`profileTypes` over a range answers whether any profile lies in it),
 * so it works on every engine behind the ProfileStore interface: ~2 x 40 small indexed queries,
 * each narrowing the bound by half, to one-second resolution. Grafana asks for these once
 * when a data source is opened.
 */
export async function profileTimeBounds(
  store: ProfileStore,
  tenant: string,
  nowMs = Date.now(),
): Promise<ProfileTimeBounds> {
  const dataIngested = (await store.profileTypes(tenant)).length > 0;
  // Agents with a skewed clock may write slightly ahead of now.
  const limitMs = nowMs + 86_400_000;
  const any = async (fromMs: number, toMs: number) =>
    (await store.profileTypes(tenant, { startNanos: fromMs * 1e6, endNanos: toMs * 1e6 })).length > 0;
  if (!dataIngested || !(await any(0, limitMs))) return { dataIngested, oldestMs: 0, newestMs: 0 };
  // Oldest: the data lies in [0, hi); shrink hi while [0, mid) still holds some.
  let lo = 0;
  let hi = limitMs;
  while (hi - lo > RESOLUTION_MS) {
    const mid = Math.floor((lo + hi) / 2);
    if (await any(0, mid)) hi = mid;
    else lo = mid;
  }
  const oldestMs = lo;
  // Newest: the data lies in [lo, limit); raise lo while [mid, limit) still holds some.
  lo = oldestMs;
  hi = limitMs;
  while (hi - lo > RESOLUTION_MS) {
    const mid = Math.floor((lo + hi) / 2);
    if (await any(mid, limitMs)) lo = mid;
    else hi = mid;
  }
  return { dataIngested, oldestMs, newestMs: lo };
}
