// POST /v3/activity/search (SPEC §1.7) against a real node: the event shape, every filter, newest-first
// order with continue_token paging, validation, and that an account sees only its own events.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { newSortableId } from '../../src/security/sortable-id.js';
import type { NewEvent } from '../../src/store/repositories/events.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { assertFieldError, assertOk, insertSubaccount } from './api-assertions.js';
import { answerFields } from './reference.js';

interface Event {
  [field: string]: unknown;
  event: string;
  date: string;
  email_id: string;
}
interface Page {
  events: Event[];
  total_events: number;
  continue_token: string | null;
}

/** Every event has SMTP2GO's required fields (the reference's list); Petrel's own only where they apply. */
const EVENT_KEYS = answerFields('/activity/search', ['events', '[]']);

let node: TestNode;
let subKey: string;
const SUB = `sub${randomBytes(3).toString('hex')}`;
// One email, its life told in events one minute apart (recorded with explicit dates, as delivery does).
const EMAIL = newSortableId(Date.UTC(2031, 2, 1, 9));
const T0 = Date.UTC(2031, 2, 1, 9, 0, 0);
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const BOUNCE_EMAIL = newSortableId(T0 + 5 * 60_000);

function event(e: Partial<NewEvent> & Pick<NewEvent, 'event'>): NewEvent {
  return {
    accountId: node.masterAccountId,
    emailId: EMAIL,
    username: 'Shop-Web',
    sender: 'news@shop.example',
    recipient: 'alice@example.org',
    subject: 'Spring sale',
    ...e,
  };
}

before(async () => {
  node = await startTestNode();
  await node.ops.repos.events.record([
    event({ event: 'processed', date: at(0) }),
    event({
      event: 'delivered',
      date: at(1),
      smtpResponse: '250 2.0.0 queued as 1234',
      host: 'mx.example.org',
    }),
    event({ event: 'opened', date: at(2), userAgent: 'Mail/1.0', ip: '192.0.2.7' }),
    event({
      event: 'clicked',
      date: at(3),
      url: 'https://shop.example/sale',
      userAgent: 'Mail/1.0',
      ip: '192.0.2.7',
    }),
    event({ event: 'rejected', date: at(4), recipient: 'bob@example.net', reason: 'unsubscribed' }),
    event({
      event: 'hard-bounced',
      date: at(5),
      emailId: BOUNCE_EMAIL,
      recipient: 'nobody@example.net',
      sender: 'billing@other.example',
      username: 'billing',
      subject: 'Invoice',
      smtpResponse: '550 5.1.1 no such user',
      host: 'mx.example.net',
    }),
    // Other accounts' events, at the same times: never in the master account's answers.
    event({
      event: 'processed',
      date: at(6),
      accountId: SUB,
      emailId: newSortableId(),
      recipient: 'sub-reader@example.org',
    }),
    event({ event: 'processed', date: at(7), accountId: 'someone-else', recipient: 'stranger@example.org' }),
  ]);
  await insertSubaccount(node, SUB);
  const added = await node.call('/api_keys/add', { subaccount_id: SUB, endpoints: ['*'] });
  subKey = assertOk<{ api_key: string }>(added).api_key;
});
after(async () => {
  await node.stop();
});

async function search(body: Record<string, unknown>, key?: string): Promise<Page> {
  return assertOk<Page>(await node.call('/activity/search', body, key === undefined ? {} : { key }));
}

const names = (page: Page) => page.events.map((e) => e.event);

