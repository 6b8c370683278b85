// Per-key request limit (SPEC §1.10): a token bucket per API key, refilled continuously, so a key gets
// `perMinute` requests a minute with bursts up to that many. Kept in memory on each node; written by
// hand because it runs after key authentication (the limit is per key, not per IP), which
// @fastify/rate-limit's hook order does not fit without re-authenticating.
export interface LimitDecision {
  allowed: boolean;
  /** Seconds until the next request would be allowed (for Retry-After). */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export class RequestLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly refillPerMs: number;

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.refillPerMs = perMinute / 60_000;
  }

  take(key: string): LimitDecision {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.perMinute, updatedMs: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.updatedMs) * this.refillPerMs);
    bucket.updatedMs = now;
    this.buckets.set(key, bucket);
    if (this.buckets.size > 100_000) this.forgetFullBuckets(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, retryAfterSeconds: 0 };
    }
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.refillPerMs / 1000)),
    };
  }

  /** Buckets that would be full by now carry no information; dropping them bounds memory. */
  private forgetFullBuckets(now: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + (now - b.updatedMs) * this.refillPerMs >= this.perMinute) this.buckets.delete(key);
    }
  }
}
