// Opens the control-plane database: embedded SQLite in the data directory by default, PostgreSQL when
// a postgres:// URL is configured. Everything above this file uses the same Kysely<Database>.
import { loadWhenUsed } from '../load-when-used.js';
import { ensurePrivateDir, ensurePrivateFile, privatiseIfPresent } from '../security/private-files.js';
import { join } from 'node:path';
import type PgModule from 'pg';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDialectConfig,
} from 'kysely';
import { openSqliteDatabase } from './sqlite/driver.js';
import { withStatementCache } from './sqlite/statement-cache.js';
import type { Database } from './tables.js';
import { oncePerTurn, type StoreVersion } from './read-cache.js';

// Loaded only for PostgreSQL: a node on SQLite does not carry the driver (docs/memory.md).
const loadPg = loadWhenUsed<typeof PgModule>('pg');

export type DialectName = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: DialectName;
  /** Tells whether the database changed, for the lookups kept in memory (read-cache.ts); SQLite only. */
  version: StoreVersion | null;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  dataDir: string;
  databaseUrl: string | null;
  /** PostgreSQL schema to use instead of `public` (tests give each run its own). */
  pgSchema?: string;
}

export function openStore(options: OpenStoreOptions): Store {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.pgSchema);
  return openSqlite(options.dataDir);
}

function openSqlite(dataDir: string): Store {
  ensurePrivateDir(dataDir);
  const path = join(dataDir, 'petrel.db');
  // 0600 before SQLite opens it: its -wal and -shm files take the database file's mode (SPEC §10).
  ensurePrivateFile(path);
  // The driver (node:sqlite or better-sqlite3) is chosen in sqlite/driver.ts.
  const sqlite = openSqliteDatabase(path);
  sqlite.pragma('journal_mode = WAL');
  privatiseIfPresent([`${path}-wal`, `${path}-shm`]);
  // FULL: a committed control-plane change (a new user, a new key) survives power loss, not just a crash.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 5000');
  // Pages read through a memory map: when another process (a worker, docs/workers.md) commits, SQLite
  // drops this connection's page cache, and re-reading from the map costs no system calls.
  sqlite.pragma('mmap_size = 268435456');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }),
  });
  // Read outside Kysely: one statement, no query building, no wait for a transaction in progress.
  const changes = sqlite.prepare('select data_version as v, total_changes() as c from pragma_data_version');
  const version = oncePerTurn(() => {
    const row = changes.get() as { v: number; c: number };
    return `${row.v}.${row.c}`;
  });
  return { db, dialect: 'sqlite', version, close: () => db.destroy() };
}

/**
 * Transactions that take the write lock when they begin (BEGIN IMMEDIATE), waiting for it under
 * busy_timeout. With one process nothing changes; with several on one database file (PETREL_WORKERS,
 * docs/workers.md) a transaction that read first could otherwise fail at its first write with
 * SQLITE_BUSY, which no timeout retries, when another process wrote in between.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

function openPostgres(url: string, schema: string | undefined): Store {
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema))
    throw new Error(`bad schema name ${schema}`);
  const pg = loadPg();
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client that loses its server (a PostgreSQL restart) must not crash the process.
  pool.on('error', () => undefined);
  // Nor one checked out but between queries (the pool listens only to idle ones): pg emits 'error' on the
  // client itself. It is then unqueryable, its next query fails to the caller, and release discards it.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', version: null, close: () => db.destroy() };
}

/** True when err is a unique-constraint violation, in either dialect. */
export function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown };
  return (
    e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}
