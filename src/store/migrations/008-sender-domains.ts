// Sender domains (SPEC §5): each domain's DKIM key (private half sealed with the secret box), its
// return-path and tracking subdomains and what the last DNS check found; and single sender emails.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sender_domains')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('domain', 'text', (c) => c.notNull().unique())
    .addColumn('dkim_selector', 'text', (c) => c.notNull())
    .addColumn('dkim_private_sealed', 'text', (c) => c.notNull())
    .addColumn('dkim_public', 'text', (c) => c.notNull())
    .addColumn('rpath_selector', 'text', (c) => c.notNull())
    .addColumn('tracking_subdomain', 'text', (c) => c.notNull())
    .addColumn('tracking_enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('dkim_verified', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('dkim_status', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('rpath_verified', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rpath_status', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('tracking_verified', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('tracking_status', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('spf_status', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('dmarc_status', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('subaccounts', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('future_subaccounts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('checked_at', 'text')
    .execute();
  await db.schema.createIndex('sender_domains_account').on('sender_domains').column('account_id').execute();
  await db.schema
    .createTable('single_sender_emails')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('email_address', 'text', (c) => c.notNull())
    .addColumn('verified', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('token_hash', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('verified_at', 'text')
    .addPrimaryKeyConstraint('single_sender_emails_pk', ['account_id', 'email_address'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('single_sender_emails').execute();
  await db.schema.dropTable('sender_domains').execute();
}
