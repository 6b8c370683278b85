// Prepared statements kept for reuse. Kysely's SqliteDialect prepares every query afresh, and preparing
// costs more than running the small indexed queries of the SMTP path (7 % of intake CPU in a profile of
// 2026-12-04); the same few SQL texts come back for every message, so each is prepared once.
import type { SqliteConnection, SqliteStatement } from './connection.js';

/** Distinct SQL texts kept; Petrel's queries are built from fixed shapes, so a few hundred cover them. */
const DEFAULT_CAPACITY = 500;

/**
 * `connection`, with `prepare` answered from a cache of statements by SQL text, the least recently used
 * dropped past `capacity`. Only for callers that never hold a statement mid-iteration while preparing
 * the same text again (Kysely runs one query at a time on its single SQLite connection, and Petrel
 * does not stream SQLite results).
 */
export function withStatementCache(
  connection: SqliteConnection,
  capacity = DEFAULT_CAPACITY,
): SqliteConnection {
  const statements = new Map<string, SqliteStatement>();
  const prepare = (sql: string): SqliteStatement => {
    let statement = statements.get(sql);
    if (statement) {
      statements.delete(sql); // re-inserted below: a Map iterates in insertion order, oldest first
    } else {
      statement = connection.prepare(sql);
      if (statements.size >= capacity) statements.delete(statements.keys().next().value as string);
    }
    statements.set(sql, statement);
    return statement;
  };
  return {
    get inTransaction() {
      return connection.inTransaction;
    },
    prepare: prepare as SqliteConnection['prepare'],
    exec: (sql) => connection.exec(sql),
    pragma: (source, options) => connection.pragma(source, options),
    transaction: (fn) => connection.transaction(fn),
    close: () => {
      statements.clear();
      connection.close();
    },
  };
}
