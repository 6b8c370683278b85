// Secrets in the database are sealed under a key kept outside it (SPEC §10): the key file is created
// 0600 once and reused, PETREL_SECRETS_KEY replaces it, plain rows of an older Petrel are sealed on start,
// and a node holding another key stops with one clear line instead of using secrets it cannot read.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SecretBox } from '../../src/security/secret-box.js';
import { loadSecretBox } from '../../src/security/secrets-key.js';
import { openStore, type Store } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { sealStoredSecrets, sharedSecret } from '../../src/store/repositories/secrets.js';

describe('the secrets key', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'petrel-key-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the key file is created 0600 under umask 022, once, and reused', async () => {
    const umask = process.umask(0o022);
    try {
      const dataDir = join(dir, 'data');
      const first = await loadSecretBox({ dataDir, secretsKey: null });
      const path = join(dataDir, 'secrets.key');
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.equal(statSync(dataDir).mode & 0o777, 0o700);
      const text = readFileSync(path, 'utf8');
      const second = await loadSecretBox({ dataDir, secretsKey: null });
      assert.equal(readFileSync(path, 'utf8'), text);
      assert.equal(second.open(first.seal('x', 'n'), 'n').toString(), 'x');
    } finally {
      process.umask(umask);
    }
  });

  test('PETREL_SECRETS_KEY is used instead of the key file', async () => {
    const key = randomBytes(32);
    const box = await loadSecretBox({ dataDir: join(dir, 'unused'), secretsKey: key.toString('base64') });
    assert.equal(new SecretBox(key).open(box.seal('y', 'n'), 'n').toString(), 'y');
  });
});

describe('sealed rows (SQLite store)', () => {
  let dir: string;
  let store: Store;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'petrel-sealed-'));
    store = openStore({ dataDir: dir, databaseUrl: null });
    await migrateToLatest(store);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a plain row of an older Petrel is sealed on start and still reads the same', async () => {
    const plain = randomBytes(32);
    await store.db
      .insertInto('secrets')
      .values({ name: 'legacy', value: plain.toString('base64'), created_at: new Date().toISOString() })
      .execute();
    const box = new SecretBox(SecretBox.newKey());
    await sealStoredSecrets(store.db, box);
    const row = await store.db
      .selectFrom('secrets')
      .select('value')
      .where('name', '=', 'legacy')
      .executeTakeFirstOrThrow();
    assert.equal(SecretBox.isSealed(row.value), true);
    assert.deepEqual(await sharedSecret(store.db, 'legacy', box), plain);

    // Another key: start-up stops with one line naming the setting.
    const other = new SecretBox(SecretBox.newKey());
    await assert.rejects(() => sealStoredSecrets(store.db, other), {
      name: 'ConfigError',
      message:
        "Invalid configuration: PETREL_SECRETS_KEY cannot open the secret 'legacy' sealed in the database: this node's key is not the one that sealed it (nodes sharing a database must all be given the same PETREL_SECRETS_KEY)",
    });
  });
});
