// Scheduled emails (SPEC §8): the control plane's index of messages held in the nodes' spools. The state
// moves once, atomically: 'scheduled' → 'sent' (the owning node releases it) or → 'removed' (any node,
// through the API); whichever comes first wins, so a removed message never goes and a sent one is not
// reported as removed.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, ScheduledEmailsTable } from '../tables.js';

export type ScheduledEmailRow = Selectable<ScheduledEmailsTable>;

export interface ScheduledSearch {
  accountId: string;
  scheduleId?: string;
  /** Substrings (case-insensitive) of the subject, the recipients and the sender. */
  subject?: string;
  recipient?: string;
  sender?: string;
  offset: number;
  limit: number;
}

export type RemoveOutcome = 'removed' | 'sent' | 'already-removed' | 'unknown';

function like(value: string) {
  return `%${value.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function scheduledEmailsRepository(db: Kysely<Database>) {
  return {
    async insert(row: ScheduledEmailRow): Promise<void> {
      await db.insertInto('scheduled_emails').values(row).execute();
    },

    /** Forgets a row whose message could not be spooled (nothing was scheduled after all). */
    async forget(scheduleId: string): Promise<void> {
      await db.deleteFrom('scheduled_emails').where('schedule_id', '=', scheduleId).execute();
    },

    /** Messages of the account still held (for the per-account cap). */
    async countHeld(accountId: string): Promise<number> {
      const row = await db
        .selectFrom('scheduled_emails')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('account_id', '=', accountId)
        .where('state', '=', 'scheduled')
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    /** The account's messages still held, soonest first. */
    async search(s: ScheduledSearch): Promise<ScheduledEmailRow[]> {
      let q = db
        .selectFrom('scheduled_emails')
        .selectAll()
        .where('account_id', '=', s.accountId)
        .where('state', '=', 'scheduled');
      if (s.scheduleId !== undefined) q = q.where('schedule_id', '=', s.scheduleId);
      const contains = { subject: s.subject, recipients: s.recipient, sender: s.sender };
      for (const [column, value] of Object.entries(contains)) {
        if (value === undefined || value === '') continue;
        q = q.where(sql`lower(${sql.ref(column)})`, 'like', sql`${like(value)} escape '\\'`);
      }
      return q.orderBy('schedule_at').orderBy('schedule_id').offset(s.offset).limit(s.limit).execute();
    },

    /** Removes a held message of the account; says why not when it cannot. */
    async remove(accountId: string, scheduleId: string): Promise<RemoveOutcome> {
      const result = await db
        .updateTable('scheduled_emails')
        .set({ state: 'removed' })
        .where('schedule_id', '=', scheduleId)
        .where('account_id', '=', accountId)
        .where('state', '=', 'scheduled')
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) > 0) return 'removed';
      const row = await db
        .selectFrom('scheduled_emails')
        .select('state')
        .where('schedule_id', '=', scheduleId)
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      if (!row) return 'unknown';
      return row.state === 'sent' ? 'sent' : 'already-removed';
    },

    /**
     * The owning node, as the message comes due: true when it may go (now marked sent), false when it
     * was removed. A message whose row is missing goes: the spool, not the index, is what was promised.
     */
    async release(scheduleId: string): Promise<boolean> {
      await db
        .updateTable('scheduled_emails')
        .set({ state: 'sent' })
        .where('schedule_id', '=', scheduleId)
        .where('state', '=', 'scheduled')
        .execute();
      const row = await db
        .selectFrom('scheduled_emails')
        .select('state')
        .where('schedule_id', '=', scheduleId)
        .executeTakeFirst();
      return row?.state !== 'removed';
    },
  };
}

export type ScheduledEmailsRepository = ReturnType<typeof scheduledEmailsRepository>;
