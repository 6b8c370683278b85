// `schedule` on email/send, email/mime and email/batch and /v3/email/scheduled/search|remove (SPEC §8)
// against a real node: SMTP2GO's field names (compared with the reference file), the search filters, bad
// input and account isolation. Delivery at the scheduled time, removal and restarts on real mail:
// test/e2e/parity-scheduling.test.ts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { assertApiException, assertFieldError, assertOk, insertSubaccount, UUID } from './api-assertions.js';
import { answerFields, requestFields } from './reference.js';

let node: TestNode;
let subKey: string;
const SUB = `sub${randomBytes(3).toString('hex')}`;
const HOUR = 3600_000;

before(async () => {
  node = await startTestNode();
  await insertSubaccount(node, SUB);
  subKey = assertOk<{ api_key: string }>(
    await node.call('/api_keys/add', { subaccount_id: SUB, endpoints: ['*'] }),
  ).api_key;
});
after(async () => {
  await node.stop();
});

interface Listed {
  schedule_id: string;
  schedule: string;
  sender: string;
  subject: string;
  recipients: string;
  client_ip: string;
}

const iso = (at: number) => new Date(at).toISOString();

const email = (extra: Record<string, unknown> = {}) => ({
  sender: 'app@example.com',
  to: ['jane@example.com'],
  subject: 'Later',
  text_body: 'Hello',
  schedule: iso(Date.now() + HOUR),
  ...extra,
});

const search = async (body: Record<string, unknown> = {}, key?: string) =>
  assertOk<Listed[]>(await node.call('/email/scheduled/search', body, key === undefined ? {} : { key }));

