// The SQLite surface Petrel uses, whichever driver provides it (see driver.ts): the subset of
// better-sqlite3's Database that the spool's queue database and Kysely's SqliteDialect call. On
// better-sqlite3 it is the driver's own object; on node:sqlite, NodeSqliteConnection provides it.

export interface SqliteRunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

/**
 * A prepared statement. Parameters bind as in better-sqlite3: positional values (or one array of
 * them) for `?`, or one object for named parameters (`@name`, `:name`, `$name`).
 */
export interface SqliteStatement<P extends unknown[] = unknown[], R = unknown> {
  /** True when the statement returns rows (a SELECT, a PRAGMA that reports, RETURNING). */
  readonly reader: boolean;
  run(...params: P): SqliteRunResult;
  get(...params: P): R | undefined;
  all(...params: P): R[];
  iterate(...params: P): IterableIterator<R>;
}

export interface SqliteConnection {
  /** True while a transaction is open on this connection. */
  readonly inTransaction: boolean;
  prepare<P extends unknown[] | object = unknown[], R = unknown>(
    sql: string,
  ): SqliteStatement<P extends unknown[] ? P : [P], R>;
  /** Runs one or more statements without results. */
  exec(sql: string): unknown;
  /** `PRAGMA <source>`: the rows it reports, or with `simple` the first column of the first row. */
  pragma(source: string, options?: { simple?: boolean }): unknown;
  /**
   * Wraps `fn` in a transaction: BEGIN … COMMIT, or a savepoint when one is already open; a throw
   * rolls back what `fn` did and rethrows. `fn` must be synchronous.
   */
  transaction<A extends unknown[], T>(fn: (...args: A) => T): (...args: A) => T;
  close(): void;
}

export type SqliteDriverName = 'node:sqlite' | 'better-sqlite3';

export interface OpenSqliteOptions {
  readonly?: boolean;
}
