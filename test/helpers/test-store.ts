// A migrated store for tests below the API: SQLite in a temp dir, or PostgreSQL in its own schema when
// PETREL_TEST_DATABASE_URL is set (the same switch as startTestNode).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createSchema, dropSchema, TEST_DATABASE_URL } from './node.js';

export interface TestStore {
  store: Store;
  close(): Promise<void>;
}

export async function openTestStore(): Promise<TestStore> {
  const dataDir = mkdtempSync(join(tmpdir(), 'petrel-store-'));
  const schema = TEST_DATABASE_URL ? await createSchema() : undefined;
  const store = openStore({
    dataDir,
    databaseUrl: TEST_DATABASE_URL,
    ...(schema ? { pgSchema: schema } : {}),
  });
  await migrateToLatest(store);
  return {
    store,
    async close() {
      await store.close();
      if (schema) await dropSchema(schema);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
