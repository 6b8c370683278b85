// The Ed25519 second DKIM key of sender domains (RFC 8463; null on older domains until re-added) and the
// node heartbeats that `petrel status` lists (one row per node: its last `seen_at` and delivery counts).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sender_domains').addColumn('ed25519_selector', 'text').execute();
  await db.schema.alterTable('sender_domains').addColumn('ed25519_private_sealed', 'text').execute();
  await db.schema.alterTable('sender_domains').addColumn('ed25519_public', 'text').execute();
  await db.schema
    .alterTable('sender_domains')
    .addColumn('ed25519_verified', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('sender_domains')
    .addColumn('ed25519_status', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema
    .createTable('node_heartbeats')
    .addColumn('node_id', 'text', (c) => c.primaryKey())
    .addColumn('hostname', 'text', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('seen_at', 'text', (c) => c.notNull())
    .addColumn('delivered_1m', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('delivered_5m', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('deferred_5m', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('bounced_5m', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('node_heartbeats').execute();
  for (const column of [
    'ed25519_status',
    'ed25519_verified',
    'ed25519_public',
    'ed25519_private_sealed',
    'ed25519_selector',
  ])
    await db.schema.alterTable('sender_domains').dropColumn(column).execute();
}
