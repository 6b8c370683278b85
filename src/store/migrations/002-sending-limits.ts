// Counters behind the SMTP sending limits: rolling-window rate-limit buckets per SMTP user (SPEC §2.4)
// and accepted recipients per account and calendar month (SPEC §1.6). Shared by every node on the database.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Times are epoch milliseconds, hence bigint: an int32 of seconds would end in 2038.
  await db.schema
    .createTable('sending_rate_buckets')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('bucket_start', 'bigint', (c) => c.notNull())
    .addColumn('bucket_end', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('sending_rate_buckets_pk', ['user_id', 'bucket_start'])
    .execute();

  await db.schema
    .createTable('monthly_recipient_counts')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('monthly_recipient_counts_pk', ['account_id', 'month'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('monthly_recipient_counts').execute();
  await db.schema.dropTable('sending_rate_buckets').execute();
}
