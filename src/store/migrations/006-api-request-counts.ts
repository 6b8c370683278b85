// Counters behind the API's request limits (SPEC §1.10, §10): requests per API key and failed
// authentications per client address, in 10-second buckets, shared by every node on the database.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('api_request_counts')
    // 'key' (an API key's id) or 'auth-failure' (a client address, IPv6 by its /64).
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    // Epoch milliseconds, hence bigint.
    .addColumn('bucket_start', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('api_request_counts_pk', ['scope', 'subject', 'bucket_start'])
    .execute();
  await db.schema
    .createIndex('api_request_counts_bucket_start')
    .on('api_request_counts')
    .column('bucket_start')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('api_request_counts').execute();
}
