// A per-minute limit shared by every node through the control-plane database (SPEC §1.10, §10): requests
// per API key, and failed authentications per client address. Time is cut into 10-second buckets; a
// request is counted into the current bucket (one upsert on PostgreSQL; on SQLite in memory, written
// once a second, see batched-counter.ts), and the six buckets before it (closed, so
// they no longer change) are read once per bucket and subject and kept in memory. The count decided on
// thus spans 60 to 70 seconds: a limit of N never admits more than N in any minute (it may refuse a
// little early, never late). Once refused, a subject is refused from memory until its Retry-After, so
// a client hammering past its limit costs no database work.
import type { RequestCountsRepository } from '../store/repositories/request-counts.js';
import type { BucketCounter } from './batched-counter.js';

export const BUCKET_MS = 10_000;
const WINDOW_MS = 60_000;
const CLOSED_BUCKETS = WINDOW_MS / BUCKET_MS;
/** Subjects remembered at once (closed-bucket sums and refusals); beyond it the oldest are forgotten. */
const MAX_REMEMBERED = 50_000;

export interface LimitDecision {
  allowed: boolean;
  /** Seconds until a request would be counted again (for Retry-After); 0 when allowed. */
  retryAfterSeconds: number;
}

interface ClosedBuckets {
  /** The current bucket these were read for. */
  current: number;
  buckets: { bucketStart: number; count: number }[];
  total: number;
}

export class SharedLimiter {
  private readonly closed = new Map<string, ClosedBuckets>();
  private readonly refusedUntil = new Map<string, number>();
  private lastPurge = 0;

  constructor(
    private readonly counts: RequestCountsRepository,
    private readonly counter: BucketCounter,
    private readonly scope: string,
    readonly perMinute: number,
    private readonly onPurgeError: (err: unknown) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds the subject is still refused for from memory, or 0. No database work. */
  refusedFor(subject: string): number {
    const until = this.refusedUntil.get(subject);
    if (until === undefined) return 0;
    const left = until - this.now();
    if (left <= 0) {
      this.refusedUntil.delete(subject);
      return 0;
    }
    return Math.ceil(left / 1000);
  }

  /** Counts one event of `subject` and says whether it is within the limit. */
  async take(subject: string): Promise<LimitDecision> {
    const remembered = this.refusedFor(subject);
    if (remembered > 0) return { allowed: false, retryAfterSeconds: remembered };
    const now = this.now();
    const current = now - (now % BUCKET_MS);
    this.purgeNowAndThen(current);
    const [count, closed] = await Promise.all([
      this.counter.increment(this.scope, subject, current),
      this.closedBuckets(subject, current),
    ]);
    if (closed.total + count <= this.perMinute) return { allowed: true, retryAfterSeconds: 0 };
    const retryAt = this.retryAt(closed, current, count);
    const retryAfterSeconds = Math.max(1, Math.ceil((retryAt - now) / 1000));
    this.remember(this.refusedUntil, subject, now + retryAfterSeconds * 1000);
    return { allowed: false, retryAfterSeconds };
  }

  private async closedBuckets(subject: string, current: number): Promise<ClosedBuckets> {
    const cached = this.closed.get(subject);
    if (cached?.current === current) return cached;
    const buckets = await this.counts.buckets(
      this.scope,
      subject,
      current - CLOSED_BUCKETS * BUCKET_MS,
      current,
    );
    const entry = { current, buckets, total: buckets.reduce((sum, b) => sum + b.count, 0) };
    this.remember(this.closed, subject, entry);
    return entry;
  }

  /**
   * When enough old buckets will have left the window for the next event to fit: a bucket starting at s
   * stops counting once the current bucket starts at s + 70 s.
   */
  private retryAt(closed: ClosedBuckets, current: number, count: number): number {
    let total = closed.total + count;
    for (const b of closed.buckets) {
      total -= b.count;
      if (total < this.perMinute) return b.bucketStart + (CLOSED_BUCKETS + 1) * BUCKET_MS;
    }
    // The current bucket alone is over the limit: it must leave the window too.
    return current + (CLOSED_BUCKETS + 1) * BUCKET_MS;
  }

  private remember<V>(map: Map<string, V>, subject: string, value: V): void {
    map.delete(subject);
    map.set(subject, value);
    if (map.size > MAX_REMEMBERED) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
  }

  /** Once a minute per node, buckets no window reaches any more are deleted (in the background). */
  private purgeNowAndThen(current: number): void {
    if (current - this.lastPurge < WINDOW_MS) return;
    this.lastPurge = current;
    this.counts.purgeBefore(current - 2 * WINDOW_MS).catch(this.onPurgeError);
  }
}
