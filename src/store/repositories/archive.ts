// The archive index (SPEC §3.2): which archived message belongs to whom and lives on which node; searched
// newest first, and purged by each node for the bodies on its own disk.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { ArchivedMessagesTable, Database } from '../tables.js';

export interface ArchivedMessage {
  emailId: string;
  accountId: string;
  username: string;
  sender: string;
  recipients: string[];
  subject: string;
  /** ISO 8601, when the message was accepted. */
  date: string;
  size: number;
  /** The node whose disk holds the body. */
  node: string;
}

export interface ArchiveSearch {
  accountId: string;
  startDate?: string;
  endDate?: string;
  username?: string;
  recipient?: string;
  sender?: string;
  subject?: string;
  /** Paging: only messages older than this email id. */
  beforeId?: string | null;
  limit: number;
}

function fromRow(row: Selectable<ArchivedMessagesTable>): ArchivedMessage {
  let recipients: string[] = [];
  try {
    const parsed = JSON.parse(row.recipients) as unknown;
    if (Array.isArray(parsed)) recipients = parsed.filter((r): r is string => typeof r === 'string');
  } catch {
    // an unreadable list shows as none rather than failing the whole search
  }
  return {
    emailId: row.email_id,
    accountId: row.account_id,
    username: row.username,
    sender: row.sender,
    recipients,
    subject: row.subject,
    date: row.date,
    size: Number(row.size),
    node: row.node,
  };
}

/** `lower(column) LIKE '%value%'` with LIKE's wildcards in the value taken literally, on both dialects. */
function contains(column: keyof ArchivedMessagesTable, value: string) {
  const escaped = value.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
  return sql<boolean>`lower(${sql.ref(column)}) like ${`%${escaped}%`} escape '\\'`;
}

export function archiveRepository(db: Kysely<Database>) {
  return {
    /** Indexes a message; indexing one that is already there changes nothing. */
    async insert(m: ArchivedMessage): Promise<void> {
      await db
        .insertInto('archived_messages')
        .values({
          email_id: m.emailId,
          account_id: m.accountId,
          username: m.username,
          sender: m.sender,
          recipients: JSON.stringify(m.recipients),
          subject: m.subject,
          date: m.date,
          size: m.size,
          node: m.node,
        })
        .onConflict((oc) => oc.column('email_id').doNothing())
        .execute();
    },

    async find(accountId: string, emailId: string): Promise<ArchivedMessage | undefined> {
      const row = await db
        .selectFrom('archived_messages')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('email_id', '=', emailId)
        .executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },

    async search(s: ArchiveSearch): Promise<ArchivedMessage[]> {
      let q = db.selectFrom('archived_messages').selectAll().where('account_id', '=', s.accountId);
      if (s.startDate) q = q.where('date', '>=', s.startDate);
      if (s.endDate) q = q.where('date', '<=', s.endDate);
      if (s.username) q = q.where((eb) => eb(eb.fn('lower', ['username']), '=', s.username!.toLowerCase()));
      if (s.recipient) q = q.where(contains('recipients', s.recipient));
      if (s.sender) q = q.where(contains('sender', s.sender));
      if (s.subject) q = q.where(contains('subject', s.subject));
      if (s.beforeId) q = q.where('email_id', '<', s.beforeId);
      const rows = await q.orderBy('email_id', 'desc').limit(s.limit).execute();
      return rows.map(fromRow);
    },

    /** Up to `limit` messages whose body is on `node` and that were accepted before `before` (ISO). */
    async expired(node: string, before: string, limit: number): Promise<ArchivedMessage[]> {
      const rows = await db
        .selectFrom('archived_messages')
        .selectAll()
        .where('node', '=', node)
        .where('date', '<', before)
        .orderBy('date')
        .limit(limit)
        .execute();
      return rows.map(fromRow);
    },

    async remove(emailIds: string[]): Promise<number> {
      if (emailIds.length === 0) return 0;
      const result = await db
        .deleteFrom('archived_messages')
        .where('email_id', 'in', emailIds)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type ArchiveRepository = ReturnType<typeof archiveRepository>;
