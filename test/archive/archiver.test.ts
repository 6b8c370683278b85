// The archiver (SPEC §3.2) over a real node's store and disk: the body copied byte for byte and indexed
// once, the index's fallbacks, and the retention purge of this node's expired messages.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Archiver } from '../../src/archive/archiver.js';
import { startRetention } from '../../src/archive/retention.js';
import { createLogger } from '../../src/logger.js';
import { newSortableId } from '../../src/security/sortable-id.js';
import { archiveRepository } from '../../src/store/repositories/archive.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { DAY, archiveMessage, mime, nodeArchiver, queued } from './fixtures.js';

let node: TestNode;
let archiver: Archiver;

before(async () => {
  node = await startTestNode();
  archiver = nodeArchiver(node, 90);
});
after(async () => {
  await node.stop();
});

const bodyPath = (id: string) => join(node.config.dataDir, 'archive', id);

async function indexed(username: string) {
  const repo = archiveRepository(node.store.db);
  return repo.search({ accountId: node.masterAccountId, username, limit: 100 });
}

describe('createArchiver().archive', () => {
  it('copies the message byte for byte to <dataDir>/archive/ and indexes it once, however often called', async () => {
    const body = mime('Kept for 90 days');
    const m = queued(node, { username: 'files-user' });
    await archiveMessage(archiver, m, body, 'Kept for 90 days', ['alice@example.org']);
    await archiver.archive(m, () => Readable.from([body]), 'again', ['alice@example.org']);
    assert.deepEqual(readFileSync(bodyPath(m.id)), body);
    assert.deepEqual(await indexed('files-user'), [
      {
        emailId: m.id,
        accountId: node.masterAccountId,
        username: 'files-user',
        sender: 'news@shop.example',
        recipients: ['alice@example.org'],
        subject: 'Kept for 90 days',
        date: new Date(m.receivedAt).toISOString(),
        size: body.length,
        node: 'petrel.test',
      },
    ]);
  });

  it('takes the recipients from To and Cc, and the subject from the header, when not given them', async () => {
    const m = queued(node, { username: 'fallback-user' });
    await archiveMessage(archiver, m, mime('=?UTF-8?Q?Gr=C3=BC=C3=9Fe?='), '');
    const [entry] = await indexed('fallback-user');
    assert.equal(entry?.emailId, m.id);
    assert.deepEqual(entry?.recipients, ['alice@example.org', 'bob@example.net', 'carol@example.org']);
    assert.equal(entry?.subject, 'Grüße');
  });

  it('leaves nothing behind when the body cannot be read', async () => {
    const m = queued(node, { username: 'broken-user' });
    const failing = () =>
      new Readable({
        read() {
          this.destroy(new Error('disk read error'));
        },
      });
    await assert.rejects(archiver.archive(m, failing, 'x', []), /disk read error/);
    assert.equal(existsSync(bodyPath(m.id)), false);
    assert.deepEqual(await indexed('broken-user'), []);
  });
});

describe('createArchiver().purgeExpired', () => {
  it("removes this node's messages older than the retention, bodies and index rows, and keeps the rest", async () => {
    const now = Date.now();
    const user = 'retention-user';
    const expired = queued(node, { username: user, receivedAt: now - 91 * DAY });
    const kept = queued(node, { username: user, receivedAt: now - 89 * DAY });
    await archiveMessage(archiver, expired, mime('Old'), 'Old', []);
    await archiveMessage(archiver, kept, mime('Young'), 'Young', []);
    // Another node's message: its body is on that node's disk, so that node purges it.
    const elsewhere = newSortableId(now - 200 * DAY);
    await archiveRepository(node.store.db).insert({
      emailId: elsewhere,
      accountId: node.masterAccountId,
      username: user,
      sender: '',
      recipients: [],
      subject: 'On another node',
      date: new Date(now - 200 * DAY).toISOString(),
      size: 1,
      node: 'other-node.test',
    });

    assert.equal(await archiver.purgeExpired(new Date(now)), 1);
    assert.deepEqual(
      (await indexed(user)).map((m) => m.emailId),
      [kept.id, elsewhere],
    );
    assert.equal(existsSync(bodyPath(expired.id)), false);
    assert.equal(existsSync(bodyPath(kept.id)), true);
    assert.equal(await archiver.purgeExpired(new Date(now)), 0);
    // A shorter retention (another node's setting, or a changed one) applies at the next purge.
    assert.equal(await nodeArchiver(node, 30).purgeExpired(new Date(now)), 1);
    assert.equal(existsSync(bodyPath(kept.id)), false);
  });
});

describe('startRetention', () => {
  it('runs the archive purge (and the sandbox purge) on each pass, and stops cleanly', async () => {
    const old = queued(node, { username: 'timer-user', receivedAt: Date.now() - 120 * DAY });
    await archiveMessage(archiver, old, mime('Timer'), 'Timer', []);
    const retention = startRetention({
      archiver,
      queue: node.spool.queue,
      sandboxRetentionDays: 7,
      logger: createLogger('silent'),
      // The timer itself is not what is tested here: a pass is run by hand.
      intervalMs: 24 * 3_600_000,
    });
    await retention.runOnce();
    await retention.stop();
    assert.deepEqual(await indexed('timer-user'), []);
    assert.equal(existsSync(bodyPath(old.id)), false);
  });
});
