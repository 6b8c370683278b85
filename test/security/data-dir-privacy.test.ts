// The data directory is private to the service user and secrets are sealed (SPEC §10): under umask 022
// every directory is 0700 and every file 0600 (databases with their -wal/-shm, the spool's queue, body
// and archive files, the TLS key and certificate, the lock, the key file); a copy of the database alone
// holds neither the tracking key nor anything that signs a link the node accepts.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openSqliteDatabase } from '../../src/store/sqlite/driver.js';
import { signToken } from '../../src/tracking/tokens.js';
import { TRACKING_PATHS } from '../../src/tracking/tracking-urls.js';
import {
  addSmtpUser,
  eventFor,
  plainMessage,
  receivedBy,
  startDeliveryWorld,
  submit,
  until,
  type DeliveryWorld,
} from '../e2e/delivery-world.js';
import { TEST_DATABASE_URL } from '../helpers/node.js';

/** Every path under `root` with its permission bits. */
function modes(root: string): { path: string; dir: boolean; mode: number }[] {
  const out: { path: string; dir: boolean; mode: number }[] = [];
  const walk = (path: string) => {
    const stat = statSync(path);
    out.push({ path: relative(root, path) || '.', dir: stat.isDirectory(), mode: stat.mode & 0o777 });
    if (stat.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(root);
  return out;
}

describe('the data directory under umask 022', () => {
  let world: DeliveryWorld;
  let parent: string;
  let dataDir: string;
  let umask: number;

  before(async () => {
    umask = process.umask(0o022);
    parent = mkdtempSync(join(tmpdir(), 'petrel-private-'));
    dataDir = join(parent, 'data');
    world = await startDeliveryWorld({
      zone: { 'example.test': { A: ['127.0.0.1'] } },
      peers: [{ host: '127.0.0.1' }],
      env: { PETREL_DATA_DIR: dataDir },
    });
    await addSmtpUser(world.node, 'archiving', { archive_enabled: true });
    await addSmtpUser(world.node, 'sandboxed', { status: 'sandbox' });
  });
  after(async () => {
    await world.stop();
    rmSync(parent, { recursive: true, force: true });
    process.umask(umask);
  });

  test('directories are 0700 and files 0600, whatever was written', async () => {
    const archived = await submit(world.smtpPort, {
      user: 'archiving',
      from: 'app@shop.test',
      to: ['kept@example.test'],
      raw: plainMessage('app@shop.test', 'kept@example.test', 'Archived'),
    });
    await receivedBy(world.peer('127.0.0.1'), 'kept@example.test');
    await eventFor(world.node, archived, 'delivered', 'kept@example.test');
    await until('the archive file', () => existsSync(join(dataDir, 'archive', archived)));
    // Held in the spool, and too large to be kept inline in the queue: its body file stays.
    await submit(world.smtpPort, {
      user: 'sandboxed',
      from: 'app@shop.test',
      to: ['held@example.test'],
      raw: plainMessage(
        'app@shop.test',
        'held@example.test',
        'Held',
        'x'.repeat(76).concat('\r\n').repeat(4000),
      ),
    });

    const all = modes(dataDir);
    const names = all.map((e) => e.path);
    const expected = ['spool/queue.db', 'spool/lock', 'tls/key.pem', 'tls/cert.pem', `archive/${archived}`];
    if (!TEST_DATABASE_URL) expected.push('petrel.db', 'petrel.db-wal', 'secrets.key');
    for (const name of expected) assert.ok(names.includes(name), `${name} is missing: ${names.join(', ')}`);
    assert.ok(
      names.some((n) => n.startsWith('spool/bodies/') && !all.find((e) => e.path === n)?.dir),
      'a body file',
    );
    const loose = all.filter((e) => e.mode !== (e.dir ? 0o700 : 0o600));
    assert.deepEqual(
      loose.map((e) => `${e.path} ${e.mode.toString(8)}`),
      [],
      'every directory 0700, every file 0600',
    );
  });
});

describe('a copy of the database alone', { skip: TEST_DATABASE_URL !== null }, () => {
  let world: DeliveryWorld;
  before(async () => {
    world = await startDeliveryWorld({ zone: {}, peers: [{ host: '127.0.0.1' }] });
  });
  after(() => world.stop());

  test('does not contain the tracking key, and what it holds signs no link the node accepts', async () => {
    const node = world.node;
    const copy = mkdtempSync(join(tmpdir(), 'petrel-db-copy-'));
    try {
      // The thief's copy: the database file with its WAL, not the data directory's key file.
      for (const suffix of ['', '-wal', '-shm']) {
        const from = join(node.config.dataDir, `petrel.db${suffix}`);
        if (existsSync(from)) cpSync(from, join(copy, `petrel.db${suffix}`));
      }
      const key = node.trackingSecret;
      for (const name of readdirSync(copy)) {
        const bytes = readFileSync(join(copy, name));
        assert.equal(bytes.includes(key), false, `${name} holds the key's bytes`);
        assert.equal(
          bytes.includes(Buffer.from(key.toString('base64'))),
          false,
          `${name} holds it in base64`,
        );
        assert.equal(bytes.includes(Buffer.from(key.toString('hex'))), false, `${name} holds it in hex`);
      }
      // Through the runtime's driver (node:sqlite on Node 22/24, where better-sqlite3 is not built).
      const db = openSqliteDatabase(join(copy, 'petrel.db'), { readonly: true });
      const row = db.prepare("select value from secrets where name = 'tracking-links'").get() as {
        value: string;
      };
      db.close();

      const payload = {
        kind: 'click' as const,
        messageId: 'forged',
        recipient: 'victim@example.com',
        username: 'nobody',
        accountId: node.masterAccountId,
        url: 'https://evil.example/phish',
      };
      const click = (token: string) =>
        fetch(`${node.httpUrl}${TRACKING_PATHS.click}${token}`, { redirect: 'manual' });
      // The stored value, taken as the key (as a plain-text store would allow), signs nothing valid.
      const forged = await click(signToken(Buffer.from(row.value, 'base64'), payload));
      assert.notEqual(forged.headers.get('location'), payload.url);
      assert.notEqual(forged.status, 302);
      // The node's real key does sign valid links: the check above could have failed.
      const genuine = await click(signToken(key, payload));
      assert.equal(genuine.status, 302);
      assert.equal(genuine.headers.get('location'), payload.url);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
