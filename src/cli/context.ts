// What the commands share: a session on the store, opened, migrated and closed around one command's
// work (the configuration is cli/config.ts).
import { existsSync } from 'node:fs';
import type { Config } from '../config/load.js';
import { apiException } from '../domain/errors.js';
import { createOperationsDeps, type OperationsDeps } from '../operations/context.js';
import { openStore, type Store } from '../store/database.js';
import { migrateToLatest, type MigrationReport } from '../store/migrate.js';
import type { AccountRow } from '../store/repositories/accounts.js';
import { createCommandLogger } from './log.js';

export interface Session {
  store: Store;
  ops: OperationsDeps;
  /** The migrations this session applied on opening (usually none). */
  migrations: MigrationReport;
}

export interface SessionOptions {
  /**
   * init and migrate may create the data directory; the other commands refuse a missing one, so that a
   * mistyped PETREL_DATA_DIR does not quietly create an empty installation.
   */
  createDataDir: boolean;
}

/** Runs `work` with the store open and migrated (as `serve` does), and always closes the store. */
export async function withSession<T>(
  config: Config,
  options: SessionOptions,
  work: (session: Session) => Promise<T>,
): Promise<T> {
  if (!options.createDataDir && config.databaseUrl === null && !existsSync(config.dataDir)) {
    throw apiException(
      `The data directory '${config.dataDir}' does not exist; run 'petrel init' first or set PETREL_DATA_DIR`,
    );
  }
  const store = openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  try {
    const migrations = await migrateToLatest(store);
    const ops = createOperationsDeps(store, config.ipPools, createCommandLogger(config.logLevel));
    return await work({ store, ops, migrations });
  } finally {
    await store.close();
  }
}

/** The account a command acts as: the one named by --account, or the master account. */
export async function resolveAccount(ops: OperationsDeps, id: string | undefined): Promise<AccountRow> {
  if (id === undefined) {
    const master = await ops.repos.accounts.findMaster();
    if (!master) throw apiException("There is no master account yet; run 'petrel init' first");
    return master;
  }
  const account = await ops.repos.accounts.findById(id);
  if (!account) throw apiException(`There is no account '${id}'`);
  return account;
}