describe('POST /v3/activity/search', () => {
  it('answers the events newest first, each with its fields and the optional ones only where they apply', async () => {
    const page = await search({});
    assert.deepEqual(names(page), [
      'hard-bounced',
      'rejected',
      'clicked',
      'opened',
      'delivered',
      'processed',
    ]);
    assert.equal(page.continue_token, null);
    const byName = new Map(page.events.map((e) => [e.event, e]));
    const processed = byName.get('processed');
    assert.deepEqual(Object.keys(processed ?? {}).sort(), EVENT_KEYS);
    assert.equal(processed?.event, 'processed');
    assert.equal(processed?.date, '2031-03-01T09:00:00.000Z');
    assert.equal(processed?.email_id, EMAIL);
    assert.equal(processed?.username, 'Shop-Web');
    assert.equal(processed?.sender, 'news@shop.example');
    assert.equal(processed?.recipient, 'alice@example.org');
    assert.equal(processed?.subject, 'Spring sale');
    assert.equal(processed?.reason, '');
    assert.equal(processed?.subaccount_name, 'Test master');
    assert.deepEqual(Object.keys(byName.get('delivered') ?? {}).sort(), EVENT_KEYS);
    assert.equal(byName.get('delivered')?.smtp_response, '250 2.0.0 queued as 1234');
    assert.equal(byName.get('delivered')?.host, 'mx.example.org');
    assert.deepEqual(
      Object.keys(byName.get('clicked') ?? {}).sort(),
      [...EVENT_KEYS, 'ip', 'url', 'user_agent'].sort(),
    );
    assert.deepEqual(byName.get('clicked')?.metadata, { url: 'https://shop.example/sale' });
    assert.equal(page.total_events, 6);
    assert.equal(byName.get('clicked')?.url, 'https://shop.example/sale');
    assert.equal(byName.get('opened')?.ip, '192.0.2.7');
    assert.equal(byName.get('opened')?.user_agent, 'Mail/1.0');
    assert.equal(byName.get('rejected')?.reason, 'unsubscribed');
  });

  it('filters by event_types, email_id, username (any case), recipient and sender (parts, any case)', async () => {
    assert.deepEqual(names(await search({ event_types: ['opened', 'clicked'] })), ['clicked', 'opened']);
    assert.deepEqual(names(await search({ email_id: EMAIL, event_types: ['hard-bounced'] })), []);
    assert.equal((await search({ email_id: EMAIL })).events.length, 5);
    assert.deepEqual(names(await search({ username: 'BILLING' })), ['hard-bounced']);
    assert.deepEqual(names(await search({ username: 'bill' })), []);
    assert.deepEqual(names(await search({ search_recipient: 'EXAMPLE.NET' })), ['hard-bounced', 'rejected']);
    assert.deepEqual(names(await search({ search_sender: 'Other.Example' })), ['hard-bounced']);
    // Blank filters are no filters.
    assert.equal((await search({ username: '', search_recipient: '', email_id: '' })).events.length, 6);
  });

  it('filters by start_date and end_date, inclusive; a plain end date covers its whole day', async () => {
    const range = await search({ start_date: '2031-03-01T09:01:00Z', end_date: '2031-03-01T09:03:00Z' });
    assert.deepEqual(names(range), ['clicked', 'opened', 'delivered']);
    const offset = await search({ start_date: '2031-03-01T11:04:00+02:00' });
    assert.deepEqual(names(offset), ['hard-bounced', 'rejected']);
    assert.equal((await search({ start_date: '2031-03-01', end_date: '2031-03-01' })).events.length, 6);
    assert.equal((await search({ end_date: '2031-02-28' })).events.length, 0);
  });

  it('pages with limit and continue_token, newest first, without repeats or gaps', async () => {
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const page: Page = await search({ limit: 4, ...(token === null ? {} : { continue_token: token }) });
      assert.ok(page.events.length <= 4);
      seen.push(...names(page));
      token = page.continue_token;
      pages++;
    } while (token !== null && pages < 10);
    assert.equal(pages, 2);
    assert.deepEqual(seen, ['hard-bounced', 'rejected', 'clicked', 'opened', 'delivered', 'processed']);
    const first = await search({ limit: 6 });
    assert.equal(first.continue_token, null);
  });

  it('shows an account only its own events: a subaccount by its key or by subaccount_id', async () => {
    const own = await search({}, subKey);
    assert.deepEqual(
      own.events.map((e) => e.recipient),
      ['sub-reader@example.org'],
    );
    const asSub = await search({ subaccount_id: SUB });
    assert.deepEqual(
      asSub.events.map((e) => e.recipient),
      ['sub-reader@example.org'],
    );
    const master = await search({ search_recipient: 'stranger' });
    assert.deepEqual(master.events, []);
    assert.deepEqual((await search({ email_id: EMAIL }, subKey)).events, []);
  });

  it('refuses bad values naming the field', async () => {
    const call = (body: Record<string, unknown>) => node.call('/activity/search', body);
    assertFieldError(await call({ start_date: 'yesterday' }), 'start_date', 'yesterday');
    assertFieldError(await call({ end_date: '2031-02-30' }), 'end_date', '2031-02-30');
    assertFieldError(await call({ start_date: '2031-03-02', end_date: '2031-03-01' }), 'end_date');
    assertFieldError(await call({ event_types: ['bounced'] }), 'event_types.0', 'bounced');
    assertFieldError(await call({ event_types: 'opened' }), 'event_types');
    assertFieldError(await call({ limit: 1001 }), 'limit', '1001');
    assertFieldError(await call({ limit: 0 }), 'limit');
    assertFieldError(await call({ continue_token: 'bm90LWEtdG9rZW4' }), 'continue_token');
    assertFieldError(await call({ subaccount_id: 'not-mine' }), 'subaccount_id');
  });
});

