// /v3/archive/search and /v3/archive/view (SPEC §3.2) against a real node, over messages put through the
// real archiver (as the delivery worker does): filters, newest-first paging, the view with its raw source
// and events, account isolation, a message stored on another node, and what the retention purge leaves.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Archiver } from '../../src/archive/archiver.js';
import { newSortableId } from '../../src/security/sortable-id.js';
import type { QueuedMessage } from '../../src/spool/index.js';
import { archiveRepository } from '../../src/store/repositories/archive.js';
import { DAY, archiveMessage, mime, nodeArchiver, queued as queuedFor } from '../archive/fixtures.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { CODES, assertError, assertFieldError, assertOk, insertSubaccount } from './api-assertions.js';
import { answerFields } from './reference.js';

interface Listed {
  email_id: string;
  date: string;
  username: string;
  sender: string;
  recipients: string[];
  subject: string;
  size: number;
}
interface Page {
  messages: Listed[];
  continue_token: string | null;
}
interface View {
  email_id: string;
  headers: { name: string; value: string }[];
  text_body: string;
  html_body: string;
  raw: string;
  events: Record<string, unknown>[];
}

const SUB = 'archivesub1';

let node: TestNode;
let archiver: Archiver;

before(async () => {
  node = await startTestNode();
  await insertSubaccount(node, SUB);
  archiver = nodeArchiver(node);
});
after(async () => {
  await node.stop();
});

const queued = (fields: Partial<QueuedMessage> = {}) => queuedFor(node, fields);
const archive = (message: QueuedMessage, body: Buffer, subject: string, recipients?: string[]) =>
  archiveMessage(archiver, message, body, subject, recipients);

async function search(body: Record<string, unknown>, key?: string): Promise<Page> {
  return assertOk<Page>(await node.call('/archive/search', body, key === undefined ? {} : { key }));
}

const ids = (page: Page) => page.messages.map((m) => m.email_id);

describe('POST /v3/archive/search', () => {
  const now = Date.now();
  let old: QueuedMessage;
  let middle: QueuedMessage;
  let recent: QueuedMessage;

  before(async () => {
    old = await archive(
      queued({ username: 'Search-User', receivedAt: now - 3 * DAY }),
      mime('Weekly news'),
      'Weekly news',
      ['a@example.org'],
    );
    middle = await archive(
      queued({ username: 'search-user', receivedAt: now - 2 * DAY, mailFrom: 'billing@other.example' }),
      mime('Your invoice 100%'),
      'Your invoice 100%',
      ['b@example.net'],
    );
    recent = await archive(
      queued({ username: 'search-user', receivedAt: now - DAY }),
      mime('Weekly news'),
      'Weekly news',
      ['c@example.org', 'd@example.net'],
    );
    await archive(queued({ username: 'search-user', accountId: SUB }), mime('Sub'), 'Sub', ['e@example.org']);
  });

  it('lists newest first and filters by username (any case), recipient, sender and subject parts', async () => {
    assert.deepEqual(ids(await search({ username: 'SEARCH-USER' })), [recent.id, middle.id, old.id]);
    assert.deepEqual(ids(await search({ username: 'search-user', search_recipient: 'EXAMPLE.NET' })), [
      recent.id,
      middle.id,
    ]);
    assert.deepEqual(ids(await search({ username: 'search-user', search_sender: 'other.example' })), [
      middle.id,
    ]);
    assert.deepEqual(ids(await search({ username: 'search-user', subject: 'weekly' })), [recent.id, old.id]);
    // LIKE's wildcards in a search are plain characters.
    assert.deepEqual(ids(await search({ username: 'search-user', subject: '100%' })), [middle.id]);
    assert.deepEqual(ids(await search({ username: 'search-user', subject: 'invoice_' })), []);
  });

  it('filters by start_date and end_date', async () => {
    const iso = (t: number) => new Date(t).toISOString();
    const range = await search({
      username: 'search-user',
      start_date: iso(now - 2 * DAY),
      end_date: iso(now - DAY - 1),
    });
    assert.deepEqual(ids(range), [middle.id]);
    assertFieldError(
      await node.call('/archive/search', { start_date: 'last week' }),
      'start_date',
      'last week',
    );
  });

  it('pages with limit and continue_token', async () => {
    const first = await search({ username: 'search-user', limit: 2 });
    assert.deepEqual(ids(first), [recent.id, middle.id]);
    assert.ok(first.continue_token);
    const second = await search({ username: 'search-user', limit: 2, continue_token: first.continue_token });
    assert.deepEqual(ids(second), [old.id]);
    assert.equal(second.continue_token, null);
  });

  it('shows an account only its own archive', async () => {
    const sub = await search({ subaccount_id: SUB });
    assert.deepEqual(
      sub.messages.map((m) => m.subject),
      ['Sub'],
    );
    assert.ok(!(await search({ username: 'search-user' })).messages.some((m) => m.subject === 'Sub'));
  });
});

