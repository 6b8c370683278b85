// A node's data directory and control-plane database made ready: the directory private, the database
// migrated, stored secrets sealed. The supervisor of several workers does this once before starting
// them (docs/workers.md); it imports only this, not the whole node, to stay small (docs/memory.md).
import type { Logger } from 'pino';
import type { Config } from './config/settings.js';
import { privatiseTree } from './security/private-files.js';
import { loadSecretBox } from './security/secrets-key.js';
import { loadTlsCredentials } from './smtp/tls-credentials.js';
import { openStore, type Store } from './store/database.js';
import { migrateToLatest } from './store/migrate.js';
import { sealStoredSecrets, sharedSecret } from './store/repositories/secrets.js';

/** The control-plane database, migrated, with its secrets sealed and the tracking-link key read. */
export async function openPreparedStore(
  config: Config,
  pgSchema: string | undefined,
): Promise<{ store: Store; trackingSecret: Buffer }> {
  // Data directory private to the service user (SPEC §10), also what an older version left readable.
  privatiseTree(config.dataDir);
  const secretBox = await loadSecretBox(config);
  const store = openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, pgSchema });
  try {
    await migrateToLatest(store);
    await sealStoredSecrets(store.db, secretBox);
    // Signs tracking and unsubscribe links; shared through the database so any node can verify a link.
    return { store, trackingSecret: await sharedSecret(store.db, 'tracking-links', secretBox) };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/**
 * What the processes of a node share, made once before workers start (docs/workers.md): migrations,
 * the secrets key file and sealed secrets, and the generated TLS certificate.
 */
export async function prepareDataDir(config: Config, logger: Logger): Promise<void> {
  const { store } = await openPreparedStore(config, undefined);
  await store.close();
  await loadTlsCredentials(config, logger);
}
