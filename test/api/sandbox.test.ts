// POST /v3/sandbox/search and /v3/sandbox/view (SPEC §1.7) against real sandboxed messages: SMTP users
// in sandbox status created through the API send with nodemailer to the node's SMTP listener; then the
// messages are listed, filtered, paged and shown, each account seeing only its own; and the retention.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { purgeExpiredSandbox } from '../../src/archive/sandbox-messages.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { CODES, assertError, assertFieldError, assertOk } from './api-assertions.js';

interface Listed {
  email_id: string;
  date: string;
  username: string;
  sender: string;
  recipients: string[];
  subject: string;
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
}

const PASSWORD = 'Tr0ub4dor&3x-sandbox';
const DAY = 86_400_000;

let node: TestNode;
let subId: string;
let subKey: string;
/** email ids in the order sent */
const sent: string[] = [];
let subMessage: string;
let audited: string;

before(async () => {
  // Should anything leave the sandbox, it has nowhere to go.
  node = await startTestNode({ PETREL_SMARTHOST: '127.0.0.1:9', PETREL_DNS_SERVERS: '127.0.0.1:9' });
  subId = assertOk<{ id: string }>(await node.call('/subaccount/add', { fullname: 'Sandbox sub' })).id;
  subKey = assertOk<{ api_key: string }>(
    await node.call('/api_keys/add', { subaccount_id: subId, endpoints: ['*'] }),
  ).api_key;
  await addUser({ username: 'sandbox-web' });
  await addUser({ username: 'sandbox-crm' });
  await addUser({ username: 'sandbox-audited', audit_email: 'audit@example.com' });
  await addUser({ username: 'sandbox-sub', subaccount_id: subId });

  sent.push(
    await send('sandbox-web', {
      from: '"Shop" <news@shop.example>',
      to: ['Alice <alice@example.org>', 'bob@example.net'],
      subject: 'Grüße aus dem Sandkasten',
      text: 'Hello from the sandbox\n',
      html: '<p>Hello <b>from</b> the sandbox</p>',
    }),
  );
  sent.push(
    await send('sandbox-crm', { from: 'crm@shop.example', to: 'carol@example.org', subject: 'Second' }),
  );
  sent.push(
    await send('sandbox-web', { from: 'news@shop.example', to: 'dave@example.org', subject: 'Third' }),
  );
  subMessage = await send('sandbox-sub', {
    from: 'sub@shop.example',
    to: 'erin@example.org',
    subject: 'Sub only',
  });
  audited = await send('sandbox-audited', {
    from: 'a@shop.example',
    to: 'frank@example.org',
    subject: 'Audited',
  });
});
after(async () => {
  await node.stop();
});

async function addUser(fields: Record<string, unknown>): Promise<void> {
  assertOk(await node.call('/users/smtp/add', { email_password: PASSWORD, status: 'sandbox', ...fields }));
}

/** Sends over SMTP as `user`; resolves to the id of the `250 2.0.0 OK id=…` reply. */
interface Mail {
  from: string;
  to: string | string[];
  subject: string;
  text?: string;
  html?: string;
}

async function send(user: string, mail: Mail): Promise<string> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: node.smtp.ports.smtp[0],
    auth: { user, pass: PASSWORD },
    // The node's certificate is self-signed; what is under test is the sandbox, not TLS.
    tls: { rejectUnauthorized: false },
  });
  try {
    const info = await transport.sendMail({ text: 'Hello\n', ...mail });
    const id = /id=([0-9a-z]+)/.exec(info.response)?.[1];
    assert.ok(id, info.response);
    return id;
  } finally {
    transport.close();
  }
}

async function search(body: Record<string, unknown> = {}, key?: string): Promise<Page> {
  return assertOk<Page>(await node.call('/sandbox/search', body, key === undefined ? {} : { key }));
}

