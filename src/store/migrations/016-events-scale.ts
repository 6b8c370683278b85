// Events at scale (issue 16): on PostgreSQL the events table becomes partitioned by UTC day (the primary
// key gains the partition key, `date`); on both dialects an index serves whole-address recipient
// searches, and the distinct recipients of each account are kept to turn substring searches into it.
import { PostgresAdapter, sql, type Kysely } from 'kysely';
import { DEFAULT_PARTITION, ensurePartitions, upcomingDays } from '../events/partitions.js';

const COLUMNS = sql`
  id text not null, account_id text not null, event text not null, date text not null,
  email_id text not null, username text not null, sender text not null, recipient text not null,
  subject text not null, reason text, smtp_response text, host text, url text, user_agent text, ip text`;

function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

async function createSearchIndexes(db: Kysely<unknown>): Promise<void> {
  await sql`create index events_account_recipient on events (account_id, lower(recipient), id)`.execute(db);
  await sql`create table event_recipients (account_id text not null, recipient text not null, primary key (account_id, recipient))`.execute(
    db,
  );
  await sql`insert into event_recipients (account_id, recipient)
    select distinct account_id, lower(recipient) from events`.execute(db);
}

async function partitionEvents(db: Kysely<unknown>): Promise<void> {
  await sql`create table events_new (${COLUMNS}, constraint events_pk primary key (id, date)) partition by range (date)`.execute(
    db,
  );
  await sql`create table ${sql.id(DEFAULT_PARTITION)} partition of events_new default`.execute(db);
  const { rows } = await sql<{ day: string }>`select distinct substr(date, 1, 10) as day from events`.execute(
    db,
  );
  const days = new Set([...rows.map((r) => r.day), ...upcomingDays(new Date(), 7)]);
  await ensurePartitions(db, [...days].sort(), 'events_new');
  await sql`insert into events_new select * from events`.execute(db);
  await sql`drop table events`.execute(db);
  await sql`alter table events_new rename to events`.execute(db);
  await sql`create index events_account_id on events (account_id, id)`.execute(db);
  await sql`create index events_email_id on events (email_id)`.execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) await partitionEvents(db);
  await createSearchIndexes(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table event_recipients`.execute(db);
  await sql`drop index events_account_recipient`.execute(db);
  if (!isPostgres(db)) return;
  await sql`create table events_plain (${COLUMNS}, primary key (id))`.execute(db);
  await sql`insert into events_plain select * from events`.execute(db);
  await sql`drop table events`.execute(db);
  await sql`alter table events_plain rename to events`.execute(db);
  await sql`alter index events_plain_pkey rename to events_pkey`.execute(db);
  await sql`create index events_account_id on events (account_id, id)`.execute(db);
  await sql`create index events_email_id on events (email_id)`.execute(db);
}
