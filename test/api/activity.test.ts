// POST /v3/activity/search (SPEC §1.7) against a real node: the event shape, every filter, newest-first
// order with continue_token paging, validation, and that an account sees only its own events.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { newSortableId } from '../../src/security/sortable-id.js';
import type { NewEvent } from '../../src/store/repositories/events.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { assertFieldError, assertOk, insertSubaccount } from './api-assertions.js';

interface Event {
  [field: string]: unknown;
  event: string;
  date: string;
  email_id: string;
}
interface Page {
  events: Event[];
  continue_token: string | null;
}

const BASE_KEYS = ['date', 'email_id', 'event', 'recipient', 'sender', 'subject', 'username'];

let node: TestNode;
let subKey: string;
const SUB = `sub${randomBytes(3).toString('hex')}`;
// One email, its life told in events one minute apart (recorded with explicit dates, as delivery does).
const EMAIL = newSortableId(Date.UTC(2031, 2, 1, 9));
const T0 = Date.UTC(2031, 2, 1, 9, 0, 0);
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

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
      emailId: newSortableId(T0 + 5 * 60_000),
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
    assert.deepEqual(byName.get('processed'), {
      event: 'processed',
      date: '2031-03-01T09:00:00.000Z',
      email_id: EMAIL,
      username: 'Shop-Web',
      sender: 'news@shop.example',
      recipient: 'alice@example.org',
      subject: 'Spring sale',
    });
    assert.deepEqual(
      Object.keys(byName.get('delivered') ?? {}).sort(),
      [...BASE_KEYS, 'host', 'smtp_response'].sort(),
    );
    assert.equal(byName.get('delivered')?.smtp_response, '250 2.0.0 queued as 1234');
    assert.equal(byName.get('delivered')?.host, 'mx.example.org');
    assert.deepEqual(
      Object.keys(byName.get('clicked') ?? {}).sort(),
      [...BASE_KEYS, 'ip', 'url', 'user_agent'].sort(),
    );
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
