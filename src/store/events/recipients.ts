// Each account's distinct event recipients, kept as events are written: a recipient substring search
// first finds the (few) whole addresses containing it here, then reads their events through the
// (account_id, lower(recipient), id) index instead of scanning every event of the account.
import { PostgresAdapter, sql, type Kysely } from 'kysely';
import type { Database } from '../tables.js';

/** Beyond this many matching addresses the search scans events directly (as cheap, and bounded SQL). */
export const MAX_EXPANDED_RECIPIENTS = 500;

/** Records the recipients of new events; lower-cased by the database, as searches compare them. */
export async function recordRecipients(
  db: Kysely<Database>,
  events: readonly { account_id: string; recipient: string }[],
): Promise<void> {
  const distinct = new Map(events.map((e) => [`${e.account_id}\n${e.recipient}`, e]));
  // Sorted: concurrent writers then take the rows' locks in one order (no deadlock on PostgreSQL).
  const rows = [...distinct.keys()].sort().map((k) => distinct.get(k)!);
  if (rows.length === 0) return;
  await db
    .insertInto('event_recipients')
    .values(rows.map((e) => ({ account_id: e.account_id, recipient: sql<string>`lower(${e.recipient})` })))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/**
 * The whole addresses (lower-cased) of the accounts' events containing `value` (case-insensitively, as
 * `lower(recipient) LIKE '%value%'` does), or null when there are more than MAX_EXPANDED_RECIPIENTS.
 */
export async function expandRecipients(
  db: Kysely<Database>,
  accountIds: string[],
  value: string,
): Promise<string[] | null> {
  // The stored addresses are lower-cased already; a plain byte search is several times cheaper than
  // lower() and LIKE under PostgreSQL's collation, and finds the same rows (no wildcards to honour).
  const needle = value.toLowerCase();
  const position =
    db.getExecutor().adapter instanceof PostgresAdapter
      ? sql<number>`strpos(r.recipient, ${needle})`
      : sql<number>`instr(r.recipient, ${needle})`;
  const rows = await db
    .selectFrom('event_recipients as r')
    .select('r.recipient')
    .distinct()
    .where('r.account_id', 'in', accountIds)
    .where(position, '>', 0)
    .limit(MAX_EXPANDED_RECIPIENTS + 1)
    .execute();
  return rows.length > MAX_EXPANDED_RECIPIENTS ? null : rows.map((r) => r.recipient);
}