describe("POST /v3/activity/search with SMTP2GO's request fields", () => {
  it('takes every request field the reference lists', async () => {
    const { requestFields } = await import('./reference.js');
    const body = Object.fromEntries(
      requestFields('/activity/search').map((f) => [
        f,
        ['search_usernames', 'subaccounts', 'event_types', 'custom_headers'].includes(f)
          ? []
          : ['only_latest', 'only_latest_by_sent', 'include_headers'].includes(f)
            ? false
            : f === 'limit'
              ? 10
              : f === 'region'
                ? 'us'
                : '',
      ]),
    );
    assert.equal((await search(body)).total_events, 6);
  });

  it("filters by search_email_id, search_usernames, search_subject and search with '|' alternatives", async () => {
    assert.equal((await search({ search_email_id: EMAIL })).total_events, 5);
    assert.deepEqual(names(await search({ search_usernames: ['nobody', 'BILLING'] })), ['hard-bounced']);
    assert.deepEqual(names(await search({ search_subject: 'invo' })), ['hard-bounced']);
    assert.deepEqual(names(await search({ search: 'invoice | BOB@' })), ['hard-bounced', 'rejected']);
    assert.deepEqual(names(await search({ search: 'billing' })), ['hard-bounced']);
    assert.equal((await search({ search: EMAIL })).total_events, 5);
    assert.equal((await search({ search: ' | ' })).total_events, 6);
    assert.equal((await search({ search: 'nothing-like-this' })).total_events, 0);
  });

  it('answers total_events over all pages', async () => {
    const page = await search({ limit: 2 });
    assert.equal(page.events.length, 2);
    assert.equal(page.total_events, 6);
    assert.notEqual(page.continue_token, null);
  });

  it('only_latest answers the newest event of each email; only_latest_by_sent orders them by email', async () => {
    const latest = await search({ only_latest: true });
    assert.deepEqual(
      latest.events.map((e) => [e.event, e.email_id]),
      [
        ['hard-bounced', BOUNCE_EMAIL],
        ['rejected', EMAIL],
      ],
    );
    assert.equal(latest.total_events, 2);
    const typed = await search({ only_latest: true, event_types: ['opened', 'delivered'] });
    assert.deepEqual(names(typed), ['opened']);
    const bySent = await search({ only_latest_by_sent: true, limit: 1 });
    assert.equal(bySent.events.length, 1);
    assert.equal(bySent.total_events, 2);
    const next = await search({ only_latest_by_sent: true, limit: 1, continue_token: bySent.continue_token });
    assert.deepEqual([bySent.events[0]?.email_id, next.events[0]?.email_id], [BOUNCE_EMAIL, EMAIL]);
    assert.equal(next.continue_token, null);
  });

  it('subaccounts lists the subaccounts searched; one not of this account is refused', async () => {
    const page = await search({ subaccounts: [SUB] });
    assert.deepEqual(
      page.events.map((e) => [e.recipient, e.subaccount_name]),
      [['sub-reader@example.org', `Subaccount ${SUB}`]],
    );
    assertFieldError(await node.call('/activity/search', { subaccounts: ['someone-else'] }), 'subaccounts');
    assertFieldError(
      await node.call('/activity/search', { subaccounts: [SUB] }, { key: subKey }),
      'subaccounts',
    );
  });

  it('refuses wrong types naming the field', async () => {
    const call = (body: Record<string, unknown>) => node.call('/activity/search', body);
    assertFieldError(await call({ only_latest: 'yes' }), 'only_latest');
    assertFieldError(await call({ include_headers: 1 }), 'include_headers');
    assertFieldError(await call({ search_usernames: 'billing' }), 'search_usernames');
    assertFieldError(await call({ custom_headers: [7] }), 'custom_headers.0');
    assertFieldError(await call({ search: 42 }), 'search');
    // Unknown fields are ignored (SPEC §1.2).
    assert.equal((await search({ version: 1, something_else: true })).total_events, 6);
  });
});
