// Scheduled emails (SPEC §8): an index of the messages held in the nodes' spools until their time, so
// that /email/scheduled/search lists those of every node and /email/scheduled/remove works from any node.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('scheduled_emails')
    .addColumn('schedule_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    // 'scheduled' (held), 'sent' (released by its node), 'removed' (its node drops it when it comes due).
    .addColumn('state', 'text', (c) => c.notNull())
    // ISO 8601 UTC: when the message is to go.
    .addColumn('schedule_at', 'text', (c) => c.notNull())
    .addColumn('sender', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    // The envelope recipients, comma-separated, as the search answers them.
    .addColumn('recipients', 'text', (c) => c.notNull())
    .addColumn('client_ip', 'text', (c) => c.notNull())
    // PETREL_HOSTNAME of the node whose spool holds the message.
    .addColumn('node', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('scheduled_emails_account')
    .on('scheduled_emails')
    .columns(['account_id', 'state', 'schedule_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('scheduled_emails').execute();
}
