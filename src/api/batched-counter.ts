// Counting API requests on embedded SQLite without a commit per request. better-sqlite3 commits (and
// fsyncs, synchronous=FULL) on the event loop, so an upsert per request would block the node for the
// length of an fsync on every API call. Instead the current bucket's count is kept in memory and added
// to the database once a second, in one transaction. Each flush returns the bucket's total, so counts of
// other processes sharing the file are seen within a second: over-admission is bounded by what they
// admit in one flush interval (none with a single process, which is the embedded case).
import type { RequestCountsRepository } from '../store/repositories/request-counts.js';

const FLUSH_MS = 1000;

interface Entry {
  scope: string;
  subject: string;
  bucketStart: number;
  /** The bucket's count in the database as of the last flush. */
  known: number;
  /** Counted here and being written by the flush in progress. */
  inFlight: number;
  /** Counted here since. */
  pending: number;
}

export interface BucketCounter {
  /** Counts one event in the bucket and returns the bucket's count including it. */
  increment(scope: string, subject: string, bucketStart: number): Promise<number>;
  close(): Promise<void>;
}

/** One upsert per event (PostgreSQL: asynchronous, exact across nodes). */
export function directCounter(counts: RequestCountsRepository): BucketCounter {
  return {
    increment: (scope, subject, bucketStart) => counts.increment(scope, subject, bucketStart),
    close: () => Promise.resolve(),
  };
}

export function batchedCounter(
  counts: RequestCountsRepository,
  onError: (err: unknown) => void,
): BucketCounter {
  const entries = new Map<string, Entry>();
  let flushing: Promise<void> | null = null;

  async function flush(): Promise<void> {
    const batch = [...entries.values()].filter((e) => e.pending > 0);
    for (const e of batch) {
      e.inFlight = e.pending;
      e.pending = 0;
    }
    try {
      if (batch.length > 0) {
        const totals = await counts.incrementMany(
          batch.map((e) => ({
            scope: e.scope,
            subject: e.subject,
            bucketStart: e.bucketStart,
            n: e.inFlight,
          })),
        );
        batch.forEach((e, i) => (e.known = totals[i] ?? e.known + e.inFlight));
      }
    } catch (err) {
      // Not written: counted again at the next flush.
      for (const e of batch) e.pending += e.inFlight;
      onError(err);
    } finally {
      for (const e of batch) e.inFlight = 0;
    }
    // Past buckets with nothing left to write are no longer needed here.
    const current = Date.now() - 10_000;
    for (const [key, e] of entries) if (e.pending === 0 && e.bucketStart < current) entries.delete(key);
  }

  const timer = setInterval(() => {
    if (flushing === null) flushing = flush().finally(() => (flushing = null));
  }, FLUSH_MS);
  timer.unref();

  return {
    async increment(scope, subject, bucketStart) {
      const key = `${scope}\0${subject}\0${bucketStart}`;
      let entry = entries.get(key);
      if (entry === undefined) {
        // First sight of this bucket here: start from what other processes already counted (a read,
        // no commit).
        const [found] = await counts.buckets(scope, subject, bucketStart, bucketStart + 1);
        entry = entries.get(key) ?? {
          scope,
          subject,
          bucketStart,
          known: found?.count ?? 0,
          inFlight: 0,
          pending: 0,
        };
        entries.set(key, entry);
      }
      entry.pending++;
      return entry.known + entry.inFlight + entry.pending;
    },
    async close() {
      clearInterval(timer);
      await flushing;
      await flush();
    },
  };
}