describe('schedule on the send endpoints', () => {
  it("email/send answers SMTP2GO's fields, email_id and schedule_id, and holds the message", async () => {
    assert.ok(requestFields('/email/send').includes('schedule'));
    const at = Date.now() + 2 * HOUR;
    const data = assertOk<Record<string, unknown>>(
      await node.call('/email/send', email({ schedule: iso(at) })),
    );
    assert.deepEqual(Object.keys(data).sort(), [
      'email_id',
      'failed',
      'failures',
      'schedule_id',
      'succeeded',
    ]);
    for (const field of answerFields('/email/send', [], 'all')) assert.ok(field in data, `no ${field}`);
    assert.match(data.schedule_id as string, UUID);
    const rows = node.spool.queue.recipientsOf(data.email_id as string);
    assert.deepEqual(
      rows.map((r) => [r.state, r.nextAttemptAt]),
      [['queued', at]],
    );
    assert.equal(node.spool.queue.getMessage(data.email_id as string)?.scheduleId, data.schedule_id);
    // `petrel queue retry` does not send it before its time.
    await node.spool.queue.retry();
    await node.spool.queue.retry({ messageId: data.email_id as string });
    assert.deepEqual(
      node.spool.queue.recipientsOf(data.email_id as string).map((r) => r.nextAttemptAt),
      [at],
    );
  });

  it("takes SMTP2GO's form with its zone, and answers the time in UTC", async () => {
    const at = new Date(Date.now() + 5 * HOUR);
    at.setUTCMilliseconds(0);
    // The same instant written at UTC-07:00.
    const local = new Date(at.getTime() - 7 * HOUR).toISOString();
    const text = `${local.slice(0, 10)} ${local.slice(11, 19)} -0700`;
    const data = assertOk<{ schedule_id: string }>(
      await node.call('/email/send', email({ schedule: text, subject: 'Zoned' })),
    );
    const [listed] = await search({ schedule_id: data.schedule_id });
    assert.equal(listed?.schedule, at.toISOString().replace('.000Z', 'Z'));
  });

  it('email/mime takes schedule too', async () => {
    const raw = 'From: app@example.com\r\nTo: mime@example.com\r\nSubject: Raw later\r\n\r\nBody\r\n';
    const data = assertOk<{ schedule_id: string }>(
      await node.call('/email/mime', {
        mime_email: Buffer.from(raw).toString('base64'),
        schedule: iso(Date.now() + HOUR),
      }),
    );
    const [listed] = await search({ schedule_id: data.schedule_id });
    assert.equal(listed?.subject, 'Raw later');
    assert.equal(listed?.recipients, 'mime@example.com');
  });

  it('email/batch answers a scheduled email by its schedule_id alone, and refuses a bad schedule on its own', async () => {
    const answers = assertOk<Record<string, unknown>[]>(
      await node.call('/email/batch', {
        emails: [
          email({ to: ['batch1@example.com'] }),
          email({ to: ['batch2@example.com'], schedule: iso(Date.now() - HOUR) }),
          email({ to: ['batch3@example.com'], schedule: undefined }),
        ],
      }),
    );
    const reference = answerFields('/email/batch', ['[]'], 'all');
    assert.deepEqual(Object.keys(answers[0] ?? {}), ['schedule_id']);
    assert.ok(reference.includes('schedule_id'));
    assert.equal((answers[1]?.field_validation_errors as { fieldname: string }).fieldname, 'schedule');
    assert.deepEqual(Object.keys(answers[2] ?? {}), ['email_id']);
    const listed = await search({ search_recipient: 'batch' });
    assert.deepEqual(
      listed.map((l) => l.recipients),
      ['batch1@example.com'],
    );
  });

  const bad: [string, unknown, string?][] = [
    ['a time in the past', iso(Date.now() - 60_000), 'in the future'],
    ['a time more than 3 days ahead', iso(Date.now() + 73 * HOUR), '3 days'],
    ['text that is no time', 'tomorrow', 'tomorrow'],
    ['a time without a zone', '2030-01-01 12:00:00', '2030-01-01 12:00:00'],
    ['a date that does not exist', '2030-02-30T00:00:00Z', '2030-02-30'],
    ['a number', 1767225600],
    ['an object', { at: 'soon' }],
  ];
  for (const [what, schedule, found] of bad) {
    it(`refuses ${what}, naming schedule, and stores nothing`, async () => {
      const messages = node.spool.queue.messageCount();
      const listed = (await search()).length;
      assertFieldError(await node.call('/email/send', email({ schedule })), 'schedule', found);
      assert.equal(node.spool.queue.messageCount(), messages);
      assert.equal((await search()).length, listed);
    });
  }
});

