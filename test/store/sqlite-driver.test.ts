// The SQLite layer on whichever driver this Node gets (node:sqlite on 22.16+/24, better-sqlite3 on 20):
// the same answers from the surface the spool and Kysely use, so both CI runs (Node 20 and Node 24)
// check the contract on their driver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { openQueueDatabase } from '../../src/spool/queue-database.js';
import { isUniqueViolation } from '../../src/store/database.js';
import {
  SQLITE_PAGE_CACHE_KIB,
  openSqliteDatabase,
  sqliteDriver,
  sqliteRuntime,
} from '../../src/store/sqlite/driver.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'petrel-sqlite-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function expectedDriver(): string {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const hasIt = major >= 24 || (major === 23 && minor >= 11) || (major === 22 && minor >= 16);
  return hasIt ? 'node:sqlite' : 'better-sqlite3';
}

test('the driver follows the runtime: node:sqlite where Node has it unflagged, else better-sqlite3', () => {
  assert.equal(sqliteDriver().name, expectedDriver());
  const runtime = sqliteRuntime();
  assert.equal(runtime.node, process.version);
  assert.equal(runtime.sqliteDriver, expectedDriver());
  assert.match(runtime.sqliteVersion, /^3\.\d+\.\d+$/);
});

test('every connection gets the same page cache on either driver (better-sqlite3 would give 16 MiB)', (t) => {
  const dir = tempDir(t);
  const plain = openSqliteDatabase(join(dir, 'a.db'));
  const queue = openQueueDatabase(join(dir, 'queue.db'), 'wal-fdatasync');
  t.after(() => {
    plain.close();
    queue.close();
  });
  for (const db of [plain, queue])
    assert.equal(db.pragma('cache_size', { simple: true }), -SQLITE_PAGE_CACHE_KIB);
});

test('statements: reader, positional, array and named parameters, plain rows, BLOBs as Buffers', (t) => {
  const db = openSqliteDatabase(join(tempDir(t), 'a.db'));
  t.after(() => db.close());
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, data BLOB)');
  const insert = db.prepare('INSERT INTO t (name, data) VALUES (?, ?)');
  assert.equal(insert.reader, false);
  const first = insert.run('a', Buffer.from([1, 2, 3]));
  assert.equal(first.changes, 1);
  assert.equal(Number(first.lastInsertRowid), 1);
  assert.equal(insert.run(['b', null]).changes, 1); // one array = the positional list (Kysely's way)

  const byName = db.prepare<{ name: string }, { id: number; name: string; data: Buffer | null }>(
    'SELECT * FROM t WHERE name = @name',
  );
  assert.equal(byName.reader, true);
  const row = byName.get({ name: 'a' });
  assert.ok(row);
  assert.equal(Object.getPrototypeOf(row), Object.prototype);
  assert.ok(Buffer.isBuffer(row.data));
  assert.deepEqual([...row.data], [1, 2, 3]);
  assert.equal(byName.get({ name: 'nobody' }), undefined);

  const returning = db.prepare<[string], { id: number }>(
    "UPDATE t SET name = name || '!' WHERE name = ? RETURNING id",
  );
  assert.equal(returning.reader, true);
  assert.deepEqual(returning.all('b'), [{ id: 2 }]);
  assert.deepEqual(
    [...db.prepare<[], { name: string }>('SELECT name FROM t ORDER BY id').iterate()].map((r) => r.name),
    ['a', 'b!'],
  );
  assert.equal(db.pragma('user_version', { simple: true }), 0);
});

test('errors carry the SQLITE_* code the store and the spool check', (t) => {
  const db = openSqliteDatabase(join(tempDir(t), 'b.db'));
  t.after(() => db.close());
  db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, name TEXT UNIQUE, n INTEGER NOT NULL)');
  db.prepare('INSERT INTO t VALUES (?, ?, ?)').run('x', 'a', 1);
  const attempt =
    (...row: unknown[]) =>
    () =>
      db.prepare('INSERT INTO t VALUES (?, ?, ?)').run(...row);
  assert.throws(attempt('y', 'a', 1), (err) => {
    assert.equal((err as { code?: string }).code, 'SQLITE_CONSTRAINT_UNIQUE');
    return isUniqueViolation(err);
  });
  assert.throws(attempt('x', 'b', 1), { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
  assert.throws(attempt('z', 'c', null), { code: 'SQLITE_CONSTRAINT_NOTNULL' });
  assert.throws(() => db.prepare('SELEC 1'), { code: 'SQLITE_ERROR' });
});

test('transactions: commit, rollback on a throw, and a nested one undoes only itself', (t) => {
  const db = openSqliteDatabase(join(tempDir(t), 'c.db'));
  t.after(() => db.close());
  db.exec('CREATE TABLE t (v INTEGER PRIMARY KEY)');
  const add = db.prepare<[number]>('INSERT INTO t VALUES (?)');
  const values = () =>
    db
      .prepare<[], { v: number }>('SELECT v FROM t ORDER BY v')
      .all()
      .map((r) => r.v);

  assert.equal(db.transaction((v: number) => add.run(v).changes)(1), 1);
  assert.throws(
    db.transaction(() => {
      add.run(2);
      throw new Error('no');
    }),
    /no/,
  );
  assert.deepEqual(values(), [1]);
  assert.equal(db.inTransaction, false);

  const inner = db.transaction((v: number) => add.run(v));
  db.transaction(() => {
    add.run(3);
    assert.equal(db.inTransaction, true);
    assert.throws(() => inner(1), { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    inner(4);
  })();
  assert.deepEqual(values(), [1, 3, 4]);
  assert.equal(db.inTransaction, false);
});

test('Kysely runs on the connection: inserts, counts of changed rows, selects and streams', async (t) => {
  const kysely = new Kysely<{ t: { id: number; name: string } }>({
    dialect: new SqliteDialect({ database: openSqliteDatabase(join(tempDir(t), 'd.db')) }),
  });
  t.after(() => kysely.destroy());
  await sql`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`.execute(kysely);
  const inserted = await kysely.insertInto('t').values({ id: 7, name: 'a' }).executeTakeFirst();
  assert.equal(inserted.insertId, 7n);
  await kysely.insertInto('t').values({ id: 8, name: 'b' }).execute();
  const updated = await kysely.updateTable('t').set({ name: 'c' }).executeTakeFirst();
  assert.equal(updated.numUpdatedRows, 2n);
  assert.deepEqual(await kysely.selectFrom('t').selectAll().orderBy('id').execute(), [
    { id: 7, name: 'c' },
    { id: 8, name: 'c' },
  ]);
  const streamed: number[] = [];
  for await (const row of kysely.selectFrom('t').select('id').orderBy('id').stream()) streamed.push(row.id);
  assert.deepEqual(streamed, [7, 8]);
  await assert.rejects(
    kysely.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ id: 9, name: 'd' }).execute();
      await trx.insertInto('t').values({ id: 7, name: 'dup' }).execute();
    }),
    (err) => isUniqueViolation(err),
  );
  assert.equal((await kysely.selectFrom('t').select('id').execute()).length, 2);
});

test('the queue database keeps WAL and its synchronous level on this driver', (t) => {
  const dir = tempDir(t);
  for (const [mode, level] of [
    ['sqlite-full', 2],
    ['wal-fdatasync', 1],
  ] as const) {
    const db = openQueueDatabase(join(dir, `${mode}.db`), mode);
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('synchronous', { simple: true }), level, mode);
      assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
      assert.equal(db.pragma('user_version', { simple: true }), 5);
    } finally {
      db.close();
    }
  }
});
