/**
 * RateLimiter is a token bucket per tenant over ingested bytes (Pyroscope limits ingestion in
 * MB/s with a burst). `take` answers 0 when the request may go on, else the seconds to wait,
 * which the server returns as 429 with Retry-After.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly bytesPerSecond: number,
    readonly burstBytes: number,
    private readonly now: () => number = () => performance.now() / 1000,
  ) {}

  take(tenant: string, bytes: number): number {
    const t = this.now();
    let b = this.buckets.get(tenant);
    if (!b) {
      b = { tokens: this.burstBytes, at: t };
      this.buckets.set(tenant, b);
    }
    b.tokens = Math.min(this.burstBytes, b.tokens + (t - b.at) * this.bytesPerSecond);
    b.at = t;
    // A request larger than the burst could never pass; let it through when the bucket is full.
    const cost = Math.min(bytes, this.burstBytes);
    if (b.tokens >= cost) {
      b.tokens -= cost;
      return 0;
    }
    return Math.max(1, Math.ceil((cost - b.tokens) / this.bytesPerSecond));
  }
}
