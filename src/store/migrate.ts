// Versioned migrations, compiled into the build (no directory scan), so `petrel migrate` works from dist/.
import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Store } from './database.js';
import * as m001 from './migrations/001-control-plane.js';

const MIGRATIONS: Record<string, Migration> = {
  '001-control-plane': m001,
};

const provider: MigrationProvider = { getMigrations: () => Promise.resolve(MIGRATIONS) };

export interface MigrationReport {
  applied: string[];
}

/** Applies every pending migration; throws with the failing migration's name if one fails. */
export async function migrateToLatest(store: Store): Promise<MigrationReport> {
  const migrator = new Migrator({ db: store.db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error !== undefined || failed) {
    const name = failed ? ` '${failed.migrationName}'` : '';
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Database migration${name} failed: ${reason}`);
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
