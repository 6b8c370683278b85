// Statistics (SPEC §8) read from the per-day rollups that are kept as events are written: a sum over at
// most a few rows per day and sender, never a count over the events table.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../tables.js';

export interface RollupQuery {
  accountIds: string[];
  /** YYYY-MM-DD, inclusive. */
  fromDay: string;
  toDay: string;
  /** Lower-cased; all senders when absent. */
  username?: string;
}

export interface RollupSum {
  account_id: string;
  username: string;
  day: string;
  event: string;
  count: number;
}

export function statsRepository(db: Kysely<Database>) {
  const base = (q: RollupQuery) => {
    let query = db
      .selectFrom('event_rollups')
      .where('account_id', 'in', q.accountIds)
      .where('day', '>=', q.fromDay)
      .where('day', '<=', q.toDay);
    if (q.username !== undefined) query = query.where(sql`lower(username)`, '=', q.username);
    return query;
  };
  return {
    /** Sums per event over the range. */
    async totals(q: RollupQuery): Promise<Map<string, number>> {
      const rows = await base(q)
        .select(['event', sql<string>`sum(count)`.as('n')])
        .groupBy('event')
        .execute();
      return new Map(rows.map((r) => [r.event, Number(r.n)]));
    },

    /** Sums per account, sender, day and event (history and charts). */
    async rows(q: RollupQuery): Promise<RollupSum[]> {
      const rows = await base(q)
        .select(['account_id', 'username', 'day', 'event', sql<string>`sum(count)`.as('n')])
        .groupBy(['account_id', 'username', 'day', 'event'])
        .execute();
      return rows.map((r) => ({ ...r, count: Number(r.n) }));
    },
  };
}

export type StatsRepository = ReturnType<typeof statsRepository>;
