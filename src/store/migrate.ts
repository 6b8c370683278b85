// Versioned migrations, compiled into the build (no directory scan), so `petrel migrate` works from dist/.
import { Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import type { Store } from './database.js';
import * as m001 from './migrations/001-control-plane.js';
import * as m002 from './migrations/002-sending-limits.js';
import * as m003 from './migrations/003-events-suppressions.js';
import * as m004 from './migrations/004-secrets.js';
import * as m005 from './migrations/005-archive.js';
import * as m006 from './migrations/006-api-request-counts.js';
import * as m008 from './migrations/008-sender-domains.js';
import * as m010 from './migrations/010-webhooks.js';
import * as m011 from './migrations/011-restrictions.js';
import * as m012 from './migrations/012-parity.js';
import * as m013 from './migrations/013-templates.js';
import * as m014 from './migrations/014-scheduled-emails.js';
import * as m016 from './migrations/016-events-scale.js';
import * as m019 from './migrations/019-ed25519-node-heartbeats.js';

const MIGRATIONS: Record<string, Migration> = {
  '001-control-plane': m001,
  '002-sending-limits': m002,
  '003-events-suppressions': m003,
  '004-secrets': m004,
  '005-archive': m005,
  '006-api-request-counts': m006,
  '008-sender-domains': m008,
  '010-webhooks': m010,
  '011-restrictions': m011,
  '012-parity': m012,
  '013-templates': m013,
  '014-scheduled-emails': m014,
  '016-events-scale': m016,
  '019-ed25519-node-heartbeats': m019,
};

const provider: MigrationProvider = { getMigrations: () => Promise.resolve(MIGRATIONS) };

export interface MigrationReport {
  applied: string[];
}

/** Applies every pending migration; throws with the failing migration's name if one fails. */
export async function migrateToLatest(store: Store): Promise<MigrationReport> {
  // Kysely looks for its bookkeeping tables in every schema unless told one; with several schemas in one
  // database (tests, or nodes sharing a server) it would find another schema's and skip creating its own.
  const schema =
    store.dialect === 'postgres'
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(store.db)).rows[0]?.schema
      : undefined;
  const migrator = new Migrator({
    db: store.db,
    provider,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error !== undefined || failed) {
    const name = failed ? ` '${failed.migrationName}'` : '';
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Database migration${name} failed: ${reason}`);
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
