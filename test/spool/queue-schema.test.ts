// The queue database's schema upgrade to version 5 (src/spool/queue-database.ts): inline bodies move from
// a WITHOUT ROWID table, where a body over ~1,000 bytes took an overflow page of its own, to an ordinary
// table, keeping every body and the cascade from their message.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openQueueDatabase } from '../../src/spool/queue-database.js';
import { openSqliteDatabase } from '../../src/store/sqlite/driver.js';

const dir = mkdtempSync(join(tmpdir(), 'petrel-queue-schema-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const MESSAGES = 50;
const body = (i: number) => Buffer.alloc(1200 + i, `message ${i} `);

function bodiesSql(path: string): string {
  const db = openSqliteDatabase(path);
  try {
    const row = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'bodies'").get() as { sql: string };
    return row.sql;
  } finally {
    db.close();
  }
}

/** A queue file as Petrel before version 5 left it: bodies WITHOUT ROWID, user_version 4. */
function writeVersion4(path: string): void {
  openQueueDatabase(path, 'wal-fdatasync').close();
  const db = openSqliteDatabase(path);
  try {
    db.exec(`
      DROP TABLE bodies;
      CREATE TABLE bodies (
        message_id TEXT PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
        data BLOB NOT NULL
      ) WITHOUT ROWID;
    `);
    const message = db.prepare(
      `INSERT INTO messages (id, received_at, mail_from, sender_kind, username, account_id, client_address,
         client_helo, tls, sandbox, size, body_inline, settings, schedule_id)
       VALUES (?, 0, 'a@example.test', 'smtp', 'user', 'acct', '127.0.0.1', 'client', 0, 0, ?, 1, '{}', NULL)`,
    );
    const insertBody = db.prepare('INSERT INTO bodies (message_id, data) VALUES (?, ?)');
    db.exec('BEGIN');
    for (let i = 0; i < MESSAGES; i++) {
      message.run(`m${i}`, body(i).length);
      insertBody.run(`m${i}`, body(i));
    }
    db.exec('COMMIT');
    db.pragma('user_version = 4');
  } finally {
    db.close();
  }
}

test('a version-4 queue is upgraded at open: bodies in an ordinary table, every one kept, still cascading', () => {
  const path = join(dir, 'queue.db');
  writeVersion4(path);
  assert.match(bodiesSql(path), /WITHOUT ROWID/);

  const db = openQueueDatabase(path, 'wal-fdatasync');
  try {
    assert.equal(db.pragma('user_version', { simple: true }), 5);
    const sql = (db.prepare("SELECT sql FROM sqlite_master WHERE name = 'bodies'").get() as { sql: string })
      .sql;
    assert.doesNotMatch(sql, /WITHOUT ROWID/);
    const read = db.prepare('SELECT data FROM bodies WHERE message_id = ?');
    for (let i = 0; i < MESSAGES; i++) {
      const row = read.get(`m${i}`) as { data: Uint8Array } | undefined;
      assert.ok(row, `body of m${i}`);
      assert.deepEqual(Buffer.from(row.data), body(i));
    }
    db.prepare('DELETE FROM messages WHERE id = ?').run('m0');
    assert.equal(read.get('m0'), undefined, 'deleting a message deletes its body');
  } finally {
    db.close();
  }
});

test('a new queue has its bodies in an ordinary table from the start', () => {
  const path = join(dir, 'fresh.db');
  openQueueDatabase(path, 'wal-fdatasync').close();
  assert.doesNotMatch(bodiesSql(path), /WITHOUT ROWID/);
});