describe('POST /v3/archive/view', () => {
  it('answers the headers, bodies, raw source and the events of the message', async () => {
    const body = mime('Order shipped');
    const m = await archive(queued({ username: 'view-user' }), body, 'Order shipped', ['alice@example.org']);
    await node.ops.repos.events.record([
      {
        accountId: m.accountId,
        event: 'processed',
        emailId: m.id,
        username: 'view-user',
        sender: m.mailFrom,
        recipient: 'alice@example.org',
        subject: 'Order shipped',
        date: new Date(m.receivedAt),
      },
      {
        accountId: m.accountId,
        event: 'delivered',
        emailId: m.id,
        username: 'view-user',
        sender: m.mailFrom,
        recipient: 'alice@example.org',
        subject: 'Order shipped',
        date: new Date(m.receivedAt + 1000),
        smtpResponse: '250 ok',
        host: 'mx.example.org',
      },
    ]);
    const view = assertOk<View>(await node.call('/archive/view', { email_id: m.id }));
    // SMTP2GO's fields (the reference's /archive/email) and Petrel's bodies, raw source and events.
    const expectedKeys = [
      ...new Set([
        ...answerFields('/archive/email', [], 'all'),
        'download_url',
        'events',
        'html_body',
        'raw',
        'size',
        'text_body',
        'truncated',
      ]),
    ].sort();
    assert.deepEqual(Object.keys(view).sort(), expectedKeys);
    const email = assertOk<Record<string, unknown>>(await node.call('/archive/email', { email_id: m.id }));
    assert.deepEqual(Object.keys(email).sort(), expectedKeys);
    assert.equal(typeof email.headers, 'string');
    assert.match(email.headers as string, /^Received: /);
    assert.match(email.headers as string, /\r\nSubject: Order shipped\r\n/);
    assert.equal(email.subject, 'Order shipped');
    assert.equal(email.byte_count, body.length);
    assert.equal(email.sent, new Date(m.receivedAt).toISOString());
    assert.deepEqual(email.events, view.events);
    assert.equal(view.email_id, m.id);
    assert.equal(view.raw, body.toString('utf8'));
    assert.deepEqual(
      view.headers.map((h) => h.name),
      ['Received', 'From', 'To', 'Cc', 'Subject', 'MIME-Version', 'Content-Type'],
    );
    assert.equal(view.headers[4]?.value, 'Order shipped');
    assert.equal(view.text_body.trim(), 'Grüße, plain text');
    assert.equal(view.html_body.trim(), '<p>Grüße, <b>HTML</b></p>');
    assert.deepEqual(
      view.events.map((e) => [e.event, e.recipient, e.smtp_response]),
      [
        ['processed', 'alice@example.org', ''],
        ['delivered', 'alice@example.org', '250 ok'],
      ],
    );
  });

  it('keeps every byte of a message that is not UTF-8 (raw is then Latin-1, one character per byte)', async () => {
    const body = Buffer.concat([mime('Latin'), Buffer.from([0xe9, 0xff, 0x0d, 0x0a])]);
    const m = await archive(queued({ username: 'latin-user' }), body, 'Latin', []);
    const view = assertOk<View>(await node.call('/archive/view', { email_id: m.id }));
    assert.deepEqual(Buffer.from(view.raw, 'latin1'), body);
  });

  it("answers another account's message exactly like an unknown one (400 API_EXCEPTION)", async () => {
    const m = await archive(queued({ accountId: SUB, username: 'sub-user' }), mime('Private'), 'Private', []);
    const unknownId = newSortableId();
    const foreign = assertError(
      await node.call('/archive/view', { email_id: m.id }),
      400,
      CODES.apiException,
    );
    const unknown = assertError(
      await node.call('/archive/view', { email_id: unknownId }),
      400,
      CODES.apiException,
    );
    assert.equal(foreign.error, `No archived message '${m.id}' in this account`);
    assert.equal(foreign.error.replace(m.id, '<id>'), unknown.error.replace(unknownId, '<id>'));
    assertError(await node.call('/archive/view', { email_id: '../../etc/passwd' }), 400, CODES.apiException);
    assert.equal(
      assertOk<View>(await node.call('/archive/view', { email_id: m.id, subaccount_id: SUB })).email_id,
      m.id,
    );
  });

  it('names the node that holds a message stored elsewhere', async () => {
    const id = newSortableId();
    await archiveRepository(node.store.db).insert({
      emailId: id,
      accountId: node.masterAccountId,
      username: 'remote-user',
      sender: 's@example.org',
      recipients: [],
      subject: 'Elsewhere',
      date: new Date().toISOString(),
      size: 10,
      node: 'other-node.test',
    });
    const error = assertError(await node.call('/archive/view', { email_id: id }), 400, CODES.apiException);
    assert.match(error.error, /other-node\.test/);
  });
});

describe('after the retention purge', () => {
  it('an expired message is gone from search and view; a younger one stays', async () => {
    const now = Date.now();
    const user = 'retention-user';
    const expired = await archive(
      queued({ username: user, receivedAt: now - 91 * DAY }),
      mime('Old'),
      'Old',
      [],
    );
    const kept = await archive(
      queued({ username: user, receivedAt: now - 89 * DAY }),
      mime('Young'),
      'Young',
      [],
    );
    assert.deepEqual(ids(await search({ username: user })), [kept.id, expired.id]);
    assert.ok((await archiver.purgeExpired(new Date(now))) >= 1);
    assert.deepEqual(ids(await search({ username: user })), [kept.id]);
    assertError(await node.call('/archive/view', { email_id: expired.id }), 400, CODES.apiException);
    assertOk<View>(await node.call('/archive/view', { email_id: kept.id }));
  });
});
