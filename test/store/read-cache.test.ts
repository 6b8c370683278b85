// The mail path's lookups kept in memory while the database is unchanged (src/store/read-cache.ts): what
// the cache answers, and that a change — on the same connection, on another connection as a second
// worker makes it, or rolled back — is seen by the next turn's lookup. SQLite only: PostgreSQL's lookups
// are not cached.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_SENDING_SETTINGS } from '../../src/domain/sending-settings.js';
import { openStore, type Store } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { oncePerTurn, readThrough } from '../../src/store/read-cache.js';
import { repositories, type Repositories } from '../../src/store/repositories/index.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('readThrough', () => {
  function counted(rows: (args: string[]) => { n: string }[]) {
    const calls: string[][] = [];
    const query = (...args: string[]) => {
      calls.push(args);
      return Promise.resolve(rows(args));
    };
    return { calls, query };
  }

  test('answers the same arguments from memory while the version stays, and asks again after it changed', async () => {
    let version = 'v1';
    const { calls, query } = counted((args) => [{ n: args.join('+') }]);
    const lookup = readThrough(() => version, query);
    assert.deepEqual(await lookup('a', 'b'), [{ n: 'a+b' }]);
    assert.deepEqual(await lookup('a', 'b'), [{ n: 'a+b' }]);
    assert.deepEqual(await lookup('a', 'c'), [{ n: 'a+c' }]);
    assert.equal(calls.length, 2, 'the repeated arguments were not asked again');
    version = 'v2';
    await lookup('a', 'b');
    assert.equal(calls.length, 3);
  });

  test('keys do not run together: ("ab", "c") and ("a", "bc") are different lookups', async () => {
    const { calls, query } = counted((args) => [{ n: args.join('|') }]);
    const lookup = readThrough(() => 'v', query);
    assert.deepEqual(await lookup('ab', 'c'), [{ n: 'ab|c' }]);
    assert.deepEqual(await lookup('a', 'bc'), [{ n: 'a|bc' }]);
    assert.equal(calls.length, 2);
  });

  test('an answer that arrives after the version moved on is not kept', async () => {
    let version = 'v1';
    const { calls, query } = counted(() => {
      version = 'v2'; // a commit lands while the query runs
      return [{ n: 'x' }];
    });
    const lookup = readThrough(() => version, query);
    await lookup('k');
    await lookup('k');
    assert.equal(calls.length, 2, 'the first answer was kept under v1 and then served at v2');
  });

  test('answers are frozen, so no caller can change what the next one gets', async () => {
    const lookup = readThrough(
      () => 'v',
      () => Promise.resolve([{ n: 'x' }]),
    );
    const rows = await lookup('k');
    assert.throws(() => {
      (rows[0] as { n: string }).n = 'changed';
    }, TypeError);
    assert.deepEqual(await lookup('k'), [{ n: 'x' }]);
  });

  test('without a version (PostgreSQL) every call is a query', async () => {
    const { calls, query } = counted(() => [{ n: 'x' }]);
    const lookup = readThrough(null, query);
    await lookup('k');
    await lookup('k');
    assert.equal(calls.length, 2);
  });
});

describe('oncePerTurn', () => {
  test('reads once for every call of one turn, and again in the next turn', async () => {
    let reads = 0;
    const version = oncePerTurn(() => String(++reads));
    assert.equal(version(), '1');
    assert.equal(version(), '1');
    await Promise.resolve(); // a microtask is still the same turn
    assert.equal(version(), '1');
    await nextTurn();
    assert.equal(version(), '2');
    assert.equal(reads, 2);
  });
});