describe('/email/scheduled/search', () => {
  let first: string;

  before(async () => {
    first = assertOk<{ schedule_id: string }>(
      await node.call(
        '/email/send',
        email({
          sender: 'Shop <shop@example.org>',
          to: ['Ann <ann@example.net>', 'bob@example.net'],
          subject: 'Search me',
        }),
      ),
    ).schedule_id;
  });

  it("takes SMTP2GO's request fields and answers its fields", async () => {
    const listed = await search({ schedule_id: first });
    assert.equal(listed.length, 1);
    assert.deepEqual(
      Object.keys(listed[0] ?? {}).sort(),
      answerFields('/email/scheduled/search', ['[]'], 'all'),
    );
    assert.deepEqual(listed[0], {
      schedule_id: first,
      schedule: listed[0]?.schedule,
      sender: 'shop@example.org',
      subject: 'Search me',
      recipients: 'ann@example.net, bob@example.net',
      client_ip: '127.0.0.1',
    });
    assert.match(listed[0]?.schedule ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // Every request field of the reference is understood: an empty match, not an error.
    const body = Object.fromEntries(
      requestFields('/email/scheduled/search').map((f) => [
        f,
        f === 'limit' || f === 'page' ? 1 : 'nothing-like-it',
      ]),
    );
    assert.deepEqual(await search(body), []);
  });

  it('filters by part of the subject, recipients and sender, in any case', async () => {
    for (const filter of [
      { search_subject: 'SEARCH ME' },
      { search_recipient: 'Bob@Example' },
      { search_sender: 'shop@' },
    ]) {
      assert.deepEqual(
        (await search(filter)).map((l) => l.schedule_id),
        [first],
        JSON.stringify(filter),
      );
    }
    assert.deepEqual(await search({ search_subject: 'Search me', search_sender: 'someone-else' }), []);
    // LIKE's wildcards are plain characters.
    assert.deepEqual(await search({ search_subject: '%' }), []);
  });

  it('pages with limit and page, soonest first', async () => {
    const all = await search();
    assert.ok(all.length >= 3);
    const sorted = [...all].sort((a, b) => a.schedule.localeCompare(b.schedule));
    assert.deepEqual(
      all.map((l) => l.schedule),
      sorted.map((l) => l.schedule),
    );
    const page2 = await search({ limit: 1, page: 2 });
    assert.deepEqual(page2, [all[1]]);
  });

  it('ignores unknown fields, refuses wrong types naming the field', async () => {
    assert.ok(Array.isArray(await search({ version: 1, unknown_field: 'x' })));
    assertFieldError(await node.call('/email/scheduled/search', { limit: 'ten' }), 'limit');
    assertFieldError(await node.call('/email/scheduled/search', { page: 0 }), 'page');
    assertFieldError(await node.call('/email/scheduled/search', { search_subject: 7 }), 'search_subject');
  });

  it("lists only the calling account's scheduled emails", async () => {
    const own = assertOk<{ schedule_id: string }>(
      await node.call('/email/send', email({ subject: 'Sub only' }), { key: subKey }),
    ).schedule_id;
    const listedBySub = await search({}, subKey);
    assert.deepEqual(
      listedBySub.map((l) => l.schedule_id),
      [own],
    );
    assert.deepEqual(await search({ schedule_id: first }, subKey), []);
    assert.ok(!(await search()).some((l) => l.schedule_id === own));
    // The master account acting as its subaccount sees it.
    assert.deepEqual(
      (await search({ subaccount_id: SUB })).map((l) => l.schedule_id),
      [own],
    );
  });
});

describe('/email/scheduled/remove', () => {
  it('removes a scheduled email: no longer listed, and not removable twice', async () => {
    assert.deepEqual(requestFields('/email/scheduled/remove'), ['schedule_id']);
    const id = assertOk<{ schedule_id: string }>(
      await node.call('/email/send', email({ subject: 'Remove me' })),
    ).schedule_id;
    const data = assertOk<Record<string, unknown>>(
      await node.call('/email/scheduled/remove', { schedule_id: id }),
    );
    assert.deepEqual(data, { schedule_id: id, removed: true });
    assert.deepEqual(await search({ schedule_id: id }), []);
    assertApiException(
      await node.call('/email/scheduled/remove', { schedule_id: id }),
      `The scheduled email '${id}' has already been removed`,
    );
  });

  it("refuses an unknown id and another account's id alike", async () => {
    const unknown = '8fb29ea3-286d-493e-83c5-401f76859bb1';
    assertApiException(
      await node.call('/email/scheduled/remove', { schedule_id: unknown }),
      `No scheduled email '${unknown}' in this account`,
    );
    const masters = assertOk<{ schedule_id: string }>(
      await node.call('/email/send', email({ subject: 'Mine' })),
    ).schedule_id;
    assertApiException(
      await node.call('/email/scheduled/remove', { schedule_id: masters }, { key: subKey }),
      `No scheduled email '${masters}' in this account`,
    );
    // Still there for its own account.
    assert.equal((await search({ schedule_id: masters })).length, 1);
  });

  it('refuses a missing or mistyped schedule_id, naming it', async () => {
    assertFieldError(await node.call('/email/scheduled/remove', {}), 'schedule_id');
    assertFieldError(await node.call('/email/scheduled/remove', { schedule_id: 12 }), 'schedule_id');
    assertFieldError(await node.call('/email/scheduled/remove', { schedule_id: '' }), 'schedule_id');
  });
});
