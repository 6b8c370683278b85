// The one place that decides which SQLite driver Petrel uses, for the control-plane database and the
// spool's queue database alike: Node's built-in node:sqlite where the running Node has it without a
// flag (22.16+, 24), better-sqlite3 (an optional dependency, loaded only then) elsewhere (Node 20).
// See docs/runtime.md.
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import type { OpenSqliteOptions, SqliteConnection, SqliteDriverName } from './connection.js';
import { NodeSqliteConnection, type NodeSqliteModule } from './node-sqlite.js';

export type { SqliteConnection, SqliteDriverName, SqliteStatement } from './connection.js';

export interface SqliteDriver {
  name: SqliteDriverName;
  open(path: string, options?: OpenSqliteOptions): SqliteConnection;
}

const require = createRequire(import.meta.url);

/** node:sqlite when it loads without a flag and has what the adapter needs, else undefined. */
function loadNodeSqlite(): NodeSqliteModule | undefined {
  // Node 22 announces the module as experimental on load; Petrel chose it knowingly, so that one
  // warning is not passed on (every other warning is).
  const original = Reflect.get(process, 'emitWarning') as (...args: unknown[]) => void;
  process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (rest[0] === 'ExperimentalWarning' && /SQLite/i.test(text)) return;
    Reflect.apply(original, process, [warning, ...rest]);
  };
  try {
    const sqlite = require('node:sqlite') as NodeSqliteModule;
    // StatementSync.columns() (22.16, 23.11) tells a statement that returns rows from one that does
    // not, which Kysely needs; DatabaseSync.isTransaction came in the same releases.
    return typeof (sqlite.StatementSync.prototype as { columns?: unknown }).columns === 'function'
      ? sqlite
      : undefined;
  } catch {
    return undefined; // Node 20, or Node 22 before node:sqlite was unflagged
  } finally {
    Reflect.set(process, 'emitWarning', original);
  }
}

function loadBetterSqlite3(): typeof BetterSqlite3 {
  try {
    return require('better-sqlite3') as typeof BetterSqlite3;
  } catch (err) {
    throw new Error(
      `Node ${process.version} has no usable node:sqlite, and the better-sqlite3 module (an optional ` +
        `dependency, needed on Node 20) could not be loaded: ${(err as Error).message}. ` +
        'Run `npm install` on this Node, or use Node 22 or 24.',
      { cause: err },
    );
  }
}

function choose(): SqliteDriver {
  const nodeSqlite = loadNodeSqlite();
  if (nodeSqlite) {
    return {
      name: 'node:sqlite',
      open: (path, options = {}) =>
        new NodeSqliteConnection(new nodeSqlite.DatabaseSync(path, { readOnly: options.readonly === true })),
    };
  }
  const Database = loadBetterSqlite3();
  return {
    name: 'better-sqlite3',
    // better-sqlite3's Database is the surface SqliteConnection describes (it is a subset of it).
    open: (path, options = {}) =>
      new Database(path, { readonly: options.readonly === true }) as unknown as SqliteConnection,
  };
}

let driver: SqliteDriver | undefined;

/** The driver for this process, chosen once. */
export function sqliteDriver(): SqliteDriver {
  driver ??= choose();
  return driver;
}

/**
 * Page cache per connection, in KiB (SQLite's `cache_size` takes a negative number as KiB). SQLite's
 * own default is 2 MiB; better-sqlite3 builds SQLite with 16 MiB, which a worker's two connections
 * fill under load with pages the operating system's cache (and the store's memory map) holds anyway.
 * At 2 MiB a node of two workers peaked 10-30 MiB lower in the intake benchmark (docs/memory.md).
 */
export const SQLITE_PAGE_CACHE_KIB = 2000;

/** Opens (creating unless readonly) a SQLite database file with this process's driver. */
export function openSqliteDatabase(path: string, options?: OpenSqliteOptions): SqliteConnection {
  const connection = sqliteDriver().open(path, options);
  // The same page cache whichever driver opened it (node:sqlite keeps SQLite's default).
  connection.pragma(`cache_size = -${SQLITE_PAGE_CACHE_KIB}`);
  return connection;
}

/** What `petrel serve` logs at start: the runtime, the driver and the SQLite library's version. */
export function sqliteRuntime(): { node: string; sqliteDriver: SqliteDriverName; sqliteVersion: string } {
  const { name } = sqliteDriver();
  const db = openSqliteDatabase(':memory:');
  try {
    const row = db.prepare<[], { v: string }>('SELECT sqlite_version() AS v').get();
    return { node: process.version, sqliteDriver: name, sqliteVersion: row?.v ?? 'unknown' };
  } finally {
    db.close();
  }
}
