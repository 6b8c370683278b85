// The API's shared request counters (SPEC §1.10, §10): one row per scope, subject and 10-second bucket.
// Counting a request is one upsert that returns the bucket's new count, the same statement on SQLite and
// PostgreSQL, so every node sharing the database counts into the same rows.
import type { Kysely } from 'kysely';
import type { Database } from '../tables.js';

export interface BucketCount {
  bucketStart: number;
  count: number;
}

export function requestCountsRepository(db: Kysely<Database>) {
  return {
    /** Adds one to the bucket and returns its count including this one. */
    async increment(scope: string, subject: string, bucketStart: number): Promise<number> {
      const row = await db
        .insertInto('api_request_counts')
        .values({ scope, subject, bucket_start: bucketStart, count: 1 })
        .onConflict((oc) =>
          oc
            .columns(['scope', 'subject', 'bucket_start'])
            .doUpdateSet((eb) => ({ count: eb(eb.ref('api_request_counts.count'), '+', 1) })),
        )
        .returning('count')
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    /**
     * Adds each item's `n` to its bucket, all in one transaction (one commit, one fsync on SQLite), and
     * returns the buckets' new counts in order.
     */
    async incrementMany(
      items: { scope: string; subject: string; bucketStart: number; n: number }[],
    ): Promise<number[]> {
      return db.transaction().execute(async (trx) => {
        const totals: number[] = [];
        for (const { scope, subject, bucketStart, n } of items) {
          const row = await trx
            .insertInto('api_request_counts')
            .values({ scope, subject, bucket_start: bucketStart, count: n })
            .onConflict((oc) =>
              oc
                .columns(['scope', 'subject', 'bucket_start'])
                .doUpdateSet((eb) => ({ count: eb(eb.ref('api_request_counts.count'), '+', n) })),
            )
            .returning('count')
            .executeTakeFirstOrThrow();
          totals.push(Number(row.count));
        }
        return totals;
      });
    },

    /** The subject's buckets from `from` (inclusive) to `to` (exclusive), oldest first. */
    async buckets(scope: string, subject: string, from: number, to: number): Promise<BucketCount[]> {
      const rows = await db
        .selectFrom('api_request_counts')
        .select(['bucket_start', 'count'])
        .where('scope', '=', scope)
        .where('subject', '=', subject)
        .where('bucket_start', '>=', from)
        .where('bucket_start', '<', to)
        .orderBy('bucket_start')
        .execute();
      return rows.map((r) => ({ bucketStart: Number(r.bucket_start), count: Number(r.count) }));
    },

    /** Deletes buckets that start before `before` (no limit looks that far back any more). */
    async purgeBefore(before: number): Promise<void> {
      await db.deleteFrom('api_request_counts').where('bucket_start', '<', before).execute();
    },
  };
}

export type RequestCountsRepository = ReturnType<typeof requestCountsRepository>;
