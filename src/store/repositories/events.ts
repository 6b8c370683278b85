// Activity events: written by intake, delivery and tracking on any node; searched newest first.
import type { Kysely, Selectable } from 'kysely';
import type { EventName } from '../../domain/schemas/activity.js';
import { newSortableId } from '../../security/sortable-id.js';
import type { Database, EventsTable } from '../tables.js';
import { enqueueWebhookCalls } from './webhook-calls.js';
import { recordEventFacts, type EventMessage } from './event-facts.js';
import { recordRecipients } from '../events/recipients.js';

export type { EventName } from '../../domain/schemas/activity.js';

export type EventRow = Selectable<EventsTable>;

export interface NewEvent {
  accountId: string;
  event: EventName;
  /** Defaults to now. */
  date?: Date;
  emailId: string;
  username: string;
  sender: string;
  recipient: string;
  subject: string;
  reason?: string | null;
  smtpResponse?: string | null;
  host?: string | null;
  url?: string | null;
  userAgent?: string | null;
  ip?: string | null;
  /** Header facts of the message (on `processed` events), kept once per message. */
  message?: EventMessage;
}

export interface EventSearch {
  accountId: string;
  startDate?: string;
  endDate?: string;
  username?: string;
  recipient?: string;
  sender?: string;
  emailId?: string;
  events?: string[];
  /** Paging: only events older than this id. */
  beforeId?: string | null;
  limit: number;
}

/** The row an event is stored as (also for tools and tests that write events in bulk). */
export function eventRow(e: NewEvent): EventRow {
  const date = e.date ?? new Date();
  return {
    id: newSortableId(date.getTime()),
    account_id: e.accountId,
    event: e.event,
    date: date.toISOString(),
    email_id: e.emailId,
    username: e.username,
    sender: e.sender,
    recipient: e.recipient,
    subject: e.subject,
    reason: e.reason ?? null,
    smtp_response: e.smtpResponse ?? null,
    host: e.host ?? null,
    url: e.url ?? null,
    user_agent: e.userAgent ?? null,
    ip: e.ip ?? null,
  };
}

/** Case-insensitive substring match, the same on both dialects. */
function containsLower(value: string): string {
  return `%${value.toLowerCase()}%`;
}

export function eventsRepository(db: Kysely<Database>) {
  return {
    async record(events: NewEvent[]): Promise<void> {
      if (events.length === 0) return;
      const rows = events.map(eventRow);
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('events').values(rows).execute();
        // So a recipient search can read whole addresses through an index (activity-search.ts).
        await recordRecipients(trx, rows);
        // Statistics rollups and message facts (SPEC §8), kept with the events they count.
        await recordEventFacts(trx, events);
        // Webhook calls owed for these events: written with them, so none is lost or invented (SPEC §7).
        await enqueueWebhookCalls(trx, rows);
      });
    },

    async search(s: EventSearch): Promise<EventRow[]> {
      let q = db.selectFrom('events').selectAll().where('account_id', '=', s.accountId);
      if (s.startDate) q = q.where('date', '>=', s.startDate);
      if (s.endDate) q = q.where('date', '<=', s.endDate);
      if (s.username) q = q.where((eb) => eb(eb.fn('lower', ['username']), '=', s.username!.toLowerCase()));
      if (s.recipient)
        q = q.where((eb) => eb(eb.fn('lower', ['recipient']), 'like', containsLower(s.recipient!)));
      if (s.sender) q = q.where((eb) => eb(eb.fn('lower', ['sender']), 'like', containsLower(s.sender!)));
      if (s.emailId) q = q.where('email_id', '=', s.emailId);
      if (s.events && s.events.length > 0) q = q.where('event', 'in', s.events);
      if (s.beforeId) q = q.where('id', '<', s.beforeId);
      return q.orderBy('id', 'desc').limit(s.limit).execute();
    },

    async forEmail(accountId: string, emailId: string): Promise<EventRow[]> {
      return db
        .selectFrom('events')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('email_id', '=', emailId)
        .orderBy('id')
        .execute();
    },

    /**
     * The `processed` events of a message, whatever its account: one per recipient it was accepted for.
     * The inbound listener (SPEC §6) knows only the message id a VERP token names.
     */
    async processedOf(emailId: string): Promise<EventRow[]> {
      return db
        .selectFrom('events')
        .selectAll()
        .where('email_id', '=', emailId)
        .where('event', '=', 'processed')
        .orderBy('id')
        .execute();
    },
  };
}

export type EventsRepository = ReturnType<typeof eventsRepository>;
