// activity/search's recipient filter read through the recipient index (whole addresses found among the
// account's distinct recipients) answers exactly what the substring scan over the events answers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  activitySearchRepository,
  type ActivityPage,
  type ActivityQuery,
} from '../../src/store/repositories/activity-search.js';
import { eventsRepository, type NewEvent } from '../../src/store/repositories/events.js';
import { MAX_EXPANDED_RECIPIENTS } from '../../src/store/events/recipients.js';
import { newSortableId } from '../../src/security/sortable-id.js';
import { openTestStore, type TestStore } from '../helpers/test-store.js';

const ACCOUNT = 'acct-recipients';
const OTHER = 'acct-other';
const DAY = 86_400_000;
// Addresses that contain "bob@example.org" without being it, in mixed case, and one with LIKE's wildcards.
const RECIPIENTS = [
  'bob@example.org',
  'Bob@Example.ORG',
  'xbob@example.org',
  'bob@example.org.uk',
  'alice@example.org',
  'a_b%c@example.net',
  'carol@elsewhere.test',
];

function event(n: number, recipient: string, accountId = ACCOUNT): NewEvent {
  const date = new Date(Date.now() - (n % 40) * DAY - n * 1000);
  return {
    accountId,
    event: (['processed', 'delivered', 'opened'] as const)[n % 3]!,
    date,
    emailId: newSortableId(date.getTime()),
    username: `user${n % 3}`,
    sender: 'news@shop.example',
    recipient,
    subject: `Subject ${n}`,
  };
}

function query(recipient: string, extra: Partial<ActivityQuery> = {}): ActivityQuery {
  return { accountIds: [ACCOUNT], search: [], usernames: [], events: [], latest: false, recipient, ...extra };
}

describe('activity/search by recipient: index path and substring path agree', () => {
  let t: TestStore;
  before(async () => {
    t = await openTestStore();
    const events = eventsRepository(t.store.db);
    const batch: NewEvent[] = [];
    for (let n = 0; n < 140; n++) batch.push(event(n, RECIPIENTS[n % RECIPIENTS.length]!));
    // The same address in another account must not leak into this one's answers.
    batch.push(event(1, 'bob@example.org', OTHER));
    // More addresses containing "many" than the index path takes: the substring scan answers them.
    for (let n = 0; n <= MAX_EXPANDED_RECIPIENTS; n++) batch.push(event(n, `many${n}@bulk.test`));
    await events.record(batch);
  });
  after(() => t.close());

  const cases: [string, Partial<ActivityQuery>][] = [
    ['bob@example.org', {}],
    ['BOB@EXAMPLE.ORG', {}],
    ['bob', {}],
    ['example.org', {}],
    ['_b%', {}],
    ['%', {}],
    ['nobody@nowhere.test', {}],
    ['many', {}],
    ['bob@example.org', { latest: true }],
    ['bob@example.org', { startDate: new Date(Date.now() - 10 * DAY).toISOString() }],
    ['bob@example.org', { events: ['delivered'], usernames: ['user1'] }],
  ];
  for (const [recipient, extra] of cases) {
    test(`"${recipient}" ${JSON.stringify(extra)}: same events, same total, same pages`, async () => {
      const indexed = activitySearchRepository(t.store.db);
      const scanned = activitySearchRepository(t.store.db, { expandRecipients: false });
      const q = query(recipient, extra);
      const total = await scanned.count(q);
      assert.equal(await indexed.count(q), total);
      if (recipient === 'bob@example.org' && Object.keys(extra).length === 0) {
        // exact, mixed case, and both look-alikes that merely contain it (all 20 of each)
        assert.equal(total, 80);
      }
      // Page through both, 7 at a time, and compare every row.
      let page: ActivityPage = { beforeKey: null, bySent: false, limit: 7 };
      let seen = 0;
      for (;;) {
        const a = await indexed.search(q, page);
        const b = await scanned.search(q, page);
        assert.deepEqual(
          a.map((r) => [r.id, r.recipient, r.account_id]),
          b.map((r) => [r.id, r.recipient, r.account_id]),
        );
        for (const r of a) assert.equal(r.account_id, ACCOUNT);
        seen += a.length;
        if (a.length < 7) break;
        page = { ...page, beforeKey: a.at(-1)!.id };
      }
      if (!extra.latest) assert.equal(seen, total);
    });
  }
});
