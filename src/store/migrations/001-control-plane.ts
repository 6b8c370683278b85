// Accounts, API keys and SMTP users.
import type { CreateTableBuilder, Kysely } from 'kysely';

/** The per-sender settings columns that SMTP users and API keys share (SPEC §1.3, §1.6). */
export function withSendingSettings<T extends string>(table: CreateTableBuilder<T>): CreateTableBuilder<T> {
  return table
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('allowed'))
    .addColumn('custom_ratelimit', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('custom_ratelimit_value', 'integer')
    .addColumn('custom_ratelimit_period', 'text')
    .addColumn('custom_ratelimit_seconds', 'integer')
    .addColumn('ip_pool', 'integer')
    .addColumn('feedback_enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('feedback_domain', 'text', (c) => c.notNull().defaultTo('default'))
    .addColumn('feedback_html', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('feedback_text', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('open_tracking_enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('click_tracking_enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('archive_enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('audit_email', 'text')
    .addColumn('bounce_notifications', 'text', (c) => c.notNull().defaultTo('from'));
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('parent_id', 'text', (c) => c.references('accounts.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('monthly_limit', 'integer')
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('closed_at', 'text')
    .execute();
  await db.schema.createIndex('accounts_parent').on('accounts').column('parent_id').execute();

  await withSendingSettings(
    db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
      .addColumn('key_hash', 'text', (c) => c.notNull().unique())
      .addColumn('key_prefix', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('endpoints', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull()),
  ).execute();
  await db.schema.createIndex('api_keys_account').on('api_keys').column('account_id').execute();

  await withSendingSettings(
    db.schema
      .createTable('smtp_users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
      .addColumn('username', 'text', (c) => c.notNull())
      .addColumn('username_lower', 'text', (c) => c.notNull().unique())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull()),
  ).execute();
  await db.schema
    .createIndex('smtp_users_account_username')
    .on('smtp_users')
    .columns(['account_id', 'username_lower'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('smtp_users').execute();
  await db.schema.dropTable('api_keys').execute();
  await db.schema.dropTable('accounts').execute();
}
