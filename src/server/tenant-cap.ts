import { AccessError } from './access.js';

/**
 * TenantCap bounds how many distinct tenants ingest may create (Pyroscope caps series per
 * tenant; without a cap on tenants, inventing `X-Scope-OrgID` values would multiply every
 * per-tenant budget). The set lives in memory (a restart starts it again from the tenants
 * that ingest next); a new tenant beyond the cap is refused with 429.
 */
export class TenantCap {
  private readonly known = new Set<string>();

  constructor(
    readonly maxTenants: number,
    seed: Iterable<string> = [],
  ) {
    for (const t of seed) this.known.add(t);
  }

  /** admit records the tenant, or throws AccessError(429) when it would pass the cap. */
  admit(tenant: string): void {
    if (this.known.has(tenant)) return;
    if (this.known.size >= this.maxTenants) {
      throw new AccessError(429, `tenant limit reached (${this.maxTenants} tenants; limits.maxTenants)`);
    }
    this.known.add(tenant);
  }
}
