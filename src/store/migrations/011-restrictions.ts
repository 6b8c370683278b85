// Access restrictions (SPEC §8 "Restrictions"): allowed senders and recipients, the IP allow lists of
// API keys and SMTP logins, and IP-authenticated senders — all shared by every node, read fresh per check.
import type { Kysely } from 'kysely';
import { withSendingSettings } from './001-control-plane.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per account and list ('senders', 'recipients'); no row = disabled.
  await db.schema
    .createTable('address_lists')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('list', 'text', (c) => c.notNull())
    // 'whitelist', 'blacklist' (senders only) or 'disabled'.
    .addColumn('mode', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('address_lists_pk', ['account_id', 'list'])
    .execute();
  // Lower-case addresses ('a@example.com') and bare domains ('example.com'), in the order added.
  await db.schema
    .createTable('address_list_entries')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('list', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('address_list_entries_pk', ['account_id', 'list', 'value'])
    .execute();

  // One row per account and type ('api', 'smtp'); no row = disabled.
  await db.schema
    .createTable('ip_allow_lists')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('ip_allow_lists_pk', ['account_id', 'type'])
    .execute();
  await db.schema
    .createTable('ip_allow_entries')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    // Canonical CIDR ('203.0.113.0/24', '2001:db8::/32'); a single address keeps its plain form.
    .addColumn('network', 'text', (c) => c.notNull())
    // First and last address as 32 hex digits, as in ip_auth_entries below.
    .addColumn('range_start', 'text', (c) => c.notNull())
    .addColumn('range_end', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('ip_allow_entries_pk', ['account_id', 'type', 'network'])
    .execute();

  // IP-authenticated senders: a network that sends without a login, with its own sending settings.
  await withSendingSettings(
    db.schema
      .createTable('ip_auth_entries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('network', 'text', (c) => c.notNull().unique())
      // The network's first and last address as 32 hex digits (IPv4 as IPv4-mapped IPv6), so that
      // "which entry holds this address" is one indexed range query on both dialects.
      .addColumn('range_start', 'text', (c) => c.notNull())
      .addColumn('range_end', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull()),
  ).execute();
  await db.schema
    .createIndex('ip_auth_entries_range')
    .on('ip_auth_entries')
    .columns(['range_start', 'range_end'])
    .execute();
  await db.schema
    .createIndex('ip_auth_entries_account')
    .on('ip_auth_entries')
    .columns(['account_id', 'range_start'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('ip_auth_entries').execute();
  await db.schema.dropTable('ip_allow_entries').execute();
  await db.schema.dropTable('ip_allow_lists').execute();
  await db.schema.dropTable('address_list_entries').execute();
  await db.schema.dropTable('address_lists').execute();
}
