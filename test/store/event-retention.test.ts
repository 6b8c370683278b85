// PETREL_EVENT_RETENTION_DAYS: a retention pass removes the events (and message facts) dated before the
// cutoff day — whole day partitions on PostgreSQL, bounded batches on SQLite — keeps the newer ones, keeps
// the statistics rollups, and on PostgreSQL makes the coming days' partitions.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import {
  DEFAULT_PARTITION,
  ensurePartitions,
  partitionDays,
  utcDay,
} from '../../src/store/events/partitions.js';
import { PARTITIONS_AHEAD_DAYS, PURGE_BATCH, purgeExpiredEvents } from '../../src/store/events/retention.js';
import { eventsRepository, type NewEvent } from '../../src/store/repositories/events.js';
import { newSortableId } from '../../src/security/sortable-id.js';
import { openTestStore, type TestStore } from '../helpers/test-store.js';

const DAY = 86_400_000;
const RETENTION = 90;
const ACCOUNT = 'acct-retention';

function eventsAt(daysAgo: number, count: number, now: number): NewEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const date = new Date(now - daysAgo * DAY - i);
    const recipient = `r${i}@example.org`;
    return {
      accountId: ACCOUNT,
      event: 'processed' as const,
      date,
      emailId: newSortableId(date.getTime()),
      username: 'user',
      sender: 'a@shop.example',
      recipient,
      subject: 'Old news',
      message: {
        fromAddress: 'a@shop.example',
        fromFull: 'a@shop.example',
        to: recipient,
        cc: '',
        bcc: '',
        replyTo: '',
        recipients: [recipient],
        byteSize: 10,
        headers: '',
      },
    };
  });
}

describe('event retention', () => {
  let t: TestStore;
  const now = Date.parse('2026-12-04T12:00:00.000Z');
  // More old events than one purge batch, so SQLite's purge has to loop.
  const ages: [number, number][] = [
    [120, 3],
    [95, PURGE_BATCH + 20],
    [91, 5],
    [89, 7],
    [1, 11],
    [0, 13],
  ];
  let rollupsBefore: unknown[];

  before(async () => {
    t = await openTestStore();
    if (t.store.dialect === 'postgres') {
      // As on a node that has run for months: partitions for the days it ran (not day 120: default).
      await ensurePartitions(
        t.store.db,
        [95, 91, 89, 1, 0].map((d) => utcDay(new Date(now), -d)),
      );
    }
    const events = eventsRepository(t.store.db);
    for (const [daysAgo, count] of ages) {
      const all = eventsAt(daysAgo, count, now);
      // In batches of the size intake writes, well under either dialect's bound-parameter limit.
      for (let i = 0; i < all.length; i += 500) await events.record(all.slice(i, i + 500));
    }
    rollupsBefore = await t.store.db.selectFrom('event_rollups').selectAll().orderBy('day').execute();
  });
  after(() => t.close());

  test('events before the cutoff day go, newer ones stay; rollups and recent message facts stay', async () => {
    const purge = await purgeExpiredEvents(t.store, RETENTION, new Date(now));
    assert.equal(purge.cutoffDay, '2026-09-05');
    const left = await t.store.db.selectFrom('events').select(['date']).execute();
    assert.equal(left.length, 7 + 11 + 13);
    for (const e of left) assert.ok(e.date >= '2026-09-05', e.date);
    const messages = await t.store.db.selectFrom('event_messages').select('email_id').execute();
    assert.equal(messages.length, 7 + 11 + 13);
    // The statistics of the purged days are still answered from their rollups.
    assert.deepEqual(
      await t.store.db.selectFrom('event_rollups').selectAll().orderBy('day').execute(),
      rollupsBefore,
    );
    if (t.store.dialect === 'sqlite') assert.equal(purge.deletedEvents, 3 + PURGE_BATCH + 20 + 5);
  });

  test('PostgreSQL: old day partitions are dropped, the coming days made, default rows purged', async (c) => {
    if (t.store.dialect !== 'postgres') return c.skip('SQLite has no partitions');
    const days = await partitionDays(t.store.db);
    for (const d of [95, 91]) assert.ok(!days.includes(utcDay(new Date(now), -d)), `day -${d} dropped`);
    for (const d of [89, 1, 0]) assert.ok(days.includes(utcDay(new Date(now), -d)), `day -${d} kept`);
    for (let d = 1; d <= PARTITIONS_AHEAD_DAYS; d++)
      assert.ok(days.includes(utcDay(new Date(now), d)), `day +${d}`);
    const { rows } = await sql<{ n: string }>`select count(*) as n from ${sql.id(DEFAULT_PARTITION)}`.execute(
      t.store.db,
    );
    assert.equal(Number(rows[0]!.n), 0);
  });

  test('a second pass finds nothing more to remove', async () => {
    const purge = await purgeExpiredEvents(t.store, RETENTION, new Date(now));
    assert.equal(purge.deletedEvents, 0);
    assert.deepEqual(purge.droppedPartitions, []);
    assert.equal(purge.deletedMessages, 0);
  });
});
