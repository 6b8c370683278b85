// The mail path's lookups (the sender, its account, the address lists: several per message) answered from
// memory while the database has not changed. On SQLite each costs 10-50 µs even when it finds nothing,
// more with two workers, whose commits make the other's page cache stale (about a sixth of a worker's
// intake CPU on 2026-12-05; docs/workers.md "SQLite with several processes"). The database says whether it
// changed: a token that differs whenever a change was committed on another connection (PRAGMA
// data_version, any process) or made on this one (total_changes(), which also counts changes later rolled
// back: a needless miss, never a stale answer). PostgreSQL has no such token; its lookups are not cached.

/** Equal between two calls only if nothing in the database changed in between. */
export type StoreVersion = () => string;

/**
 * `read`, run at most once per turn of the event loop: every lookup of one turn shares one reading. A
 * write acknowledged before a client sent its next command (an API answer, then MAIL FROM) was committed
 * in an earlier turn, so the command's lookups see it.
 */
export function oncePerTurn(read: StoreVersion): StoreVersion {
  let current: string | null = null;
  const forget = () => {
    current = null;
  };
  return () => {
    if (current === null) {
      current = read();
      setImmediate(forget);
    }
    return current;
  };
}

/** Distinct arguments remembered per lookup; past that the cache starts over (a miss costs one query). */
const MAX_ENTRIES = 10_000;

/**
 * `query`, its answers kept (frozen, shared by every caller) for as long as `version` stays the same.
 * Without a version (PostgreSQL) it is `query` itself. The version is read before the query runs, so
 * an answer is never older than the version it is kept under.
 */
export function readThrough<R>(
  version: StoreVersion | null,
  query: (...args: string[]) => Promise<R[]>,
): (...args: string[]) => Promise<readonly R[]> {
  if (version === null) return query;
  let keptAt: string | null = null;
  const answers = new Map<string, readonly R[]>();
  return async (...args) => {
    const now = version();
    if (now !== keptAt) {
      answers.clear();
      keptAt = now;
    }
    const key = args.join('\u0000');
    const known = answers.get(key);
    if (known) return known;
    const rows = Object.freeze((await query(...args)).map((row) => Object.freeze(row)));
    if (keptAt === now) {
      if (answers.size >= MAX_ENTRIES) answers.clear();
      answers.set(key, rows);
    }
    return rows;
  };
}
