// The archive index (SPEC §3.2): one row per archived message, shared by every node; the body itself
// stays on the disk of the node that accepted the message (`node`).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('archived_messages')
    // Petrel's message ids are unique across nodes and sort by acceptance time: newest first needs only this.
    .addColumn('email_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('sender', 'text', (c) => c.notNull())
    // A JSON list of the envelope recipients.
    .addColumn('recipients', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('node', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('archived_messages_account')
    .on('archived_messages')
    .columns(['account_id', 'email_id'])
    .execute();
  // The retention purge: each node looks for its own expired messages.
  await db.schema
    .createIndex('archived_messages_node_date')
    .on('archived_messages')
    .columns(['node', 'date'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('archived_messages').execute();
}
