// What is written alongside activity events (SPEC §1.7, §8): the header facts of each accepted message
// (one row per message, joined to its events by activity/search) and the per-day rollups that the
// statistics endpoints read. Called from the one place events are inserted, in the same batch.
import { sql, type Insertable, type Kysely } from 'kysely';
import type { Database } from '../tables.js';

/** Header facts of an accepted message, carried by its `processed` events. */
export interface EventMessage {
  fromAddress: string;
  fromFull: string;
  to: string;
  cc: string;
  bcc: string;
  replyTo: string;
  recipients: string[];
  byteSize: number;
  headers: string;
}

interface FactSource {
  accountId: string;
  event: string;
  date?: Date;
  emailId: string;
  username: string;
  reason?: string | null;
  message?: EventMessage;
}

/** The UTC day of an event, as rollups key it. */
export function rollupDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The rollup key of an event: its name, and for `rejected` its reason too ("rejected:suppressed"). */
export function rollupEvent(event: string, reason?: string | null): string {
  return event === 'rejected' && reason ? `rejected:${reason}` : event;
}

export async function recordEventFacts(db: Kysely<Database>, events: FactSource[]): Promise<void> {
  const messages = new Map<string, Insertable<Database['event_messages']>>();
  const counts = new Map<
    string,
    { account_id: string; username: string; day: string; event: string; count: number }
  >();
  for (const e of events) {
    if (e.message && !messages.has(e.emailId)) {
      const m = e.message;
      messages.set(e.emailId, {
        email_id: e.emailId,
        account_id: e.accountId,
        from_address: m.fromAddress,
        from_full: m.fromFull,
        to_header: m.to,
        cc_header: m.cc,
        bcc_header: m.bcc,
        reply_to: m.replyTo,
        recipients: JSON.stringify(m.recipients),
        byte_size: m.byteSize,
        headers: m.headers,
      });
    }
    const day = rollupDay(e.date ?? new Date());
    const event = rollupEvent(e.event, e.reason);
    const key = JSON.stringify([e.accountId, e.username, day, event]);
    const row = counts.get(key);
    if (row) row.count += 1;
    else counts.set(key, { account_id: e.accountId, username: e.username, day, event, count: 1 });
  }
  if (messages.size > 0) {
    await db
      .insertInto('event_messages')
      .values([...messages.values()])
      .onConflict((oc) => oc.column('email_id').doNothing())
      .execute();
  }
  if (counts.size > 0) {
    await db
      .insertInto('event_rollups')
      .values([...counts.values()])
      .onConflict((oc) =>
        oc
          .columns(['account_id', 'day', 'username', 'event'])
          .doUpdateSet({ count: sql`event_rollups.count + excluded.count` }),
      )
      .execute();
  }
}
