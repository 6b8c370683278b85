// better-sqlite3's surface (connection.ts) over Node's built-in node:sqlite (DatabaseSync), so the
// spool's queue database and Kysely's SqliteDialect run on it unchanged. Rows come back as plain
// objects with BLOBs as Buffers, and errors carry better-sqlite3's `SQLITE_*` name in `code`.
import type { SqliteConnection, SqliteRunResult, SqliteStatement } from './connection.js';
import { sqliteCodeName } from './error-codes.js';

// The part of node:sqlite used here (@types/node for Node 20 does not declare the module).
export interface StatementSync {
  run(...params: unknown[]): SqliteRunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
  columns(): unknown[];
}

export interface DatabaseSync {
  readonly isTransaction: boolean;
  prepare(sql: string): StatementSync;
  exec(sql: string): void;
  close(): void;
}

export interface NodeSqliteModule {
  DatabaseSync: new (
    path: string,
    options?: { readOnly?: boolean; enableForeignKeyConstraints?: boolean },
  ) => DatabaseSync;
  StatementSync: { prototype: object };
}

/** Gives a node:sqlite error the `code` better-sqlite3 would have given it. */
function named(err: unknown): unknown {
  if (typeof err === 'object' && err !== null) {
    const { errcode } = err as { errcode?: unknown };
    if (typeof errcode === 'number') {
      Object.defineProperty(err, 'code', {
        value: sqliteCodeName(errcode),
        enumerable: true,
        configurable: true,
        writable: true,
      });
    }
  }
  return err;
}

function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw named(err);
  }
}

// better-sqlite3 binds an array argument as the list of positional values (Kysely passes one);
// node:sqlite would read it as an object of named parameters.
function bindable(params: unknown[]): unknown[] {
  return params.some(Array.isArray)
    ? params.flatMap((p): unknown[] => (Array.isArray(p) ? (p as unknown[]) : [p]))
    : params;
}

// node:sqlite rows have a null prototype and BLOBs as Uint8Array; Petrel expects plain objects and
// Buffers (a view on the same memory, not a copy).
function toRow(raw: unknown): unknown {
  if (raw === undefined || raw === null) return raw;
  const row: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    row[key] =
      value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value;
  }
  return row;
}

class NodeSqliteStatement implements SqliteStatement {
  readonly reader: boolean;

  constructor(private readonly stmt: StatementSync) {
    this.reader = stmt.columns().length > 0;
  }

  run(...params: unknown[]): SqliteRunResult {
    return call(() => this.stmt.run(...bindable(params)));
  }

  get(...params: unknown[]): unknown {
    return toRow(call(() => this.stmt.get(...bindable(params))));
  }

  all(...params: unknown[]): unknown[] {
    return call(() => this.stmt.all(...bindable(params))).map(toRow);
  }

  *iterate(...params: unknown[]): IterableIterator<unknown> {
    const rows = call(() => this.stmt.iterate(...bindable(params)));
    for (;;) {
      const next = call(() => rows.next());
      if (next.done === true) return;
      yield toRow(next.value);
    }
  }
}

export class NodeSqliteConnection implements SqliteConnection {
  constructor(private readonly db: DatabaseSync) {}

  get inTransaction(): boolean {
    return this.db.isTransaction;
  }

  prepare<P extends unknown[] | object = unknown[], R = unknown>(
    sql: string,
  ): SqliteStatement<P extends unknown[] ? P : [P], R> {
    const stmt = call(() => this.db.prepare(sql));
    return new NodeSqliteStatement(stmt) as unknown as SqliteStatement<P extends unknown[] ? P : [P], R>;
  }

  exec(sql: string): void {
    call(() => this.db.exec(sql));
  }

  pragma(source: string, options: { simple?: boolean } = {}): unknown {
    const stmt = this.prepare<[], Record<string, unknown>>(`PRAGMA ${source}`);
    if (!stmt.reader) {
      stmt.run();
      return options.simple === true ? undefined : [];
    }
    const rows = stmt.all();
    if (options.simple !== true) return rows;
    const first = rows[0];
    return first === undefined ? undefined : Object.values(first)[0];
  }

  // As better-sqlite3 does it: BEGIN … COMMIT at the outside, a savepoint inside an open transaction;
  // a throw undoes what fn did (and only that) and is rethrown.
  transaction<A extends unknown[], T>(fn: (...args: A) => T): (...args: A) => T {
    return (...args: A): T => {
      const nested = this.db.isTransaction;
      this.exec(nested ? 'SAVEPOINT petrel_tx' : 'BEGIN');
      try {
        const result = fn(...args);
        if (result instanceof Promise) throw new TypeError('a transaction function cannot return a promise');
        this.exec(nested ? 'RELEASE petrel_tx' : 'COMMIT');
        return result;
      } catch (err) {
        if (this.db.isTransaction) {
          if (nested) {
            this.exec('ROLLBACK TO petrel_tx');
            this.exec('RELEASE petrel_tx');
          } else {
            this.exec('ROLLBACK');
          }
        }
        throw err;
      }
    };
  }

  close(): void {
    this.db.close();
  }
}
