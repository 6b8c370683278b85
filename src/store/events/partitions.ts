// PostgreSQL keeps activity events in one partition per UTC day (declarative range partitioning on
// `date`), so retention drops whole days instead of deleting rows under intake's feet.
import { sql, type Kysely } from 'kysely';

const DAY_MS = 86_400_000;
/** Rows whose day has no partition (yet) land here instead of failing the write that carries them. */
export const DEFAULT_PARTITION = 'events_default';

/** `2026-12-04` → `events_p20261204`. */
export function partitionName(day: string): string {
  return `events_p${day.replaceAll('-', '')}`;
}

/** The UTC day `offset` days from `date`, as `YYYY-MM-DD`. */
export function utcDay(date: Date, offset = 0): string {
  return new Date(date.getTime() + offset * DAY_MS).toISOString().slice(0, 10);
}

function nextDay(day: string): string {
  return utcDay(new Date(`${day}T00:00:00.000Z`), 1);
}

/** The days that have their own partition, oldest first. */
export async function partitionDays<T>(db: Kysely<T>, parent = 'events'): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_inherits i
      join pg_class c on c.oid = i.inhrelid
      join pg_class p on p.oid = i.inhparent
      join pg_namespace n on n.oid = p.relnamespace
    where p.relname = ${parent} and n.nspname = current_schema()`.execute(db);
  return rows
    .map((r) => /^events_p(\d{4})(\d{2})(\d{2})$/.exec(r.name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]}-${m[2]}-${m[3]}`)
    .sort();
}

/**
 * Creates the partition of each day in `days` that has none. Rows of that day already in the default
 * partition (written before it existed) are moved into it, as PostgreSQL refuses the partition otherwise.
 */
export async function ensurePartitions<T>(db: Kysely<T>, days: string[], parent = 'events'): Promise<void> {
  const existing = new Set(await partitionDays(db, parent));
  for (const day of days) {
    if (existing.has(day)) continue;
    const name = sql.id(partitionName(day));
    const [from, to] = [day, nextDay(day)];
    const create = async (trx: Kysely<T>): Promise<void> => {
      // Creating a partition locks the parent: never queue intake behind a long search for more than
      // a moment (a pass that gives up retries an hour later, with days of partitions still ahead).
      // A migration (already in its transaction) waits as long as it must instead.
      if (!db.isTransaction) await sql`set local lock_timeout = '2s'`.execute(trx);
      // Another node may be doing the same: one at a time, and the loser sees the partition made.
      await sql`lock table ${sql.id(parent)} in share row exclusive mode`.execute(trx);
      if ((await partitionDays(trx, parent)).includes(day)) return;
      // Literals, not parameters: CREATE TABLE AS and partition bounds take no bind parameters.
      const stray = sql`${sql.id(DEFAULT_PARTITION)} where date >= ${sql.lit(from)} and date < ${sql.lit(to)}`;
      await sql`create temporary table events_moving as select * from ${stray}`.execute(trx);
      await sql`delete from ${stray}`.execute(trx);
      await sql`create table ${name} partition of ${sql.id(parent)} for values from (${sql.lit(from)}) to (${sql.lit(to)})`.execute(
        trx,
      );
      await sql`insert into ${sql.id(parent)} select * from events_moving`.execute(trx);
      await sql`drop table events_moving`.execute(trx);
    };
    // A migration calls this inside its own transaction; the retention job outside one.
    if (db.isTransaction) await create(db);
    else await db.transaction().execute(create);
  }
}

/** The partitions a writer needs soon: yesterday (late events) through `ahead` days from now. */
export function upcomingDays(now: Date, ahead: number): string[] {
  return Array.from({ length: ahead + 2 }, (_, i) => utcDay(now, i - 1));
}

/** Drops every day partition wholly older than `cutoffDay`; returns the days dropped. */
export async function dropPartitionsBefore<T>(db: Kysely<T>, cutoffDay: string): Promise<string[]> {
  const old = (await partitionDays(db)).filter((day) => day < cutoffDay);
  for (const day of old) {
    await db.transaction().execute(async (trx) => {
      // As when creating one: dropping a partition locks the parent, so briefly or not at all.
      await sql`set local lock_timeout = '2s'`.execute(trx);
      await sql`drop table if exists ${sql.id(partitionName(day))}`.execute(trx);
    });
  }
  return old;
}
