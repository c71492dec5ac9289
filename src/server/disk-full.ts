/**
 * DiskFullState remembers that the store last failed for lack of space. While it holds, ingest
 * answers 503 with Retry-After (agents keep their profiles and retry) instead of 500, and
 * /readyz says not ready so a load balancer sends agents elsewhere; the next successful write
 * clears it.
 */
export class DiskFullState {
  private since: number | undefined;

  get full(): boolean {
    return this.since !== undefined;
  }

  /** noteError records a disk-full error; answers whether `err` was one. */
  noteError(err: unknown): boolean {
    if (!isDiskFull(err)) return false;
    this.since ??= Date.now();
    return true;
  }

  noteWrite(): void {
    this.since = undefined;
  }
}

/** isDiskFull: ENOSPC or EDQUOT from node, or the same condition as DuckDB words it. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return true;
  const message = (err as Error)?.message ?? '';
  return /no space left on device|disk quota exceeded|ENOSPC/i.test(message);
}
