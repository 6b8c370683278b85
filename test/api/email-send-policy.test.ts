// The sending policy through email/send (SPEC §1.6, §1.7, §2.3–§2.4): the calling key's own settings play
// the SMTP user's part — blocked, sandbox (held, audit copies queued), a rate limit counted per recipient
// against the key, a closed subaccount, the subaccount's monthly limit — and bodies over 30 MiB get 413.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { CODES, assertApiException, assertError, assertOk } from './api-assertions.js';
import { addKey, readStored, type NewKey, type SendData } from './email-helpers.js';

let node: TestNode;

before(async () => {
  node = await startTestNode();
});
after(() => node.stop());

const MiB = 1024 * 1024;

function message(to: string[], extra: Record<string, unknown> = {}) {
  return { sender: 'app@example.com', to, subject: 'Policy', text_body: 'Hello', ...extra };
}

async function send(as: NewKey | null, body: Record<string, unknown>) {
  return node.call('/email/send', body, as === null ? {} : { key: as.key });
}

async function addSubaccount(fields: Record<string, unknown> = {}): Promise<string> {
  const answer = await node.call('/subaccount/add', { fullname: 'Policy Sub', ...fields });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.data.id as string;
}

describe('the key status', () => {
  test('blocked: 400 API_EXCEPTION naming the key, and nothing is stored', async () => {
    const key = await addKey(node, { status: 'blocked' });
    const before = node.spool.queue.messageCount();
    assertApiException(
      await send(key, message(['one@example.com'])),
      `Sending is blocked for API key '${key.id}'`,
    );
    assert.equal(node.spool.queue.messageCount(), before);
  });

  test('sandbox: accepted, held rather than queued, audit copies queued', async () => {
    const key = await addKey(node, { status: 'sandbox', audit_email: 'audit@example.org' });
    const data = assertOk<SendData>(
      await send(key, message(['one@example.com'], { bcc: ['two@example.com'] })),
    );
    assert.equal(data.succeeded, 2);
    const stored = await readStored(node, data.email_id as string);
    assert.equal(stored.message.sandbox, true);
    assert.deepEqual(stored.recipients, [
      'audit:audit@example.org:queued',
      'recipient:one@example.com:held',
      'recipient:two@example.com:held',
    ]);
  });

  test('allowed with audit_email: the audit copy is an envelope recipient only', async () => {
    const key = await addKey(node, { audit_email: 'audit1@example.org,audit2@example.org' });
    const data = assertOk<SendData>(await send(key, message(['one@example.com'])));
    const stored = await readStored(node, data.email_id as string);
    assert.equal(stored.message.sandbox, false);
    assert.deepEqual(stored.recipients, [
      'audit:audit1@example.org:queued',
      'audit:audit2@example.org:queued',
      'recipient:one@example.com:queued',
    ]);
    assert.doesNotMatch(stored.raw.toString(), /audit1@example\.org/);
  });

  test('an edit of the key applies to its next request', async () => {
    const key = await addKey(node);
    assertOk(await send(key, message(['one@example.com'])));
    assertOk(await node.call('/api_keys/edit', { id: key.id, status: 'blocked' }));
    assertApiException(
      await send(key, message(['one@example.com'])),
      `Sending is blocked for API key '${key.id}'`,
    );
  });
});

describe('the rate limit of the key, counted per recipient', () => {
  test('recipients beyond the limit are reported in failures; the others are sent', async () => {
    const key = await addKey(node, {
      custom_ratelimit: true,
      custom_ratelimit_value: 2,
      custom_ratelimit_period: '1 hour',
    });
    const first = assertOk<SendData>(
      await send(key, message(['one@example.com', 'two@example.com'], { cc: ['three@example.com'] })),
    );
    assert.equal(first.succeeded, 2);
    assert.equal(first.failed, 1);
    assert.equal(first.failures.length, 1);
    assert.match(
      first.failures[0] ?? '',
      /^three@example\.com: rate limit exceeded for API key '.+' \(2 per 1:00:00\)/,
    );
    assert.deepEqual((await readStored(node, first.email_id as string)).recipients, [
      'recipient:one@example.com:queued',
      'recipient:two@example.com:queued',
    ]);

    // The window is full: the next request stores nothing and says why.
    const before = node.spool.queue.messageCount();
    const second = assertOk<SendData>(await send(key, message(['four@example.com'])));
    assert.deepEqual(
      { ...second, failures: second.failures.length },
      {
        succeeded: 0,
        failed: 1,
        failures: 1,
        email_id: null,
      },
    );
    assert.equal(node.spool.queue.messageCount(), before);

    // The limit is the key's own: another key of the same account still sends.
    const other = await addKey(node);
    assert.equal(assertOk<SendData>(await send(other, message(['four@example.com']))).succeeded, 1);
  });
});

describe('subaccounts', () => {
  test("a closed subaccount's mail is refused; its own keys stop working with it", async () => {
    const sub = await addSubaccount();
    const subKey = (await node.call('/api_keys/add', { subaccount_id: sub })).body.data as {
      api_key: string;
      id: string;
    };
    const own: NewKey = { key: subKey.api_key, id: subKey.id };
    const sent = assertOk<SendData>(await send(own, message(['one@example.com'])));
    assert.equal((await readStored(node, sent.email_id as string)).message.accountId, sub);
    assertOk(await send(null, message(['one@example.com'], { subaccount_id: sub })));

    assertOk(await node.call('/subaccount/close', { id: sub }));
    const before = node.spool.queue.messageCount();
    assertApiException(
      await send(null, message(['one@example.com'], { subaccount_id: sub })),
      `Sending is not allowed: the account '${sub}' is closed`,
    );
    assertError(await send(own, message(['one@example.com'])), 401, CODES.apiKeyInvalid);
    assert.equal(node.spool.queue.messageCount(), before);
  });

  test("the subaccount's monthly limit is counted per recipient", async () => {
    const sub = await addSubaccount({ limit: 2 });
    const data = assertOk<SendData>(
      await send(
        null,
        message(['one@example.com', 'two@example.com', 'three@example.com'], { subaccount_id: sub }),
      ),
    );
    assert.equal(data.succeeded, 2);
    assert.equal(data.failed, 1);
    assert.match(data.failures[0] ?? '', /^three@example\.com: monthly limit of 2 emails reached/);
  });
});

describe('body size (SPEC §1.10)', () => {
  test('a 12 MiB attachment, over the default limit of 10 MiB, is accepted', async () => {
    const file = Buffer.alloc(12 * MiB, 7);
    const data = assertOk<SendData>(
      await send(
        null,
        message(['one@example.com'], {
          attachments: [
            { filename: 'big.bin', fileblob: file.toString('base64'), mimetype: 'application/octet-stream' },
          ],
        }),
      ),
    );
    const attachment = (await readStored(node, data.email_id as string)).parsed.attachments[0];
    assert.equal(Buffer.from(attachment?.content as ArrayBuffer).equals(file), true);
  });

  test('a body over 30 MiB is refused with 413', async () => {
    const answer = await node.call('/email/send', undefined, {
      rawBody: JSON.stringify(message(['one@example.com'], { text_body: 'x'.repeat(30 * MiB) })),
    });
    assertError(answer, 413, CODES.payloadTooLarge);
  });
});
