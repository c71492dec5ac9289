import { createHash } from 'node:crypto';
import { AccessError } from './access.js';
import type { ProfileStore, ProfileWrite, SeriesLabels } from './store/types.js';

/**
 * SeriesCap bounds the distinct series (label sets) each tenant may hold, as Pyroscope's
 * `max_global_series_per_tenant` does: a client inventing label values (a request id, a
 * timestamp) would otherwise grow the store's index and every query's series scan without bound.
 * Writes to series the tenant already has always pass; a request that would add series beyond
 * the cap is refused whole with 429, before anything is written.
 *
 * A tenant's known series are read from the store the first time it ingests after a start, so
 * the cap holds across restarts. Series are kept as 16-byte hashes: the memory is bounded by
 * tenants x cap, whatever the labels' size. Series that retention removes still count until the
 * next start (the cap errs on the side of refusing).
 */
export class SeriesCap {
  private readonly known = new Map<string, Promise<Set<string>>>();

  constructor(readonly maxSeriesPerTenant: number) {}

  /** admit records the request's new series, or throws AccessError(429) past the cap. */
  async admit(store: ProfileStore, tenant: string, writes: readonly ProfileWrite[]): Promise<void> {
    const known = await this.knownOf(store, tenant);
    const fresh = new Set<string>();
    for (const w of writes) {
      const key = seriesKey(w.labels);
      if (!known.has(key)) fresh.add(key);
    }
    if (fresh.size === 0) return;
    // No await between the check and the adds: concurrent requests cannot both pass the last slot.
    if (known.size + fresh.size > this.maxSeriesPerTenant) {
      throw new AccessError(
        429,
        `series limit reached for tenant '${tenant}': ${known.size} series held, ${fresh.size} new in this request, limit ${this.maxSeriesPerTenant} (limits.maxSeriesPerTenant)`,
      );
    }
    for (const key of fresh) known.add(key);
  }

  private knownOf(store: ProfileStore, tenant: string): Promise<Set<string>> {
    let known = this.known.get(tenant);
    if (!known) {
      known = store.series(tenant, []).then((all) => new Set(all.map(seriesKey)));
      // A failed read is not cached: the next request tries again.
      known.catch(() => this.known.delete(tenant));
      this.known.set(tenant, known);
    }
    return known;
  }
}

/** seriesKey: a hash of the label set, independent of the labels' order. */
function seriesKey(labels: SeriesLabels): string {
  const canonical = JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );
  return createHash('md5').update(canonical).digest('base64');
}
