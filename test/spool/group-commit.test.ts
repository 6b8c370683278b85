// The group committer on its own: concurrent writes share one transaction and one WAL sync, each
// writer gets its own result, and a write that fails for its own reasons does not sink the others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { GroupCommitter } from '../../src/spool/group-commit.js';
import { openQueueDatabase, type DurabilityMode } from '../../src/spool/queue-database.js';

function setup(mode: DurabilityMode = 'wal-fdatasync') {
  const dir = mkdtempSync(join(tmpdir(), 'petrel-commit-'));
  mkdirSync(join(dir, 'bodies'));
  const db = openQueueDatabase(join(dir, 'queue.db'), mode);
  const committer = new GroupCommitter(
    db,
    join(dir, 'queue.db-wal'),
    join(dir, 'bodies'),
    mode,
    pino({ level: 'silent' }),
  );
  const insert = db.prepare(
    `INSERT INTO messages (id, received_at, mail_from, sender_kind, username, account_id, client_address,
       client_helo, tls, sandbox, size, body_inline) VALUES (?, 0, '', 'smtp', 'u', 'a', '', '', 0, 0, 0, 1)`,
  );
  const count = (): number => (db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
  const cleanup = async (): Promise<void> => {
    await committer.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { db, committer, insert, count, cleanup };
}

test('writes submitted together share one transaction and one WAL sync, each with its own result', async () => {
  const { committer, insert, count, cleanup } = setup();
  try {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        committer.write(() => {
          insert.run(`m${i}`);
          return i * 2;
        }),
      ),
    );
    assert.deepEqual(
      results,
      Array.from({ length: 50 }, (_, i) => i * 2),
    );
    assert.equal(count(), 50);
    assert.deepEqual(committer.stats, { writes: 50, commits: 1, walSyncs: 1, dirSyncs: 0 });
  } finally {
    await cleanup();
  }
});

test('a write that breaks a constraint is refused alone; the rest of its batch commits', async () => {
  const { committer, insert, count, cleanup } = setup();
  try {
    const outcomes = await Promise.allSettled([
      committer.write(() => insert.run('a')),
      committer.write(() => insert.run('a')), // duplicate primary key
      committer.write(() => insert.run('b')),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.equal(count(), 2);
    assert.equal(committer.stats.writes, 2);
  } finally {
    await cleanup();
  }
});

test('writes arriving while a commit is in flight form the next batch', async () => {
  const { committer, insert, count, cleanup } = setup();
  try {
    const first = committer.write(() => insert.run('first'));
    // Queued after the first batch has been scheduled: these ride together in the second one.
    await new Promise((resolve) => setImmediate(resolve));
    const rest = Array.from({ length: 10 }, (_, i) => committer.write(() => insert.run(`later${i}`)));
    await Promise.all([first, ...rest]);
    assert.equal(count(), 11);
    assert.equal(committer.stats.commits, 2);
  } finally {
    await cleanup();
  }
});

test('in sqlite-full mode SQLite syncs inside COMMIT and the committer adds no WAL sync', async () => {
  const { committer, insert, count, cleanup } = setup('sqlite-full');
  try {
    await Promise.all([committer.write(() => insert.run('x')), committer.write(() => insert.run('y'))]);
    assert.equal(count(), 2);
    assert.deepEqual(committer.stats, { writes: 2, commits: 1, walSyncs: 0, dirSyncs: 0 });
  } finally {
    await cleanup();
  }
});