describe('POST /v3/sandbox/search', () => {
  it('lists the held messages newest first, with the fields of SPEC §1.7', async () => {
    const page = await search();
    assert.deepEqual(
      page.messages.map((m) => m.email_id),
      [audited, ...sent]
        .filter((id) => id !== undefined)
        .sort()
        .reverse(),
    );
    assert.equal(page.continue_token, null);
    const first = page.messages.find((m) => m.email_id === sent[0]);
    assert.ok(first);
    assert.deepEqual(Object.keys(first).sort(), [
      'date',
      'email_id',
      'recipients',
      'sender',
      'subject',
      'username',
    ]);
    assert.equal(first.username, 'sandbox-web');
    assert.equal(first.sender, 'news@shop.example');
    assert.deepEqual(first.recipients, ['alice@example.org', 'bob@example.net']);
    assert.equal(first.subject, 'Grüße aus dem Sandkasten');
    assert.ok(Math.abs(Date.parse(first.date) - Date.now()) < 10 * 60_000, first.date);
    // The audit copy is delivered, not held: it is not listed among the recipients.
    assert.deepEqual(page.messages.find((m) => m.email_id === audited)?.recipients, ['frank@example.org']);
  });

  it('filters by username (any case) and by a part of a recipient', async () => {
    const byUser = await search({ username: 'SANDBOX-WEB' });
    assert.deepEqual(
      byUser.messages.map((m) => m.email_id),
      [sent[2], sent[0]],
    );
    const byRecipient = await search({ search_recipient: 'Example.NET' });
    assert.deepEqual(
      byRecipient.messages.map((m) => m.email_id),
      [sent[0]],
    );
    assert.deepEqual((await search({ username: 'nobody-here' })).messages, []);
  });

  it('pages with limit and continue_token', async () => {
    const seen: string[] = [];
    let token: string | null = null;
    do {
      const page: Page = await search({ limit: 2, ...(token === null ? {} : { continue_token: token }) });
      assert.ok(page.messages.length <= 2);
      seen.push(...page.messages.map((m) => m.email_id));
      token = page.continue_token;
    } while (token !== null && seen.length < 10);
    assert.deepEqual(
      seen,
      (await search()).messages.map((m) => m.email_id),
    );
    assert.equal(seen.length, 4);
  });

  it("shows an account only its own messages: the subaccount's by its key or by subaccount_id", async () => {
    assert.ok(!(await search()).messages.some((m) => m.email_id === subMessage));
    assert.deepEqual(
      (await search({}, subKey)).messages.map((m) => m.email_id),
      [subMessage],
    );
    assert.deepEqual(
      (await search({ subaccount_id: subId })).messages.map((m) => m.email_id),
      [subMessage],
    );
  });

  it('refuses bad values naming the field', async () => {
    assertFieldError(await node.call('/sandbox/search', { limit: 5000 }), 'limit', '5000');
    assertFieldError(await node.call('/sandbox/search', { continue_token: '!!' }), 'continue_token');
  });
});

describe('POST /v3/sandbox/view', () => {
  it('shows the headers in order, the decoded text and HTML bodies, and the raw source', async () => {
    const view = assertOk<View>(await node.call('/sandbox/view', { email_id: sent[0] }));
    assert.deepEqual(Object.keys(view).sort(), [
      'download_url',
      'email_id',
      'headers',
      'html_body',
      'raw',
      'size',
      'text_body',
      'truncated',
    ]);
    assert.equal(view.email_id, sent[0]);
    assert.equal(view.headers[0]?.name, 'Received');
    assert.match(view.headers[0]?.value ?? '', new RegExp(`id ${sent[0]}`));
    const header = (name: string) => view.headers.find((h) => h.name.toLowerCase() === name)?.value;
    assert.equal(header('subject'), 'Grüße aus dem Sandkasten');
    assert.equal(header('from'), 'Shop <news@shop.example>');
    assert.equal(view.text_body.trim(), 'Hello from the sandbox');
    assert.equal(view.html_body.trim(), '<p>Hello <b>from</b> the sandbox</p>');
    assert.match(view.raw, /^Received: from /);
    assert.match(view.raw, /\r\nSubject: =\?UTF-8\?/i);
    assert.match(view.raw, /Content-Type: multipart\/alternative/);
  });

  it("answers another account's message exactly like an unknown one (400 API_EXCEPTION)", async () => {
    const foreign = await node.call('/sandbox/view', { email_id: subMessage });
    const unknownId = `${subMessage.slice(0, -1)}${subMessage.endsWith('0') ? '1' : '0'}`;
    const unknown = await node.call('/sandbox/view', { email_id: unknownId });
    const a = assertError(foreign, 400, CODES.apiException);
    const b = assertError(unknown, 400, CODES.apiException);
    assert.equal(a.error.replace(subMessage, '<id>'), b.error.replace(unknownId, '<id>'));
    assert.equal(a.error, `No sandboxed message '${subMessage}' in this account`);
    assert.equal(a.field_validation_errors, undefined);
    assertError(await node.call('/sandbox/view', { email_id: 'not an id' }), 400, CODES.apiException);
    // Its own account sees it.
    assert.equal(
      assertOk<View>(await node.call('/sandbox/view', { email_id: subMessage }, { key: subKey })).email_id,
      subMessage,
    );
  });

  it('needs email_id', async () => {
    assertFieldError(await node.call('/sandbox/view', {}), 'email_id');
  });
});

describe('sandbox retention', () => {
  it('removes messages older than the retention, keeping newer ones and those with audit copies on their way', async () => {
    const queue = node.spool.queue;
    assert.equal(await purgeExpiredSandbox(queue, 7, Date.now() + 6 * DAY), 0);
    assert.equal((await search()).messages.length, 4);

    const removed = await purgeExpiredSandbox(queue, 7, Date.now() + 8 * DAY);
    const auditPending = queue
      .recipientsOf(audited)
      .some((r) => r.state === 'queued' || r.state === 'deferred');
    assert.equal(removed, auditPending ? 4 : 5);
    assert.deepEqual(
      (await search()).messages.map((m) => m.email_id),
      auditPending ? [audited] : [],
    );
    assertError(await node.call('/sandbox/view', { email_id: sent[0] }), 400, CODES.apiException);
    assert.equal(queue.getMessage(sent[0] as string), undefined);
  });
});
