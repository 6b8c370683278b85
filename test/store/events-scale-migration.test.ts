// Migration 016 on a database holding events written before it: every event survives (on PostgreSQL
// moved into day partitions), and activity search and the statistics answer the same afterwards.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import pino from 'pino';
import * as m016 from '../../src/store/migrations/016-events-scale.js';
import { createMasterAccount } from '../../src/operations/accounts.js';
import { searchActivity } from '../../src/operations/activity.js';
import { createOperationsDeps, type OperationsDeps } from '../../src/operations/context.js';
import { emailSummary } from '../../src/operations/stats.js';
import { DEFAULT_PARTITION, partitionDays } from '../../src/store/events/partitions.js';
import { recordEventFacts } from '../../src/store/repositories/event-facts.js';
import { eventRow, type NewEvent } from '../../src/store/repositories/events.js';
import { newSortableId } from '../../src/security/sortable-id.js';
import { openTestStore, type TestStore } from '../helpers/test-store.js';

const DAY = 86_400_000;

describe('migration 016 (events at scale) over existing events', () => {
  let t: TestStore;
  let ops: OperationsDeps;
  let caller: { accountId: string; keyId: null };
  let before016: unknown[];
  const searches = async () => ({
    bob: await searchActivity(ops, caller, { search_recipient: 'bob@example.org', limit: 500 }),
    all: await searchActivity(ops, caller, { limit: 500 }),
    latest: await searchActivity(ops, caller, { search_recipient: 'example', only_latest: true, limit: 500 }),
    summary: await emailSummary(ops, caller, {}),
  });
  let answersBefore: Awaited<ReturnType<typeof searches>>;

  before(async () => {
    t = await openTestStore();
    ops = createOperationsDeps(t.store, [], pino({ level: 'silent' }));
    const master = await createMasterAccount(ops, 'Migration');
    caller = { accountId: master.account_id, keyId: null };
    // Back to the schema before 016, then events written as an older Petrel wrote them.
    await m016.down(t.store.db as unknown as Kysely<unknown>);
    const events: NewEvent[] = [];
    for (let n = 0; n < 60; n++) {
      const date = new Date(Date.now() - (n % 12) * DAY - n * 60_000);
      events.push({
        accountId: master.account_id,
        event: (['processed', 'delivered', 'opened'] as const)[n % 3]!,
        date,
        emailId: newSortableId(date.getTime() - (n % 3)),
        username: 'user',
        sender: 'news@shop.example',
        recipient: ['bob@example.org', 'Bob@Example.org', 'xbob@example.org', 'eve@example.net'][n % 4]!,
        subject: `Subject ${n}`,
      });
    }
    const rows = events.map(eventRow);
    await t.store.db.insertInto('events').values(rows).execute();
    await recordEventFacts(t.store.db, events);
    before016 = await t.store.db.selectFrom('events').selectAll().orderBy('id').execute();
    // Answers before 016 (event_recipients is gone: the repository falls back to substring scans).
    await sql`create table event_recipients (account_id text not null, recipient text not null, primary key (account_id, recipient))`.execute(
      t.store.db,
    );
    await sql`insert into event_recipients select distinct account_id, lower(recipient) from events`.execute(
      t.store.db,
    );
    answersBefore = await searches();
    await sql`drop table event_recipients`.execute(t.store.db);
    await m016.up(t.store.db as unknown as Kysely<unknown>);
  });
  after(() => t.close());

  test('every event survives the conversion, column for column', async () => {
    const now = await t.store.db.selectFrom('events').selectAll().orderBy('id').execute();
    assert.equal(now.length, 60);
    assert.deepEqual(now, before016);
  });

  test('activity/search, only_latest and email_summary answer the same', async () => {
    const after = await searches();
    assert.equal(after.bob.total_events, 45); // bob, Bob and xbob: 15 each
    assert.deepEqual(after, answersBefore);
  });

  test('on PostgreSQL the events sit in their day partitions, none in the default one', async (c) => {
    if (t.store.dialect !== 'postgres') return c.skip('SQLite has no partitions');
    const days = await partitionDays(t.store.db);
    const eventDays = new Set(before016.map((e) => (e as { date: string }).date.slice(0, 10)));
    for (const day of eventDays) assert.ok(days.includes(day), `partition for ${day}`);
    const { rows } = await sql<{ n: string }>`select count(*) as n from ${sql.id(DEFAULT_PARTITION)}`.execute(
      t.store.db,
    );
    assert.equal(Number(rows[0]!.n), 0);
  });
});
