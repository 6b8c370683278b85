// PETREL_EVENT_RETENTION_DAYS: activity events older than the retention are removed by the hourly
// retention pass — whole day partitions dropped on PostgreSQL, bounded delete batches on SQLite (so
// intake's writes interleave with the purge). The per-day rollups behind /stats are kept.
import { setImmediate as yieldToIntake } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import type { Store } from '../database.js';
import type { Database } from '../tables.js';
import {
  DEFAULT_PARTITION,
  dropPartitionsBefore,
  ensurePartitions,
  upcomingDays,
  utcDay,
} from './partitions.js';

/** Day partitions kept ready ahead of the clock, so a node down for a few days still writes to its own. */
export const PARTITIONS_AHEAD_DAYS = 7;
/** Rows per delete statement: short enough for a writer waiting on SQLite's lock to go in between. */
export const PURGE_BATCH = 5_000;

export interface EventPurge {
  /** The first UTC day kept (YYYY-MM-DD): everything dated before it is gone. */
  cutoffDay: string;
  droppedPartitions: string[];
  deletedEvents: number;
  deletedMessages: number;
}

/** The smallest sortable id minted at or after `ms` (ids start with their time in base36, 9 digits). */
function idFloor(ms: number): string {
  return ms.toString(36).padStart(9, '0');
}

/** Deletes `select` batch after batch until a batch comes back short; returns the rows deleted. */
async function inBatches(run: () => Promise<bigint | number>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = Number(await run());
    total += n;
    if (n < PURGE_BATCH) return total;
    await yieldToIntake();
  }
}

async function purgeSqliteEvents(db: Kysely<Database>, floor: string): Promise<number> {
  // Event ids begin with the event's time, so the primary key finds the old rows without a date index.
  return inBatches(async () => {
    const r = await db
      .deleteFrom('events')
      .where('id', 'in', (eb) =>
        eb.selectFrom('events').select('id').where('id', '<', floor).limit(PURGE_BATCH),
      )
      .executeTakeFirst();
    return r.numDeletedRows;
  });
}

async function purgePostgresEvents(db: Kysely<Database>, cutoffDay: string): Promise<string[]> {
  const dropped = await dropPartitionsBefore(db, cutoffDay);
  // Rows that landed in the default partition (their day had no partition yet) are deleted row-wise.
  await inBatches(async () => {
    const r = await sql`delete from ${sql.id(DEFAULT_PARTITION)} where ctid in
      (select ctid from ${sql.id(DEFAULT_PARTITION)} where date < ${cutoffDay} limit ${PURGE_BATCH})`.execute(
      db,
    );
    return r.numAffectedRows ?? 0n;
  });
  return dropped;
}

/**
 * One retention pass: makes the coming days' partitions (PostgreSQL), then removes the events, and the
 * header facts of the messages, from before the cutoff day.
 */
export async function purgeExpiredEvents(
  store: Store,
  retentionDays: number,
  now = new Date(),
): Promise<EventPurge> {
  const { db } = store;
  const cutoffDay = utcDay(now, -retentionDays);
  const floor = idFloor(Date.parse(`${cutoffDay}T00:00:00.000Z`));
  let droppedPartitions: string[] = [];
  let deletedEvents = 0;
  if (store.dialect === 'postgres') {
    await ensurePartitions(db, upcomingDays(now, PARTITIONS_AHEAD_DAYS));
    droppedPartitions = await purgePostgresEvents(db, cutoffDay);
  } else {
    deletedEvents = await purgeSqliteEvents(db, floor);
  }
  // Message ids are minted at acceptance: a message's facts go with its `processed` events.
  const deletedMessages = await inBatches(async () => {
    const r = await db
      .deleteFrom('event_messages')
      .where('email_id', 'in', (eb) =>
        eb.selectFrom('event_messages').select('email_id').where('email_id', '<', floor).limit(PURGE_BATCH),
      )
      .executeTakeFirst();
    return r.numDeletedRows;
  });
  return { cutoffDay, droppedPartitions, deletedEvents, deletedMessages };
}