describe('the SQLite store: cached lookups see every change by the next turn', () => {
  let dataDir: string;
  let store: Store;
  let other: Store; // a second connection to the same file, as a second worker holds
  let repos: Repositories;
  let otherRepos: Repositories;
  const ACCOUNT = 'acct-read-cache';

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'petrel-read-cache-'));
    store = openStore({ dataDir, databaseUrl: null });
    await migrateToLatest(store);
    other = openStore({ dataDir, databaseUrl: null });
    assert.ok(store.version, 'SQLite has a version');
    repos = repositories(store.db, store.dialect, store.version);
    otherRepos = repositories(other.db, other.dialect, null);
    const now = new Date().toISOString();
    await repos.accounts.insert({
      id: ACCOUNT,
      parent_id: null,
      name: 'Read cache',
      email: null,
      monthly_limit: null,
      state: 'active',
      created_at: now,
      closed_at: null,
    });
    await repos.smtpUsers.insert({
      id: 'user-read-cache',
      accountId: ACCOUNT,
      username: 'cached-sender',
      passwordHash: 'not-a-real-hash',
      description: '',
      settings: { ...DEFAULT_SENDING_SETTINGS },
      createdAt: now,
      updatedAt: now,
    });
  });
  after(async () => {
    await other.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function statusNow(): Promise<string | undefined> {
    await nextTurn();
    return (await repos.smtpUsers.findByLogin('Cached-Sender'))?.settings.status;
  }

  async function setStatus(on: Repositories, status: 'allowed' | 'blocked' | 'sandbox'): Promise<void> {
    const user = await on.smtpUsers.findByLogin('cached-sender');
    assert.ok(user);
    assert.equal(await on.smtpUsers.update({ ...user, settings: { ...user.settings, status } }), true);
  }

  test('a change made on the same connection', async () => {
    assert.equal(await statusNow(), 'allowed');
    await setStatus(repos, 'blocked');
    assert.equal(await statusNow(), 'blocked');
    await setStatus(repos, 'allowed');
    assert.equal(await statusNow(), 'allowed');
  });

  test('a change committed on another connection (another worker)', async () => {
    assert.equal(await statusNow(), 'allowed');
    await setStatus(otherRepos, 'sandbox');
    assert.equal(await statusNow(), 'sandbox');
    await otherRepos.accounts.update(ACCOUNT, { state: 'closed' });
    await nextTurn();
    assert.equal((await repos.accounts.findById(ACCOUNT))?.state, 'closed');
    await otherRepos.accounts.update(ACCOUNT, { state: 'active' });
    await setStatus(otherRepos, 'allowed');
    assert.equal(await statusNow(), 'allowed');
  });

  test('an address list added on another connection, and one rolled back on this one', async () => {
    await nextTurn();
    const before = await repos.addressLists.check(ACCOUNT, 'senders', ['a@example.test', 'example.test']);
    assert.deepEqual(before, { mode: 'disabled', listed: false });
    await otherRepos.addressLists.add(ACCOUNT, 'senders', ['example.test'], 'whitelist');
    await nextTurn();
    assert.deepEqual(await repos.addressLists.check(ACCOUNT, 'senders', ['a@example.test', 'example.test']), {
      mode: 'whitelist',
      listed: true,
    });
    await assert.rejects(
      store.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('address_list_entries').where('account_id', '=', ACCOUNT).execute();
        throw new Error('rolled back on purpose');
      }),
      /rolled back on purpose/,
    );
    await nextTurn();
    assert.deepEqual(await repos.addressLists.check(ACCOUNT, 'senders', ['a@example.test', 'example.test']), {
      mode: 'whitelist',
      listed: true,
    });
  });

  test('while nothing changes, the lookup is answered without a query', async () => {
    await nextTurn();
    const first = await repos.smtpUsers.findByLogin('cached-sender');
    await nextTurn();
    let executed = 0;
    const counting = store.db.withPlugin({
      transformQuery: (args) => args.node,
      transformResult: (args) => {
        executed += 1;
        return Promise.resolve(args.result);
      },
    });
    const spied = repositories(counting, store.dialect, store.version);
    await spied.smtpUsers.findByLogin('cached-sender');
    await spied.smtpUsers.findByLogin('cached-sender');
    await nextTurn();
    await spied.smtpUsers.findByLogin('cached-sender');
    assert.equal(executed, 1, 'a lookup in an unchanged database ran a query');
    await setStatus(repos, 'allowed'); // an update, even to the same value, is a change
    await nextTurn();
    await spied.smtpUsers.findByLogin('cached-sender');
    assert.equal(executed, 2);
    assert.deepEqual(await repos.smtpUsers.findByLogin('cached-sender'), first);
  });
});
