// SMTP2GO parity (SPEC §1.7, §8): the header facts of each message that activity/search answers with,
// manual and domain suppressions with their description, and per-day statistics kept as events are
// written (rollups, so /stats answers do not recount the events table).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('event_messages')
    // One row per accepted message, written with its `processed` events.
    .addColumn('email_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('from_address', 'text', (c) => c.notNull())
    .addColumn('from_full', 'text', (c) => c.notNull())
    .addColumn('to_header', 'text', (c) => c.notNull())
    .addColumn('cc_header', 'text', (c) => c.notNull())
    .addColumn('bcc_header', 'text', (c) => c.notNull())
    .addColumn('reply_to', 'text', (c) => c.notNull())
    // JSON list of the envelope recipients.
    .addColumn('recipients', 'text', (c) => c.notNull())
    .addColumn('byte_size', 'bigint', (c) => c.notNull())
    // The header block as accepted (bounded), for include_headers and custom_headers.
    .addColumn('headers', 'text', (c) => c.notNull())
    .execute();

  // '' unless given by /suppression/add (or the CLI, or the console).
  await db.schema.alterTable('suppressions').addColumn('block_description', 'text').execute();
  await db.schema
    .createIndex('suppressions_account_created')
    .on('suppressions')
    .columns(['account_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('event_rollups')
    // Counts per account, sender (username), UTC day and event name; bumped in the same write as events.
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('event_rollups_pk', ['account_id', 'day', 'username', 'event'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('event_rollups').execute();
  await db.schema.dropIndex('suppressions_account_created').execute();
  await db.schema.alterTable('suppressions').dropColumn('block_description').execute();
  await db.schema.dropTable('event_messages').execute();
}
