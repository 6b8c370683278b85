// The counters behind SMTP sending limits: a rolling-window rate limit per SMTP user (buckets) and a
// monthly recipient count per account. Each check-and-count is one transaction that first locks the
// user's (and the account's) counters, so two nodes sharing PostgreSQL cannot both take the last slot.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DialectName } from '../database.js';
import type { Database } from '../tables.js';

/** The rate-limit bucket a recipient falls into, and which buckets still count against the limit. */
export interface RateCheck {
  userId: string;
  limit: number;
  bucketStart: number;
  bucketEnd: number;
  /** Buckets ending at or before this instant (epoch ms) no longer count; they are deleted. */
  cutoff: number;
}

export interface MonthlyCheck {
  accountId: string;
  /** YYYY-MM, UTC. */
  month: string;
  limit: number;
}

/** What one counted recipient took, so that it can be given back if its message is not accepted. */
export interface Reservation {
  /** Recipients counted at once: one, or one and the message's audit copies. */
  count: number;
  rate: { userId: string; bucketStart: number } | null;
  monthly: { accountId: string; month: string } | null;
}

export type ReserveResult =
  { ok: true; reservation: Reservation } | { ok: false; exceeded: 'rate' | 'monthly' };

/** Distinct key spaces for the two kinds of advisory lock, so a user id never collides with an account id. */
const LOCK_SPACE = { rate: 'petrel:rate:', monthly: 'petrel:monthly:' } as const;

export function sendingLimitsRepository(db: Kysely<Database>, dialect: DialectName) {
  /**
   * Serialises check-and-count per key until the transaction ends. On SQLite there is one connection
   * and Kysely runs one transaction at a time on it, so the transaction alone already serialises.
   */
  async function lock(
    trx: Transaction<Database>,
    space: keyof typeof LOCK_SPACE,
    key: string,
  ): Promise<void> {
    if (dialect !== 'postgres') return;
    await sql`select pg_advisory_xact_lock(hashtextextended(${LOCK_SPACE[space] + key}, 0))`.execute(trx);
  }

  async function rateCount(trx: Transaction<Database>, check: RateCheck): Promise<number> {
    await trx
      .deleteFrom('sending_rate_buckets')
      .where('user_id', '=', check.userId)
      .where('bucket_end', '<=', check.cutoff)
      .execute();
    const row = await trx
      .selectFrom('sending_rate_buckets')
      .select((eb) => eb.fn.sum<number | string | null>('count').as('n'))
      .where('user_id', '=', check.userId)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async function monthlyCount(trx: Transaction<Database>, check: MonthlyCheck): Promise<number> {
    const row = await trx
      .selectFrom('monthly_recipient_counts')
      .select('count')
      .where('account_id', '=', check.accountId)
      .where('month', '=', check.month)
      .executeTakeFirst();
    return Number(row?.count ?? 0);
  }

  return {
    /**
     * Counts `count` recipients (one, or one with its message's audit copies) against the user's rate
     * limit and the account's monthly limit (either may be null), or counts nothing and says which limit
     * they would exceed. Both or neither, in one transaction.
     */
    async reserveRecipient(
      rate: RateCheck | null,
      monthly: MonthlyCheck | null,
      count = 1,
    ): Promise<ReserveResult> {
      return db.transaction().execute(async (trx): Promise<ReserveResult> => {
        // Always user before account: one order everywhere, so two transactions never wait on each other.
        if (rate) await lock(trx, 'rate', rate.userId);
        if (monthly) await lock(trx, 'monthly', monthly.accountId);
        if (rate && (await rateCount(trx, rate)) + count > rate.limit) return { ok: false, exceeded: 'rate' };
        if (monthly && (await monthlyCount(trx, monthly)) + count > monthly.limit) {
          return { ok: false, exceeded: 'monthly' };
        }
        if (rate) {
          await trx
            .insertInto('sending_rate_buckets')
            .values({
              user_id: rate.userId,
              bucket_start: rate.bucketStart,
              bucket_end: rate.bucketEnd,
              count,
            })
            .onConflict((oc) =>
              oc
                .columns(['user_id', 'bucket_start'])
                .doUpdateSet((eb) => ({ count: eb(eb.ref('sending_rate_buckets.count'), '+', count) })),
            )
            .execute();
        }
        if (monthly) {
          await trx
            .insertInto('monthly_recipient_counts')
            .values({ account_id: monthly.accountId, month: monthly.month, count })
            .onConflict((oc) =>
              oc
                .columns(['account_id', 'month'])
                .doUpdateSet((eb) => ({ count: eb(eb.ref('monthly_recipient_counts.count'), '+', count) })),
            )
            .execute();
        }
        return {
          ok: true,
          reservation: {
            count,
            rate: rate && { userId: rate.userId, bucketStart: rate.bucketStart },
            monthly: monthly && { accountId: monthly.accountId, month: monthly.month },
          },
        };
      });
    },

    /**
     * Gives back recipients that were counted but whose message was never accepted (RSET, a failed
     * DATA, a dropped connection). A bucket that has meanwhile been deleted has nothing to give back.
     */
    async release(reservations: Reservation[]): Promise<void> {
      if (reservations.length === 0) return;
      const rates = new Map<string, { userId: string; bucketStart: number; n: number }>();
      const months = new Map<string, { accountId: string; month: string; n: number }>();
      for (const r of reservations) {
        if (r.rate) {
          const key = `${r.rate.userId}\0${r.rate.bucketStart}`;
          const entry = rates.get(key) ?? { ...r.rate, n: 0 };
          entry.n += r.count;
          rates.set(key, entry);
        }
        if (r.monthly) {
          const key = `${r.monthly.accountId}\0${r.monthly.month}`;
          const entry = months.get(key) ?? { ...r.monthly, n: 0 };
          entry.n += r.count;
          months.set(key, entry);
        }
      }
      await db.transaction().execute(async (trx) => {
        for (const r of rates.values()) {
          await trx
            .updateTable('sending_rate_buckets')
            .set((eb) => ({ count: eb('count', '-', r.n) }))
            .where('user_id', '=', r.userId)
            .where('bucket_start', '=', r.bucketStart)
            .where('count', '>=', r.n)
            .execute();
        }
        for (const m of months.values()) {
          await trx
            .updateTable('monthly_recipient_counts')
            .set((eb) => ({ count: eb('count', '-', m.n) }))
            .where('account_id', '=', m.accountId)
            .where('month', '=', m.month)
            .where('count', '>=', m.n)
            .execute();
        }
      });
    },

    /** Recipients counted for an account in a month (for tests and operators). */
    async monthlyCount(accountId: string, month: string): Promise<number> {
      const row = await db
        .selectFrom('monthly_recipient_counts')
        .select('count')
        .where('account_id', '=', accountId)
        .where('month', '=', month)
        .executeTakeFirst();
      return Number(row?.count ?? 0);
    },
  };
}

export type SendingLimitsRepository = ReturnType<typeof sendingLimitsRepository>;
