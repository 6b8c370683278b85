// POST /v3/email/mime against a real node (SPEC §1.7): SMTP2GO's shape (the message base64-encoded in
// mime_email), sender and recipients read from the message's headers, the message stored byte for byte
// after Petrel's Received header (a Bcc header alone is removed), and the key's sending policy applied.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { assertApiException, assertFieldError, assertOk } from './api-assertions.js';
import { addKey, readStored, type SendData } from './email-helpers.js';

let node: TestNode;

before(async () => {
  node = await startTestNode();
});
after(() => node.stop());

// The example of SMTP2GO's documentation, decoded: it names no recipient, so one is added in front.
const DOC_EXAMPLE =
  'RnJvbTogSm9obiBEb2UgPGV4YW1wbGVAZXhhbXBsZS5jb20+DQpNSU1FLVZlcnNpb246IDEuMA0KQ29udGVudC1UeXBlOiBtdWx0aXBhcnQvbWl4ZWQ7DQogICAgICAgIGJvdW5kYXJ5PSJYWFhYYm91bmRhcnkgdGV4dCINCg0KVGhpcyBpcyBhIG11bHRpcGFydCBtZXNzYWdlIGluIE1JTUUgZm9ybWF0Lg0KDQotLVhYWFhib3VuZGFyeSB0ZXh0IA0KQ29udGVudC1UeXBlOiB0ZXh0L3BsYWluDQoNCnRoaXMgaXMgdGhlIGJvZHkgdGV4dA0KDQotLVhYWFhib3VuZGFyeSB0ZXh0IA0KQ29udGVudC1UeXBlOiB0ZXh0L3BsYWluOw0KQ29udGVudC1EaXNwb3NpdGlvbjogYXR0YWNobWVudDsNCiAgICAgICAgZmlsZW5hbWU9InRlc3QudHh0Ig0KDQp0aGlzIGlzIHRoZSBhdHRhY2htZW50IHRleHQNCg0KLS1YWFhYYm91bmRhcnkgdGV4dC0t';

const b64 = (message: Buffer | string): string => Buffer.from(message).toString('base64');

async function sendMime(mime: Buffer | string, extra: Record<string, unknown> = {}) {
  return node.call('/email/mime', { mime_email: b64(mime), ...extra });
}

/** The stored bytes after Petrel's own Received header (three folded lines, CRLF). */
function afterReceived(raw: Buffer): Buffer {
  const text = raw.toString('latin1');
  assert.match(
    text,
    /^Received: from unknown \(\[127\.0\.0\.1\]\)\r\n\tby petrel\.test \(Petrel\) with HTTP id \S+;\r\n\t[^\r\n]+\r\n/,
  );
  return raw.subarray(text.indexOf('\r\n', text.indexOf('\r\n', text.indexOf('\r\n') + 2) + 2) + 2);
}

describe('SMTP2GO request shapes', () => {
  test("the documentation's message, with a recipient added, is stored byte for byte", async () => {
    const original = Buffer.concat([
      Buffer.from('To: Jane <jane@example.com>\r\n'),
      Buffer.from(DOC_EXAMPLE, 'base64'),
    ]);
    const data = assertOk<SendData>(
      await node.call('/email/mime', { mime_email: original.toString('base64') }),
    );
    assert.deepEqual({ ...data, email_id: 'x' }, { succeeded: 1, failed: 0, failures: [], email_id: 'x' });
    const stored = await readStored(node, data.email_id as string);
    assert.equal(stored.message.senderKind, 'api');
    assert.equal(stored.message.mailFrom, 'example@example.com');
    assert.deepEqual(stored.recipients, ['recipient:jane@example.com:queued']);
    assert.deepEqual(afterReceived(stored.raw), original);
    assert.equal(stored.parsed.attachments[0]?.filename, 'test.txt');
  });

  test("the documentation's message as it is names no recipient: 400 naming mime_email", async () => {
    assertFieldError(
      await node.call('/email/mime', { mime_email: DOC_EXAMPLE }),
      'mime_email',
      'no recipients',
    );
  });
});

describe('the message decides the envelope', () => {
  test('To, Cc and Bcc are the recipients; the Bcc header is removed and nothing else changes', async () => {
    const head =
      'From: "App" <app@example.com>\r\nTo: one@example.com, Two <two@example.com>\r\n' +
      'Cc: three@example.com\r\nBcc: Secret <secret@example.com>,\r\n another@example.com\r\nSubject: Hi\r\n';
    const body = '\r\nBody line one\r\nBcc: not a header, part of the body\r\n';
    const data = assertOk<SendData>(await sendMime(head + body));
    assert.equal(data.succeeded, 5);
    const stored = await readStored(node, data.email_id as string);
    assert.deepEqual(stored.recipients, [
      'recipient:another@example.com:queued',
      'recipient:one@example.com:queued',
      'recipient:secret@example.com:queued',
      'recipient:three@example.com:queued',
      'recipient:two@example.com:queued',
    ]);
    const expected =
      head.replace(/Bcc: Secret <secret@example\.com>,\r\n another@example\.com\r\n/, '') + body;
    assert.equal(afterReceived(stored.raw).toString('latin1'), expected);
  });

  test('bare LF line endings and 8-bit bytes are kept as they are', async () => {
    const original = Buffer.concat([
      Buffer.from(
        'From: app@example.com\nTo: one@example.com\nSubject: caf\xe9\nContent-Type: text/plain; charset=iso-8859-1\n\n',
        'latin1',
      ),
      Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a, 0x00, 0xff, 0x0a]),
    ]);
    const data = assertOk<SendData>(await sendMime(original));
    assert.deepEqual(afterReceived((await readStored(node, data.email_id as string)).raw), original);
  });

  const refusals: [string, string, string][] = [
    ['no From header', 'To: one@example.com\r\n\r\nHi\r\n', 'From'],
    ['an invalid To address', 'From: a@example.com\r\nTo: nobody\r\n\r\nHi\r\n', 'nobody'],
    ['no recipient header', 'From: a@example.com\r\nSubject: x\r\n\r\nHi\r\n', 'no recipients'],
    ['not a message at all', 'just some text', 'From'],
  ];
  for (const [what, mime, found] of refusals) {
    test(`${what}: 400 naming mime_email, and nothing is stored`, async () => {
      const before = node.spool.queue.messageCount();
      assertFieldError(await sendMime(mime), 'mime_email', found);
      assert.equal(node.spool.queue.messageCount(), before);
    });
  }

  test('mime_email that is not base64: 400 naming it', async () => {
    assertFieldError(await node.call('/email/mime', { mime_email: 'From: a@example.com' }), 'mime_email');
  });
});

describe("the key's sending policy", () => {
  test('blocked, sandbox and the rate limit apply as for email/send', async () => {
    const mime = 'From: app@example.com\r\nTo: one@example.com, two@example.com\r\n\r\nHi\r\n';
    const blocked = await addKey(node, { status: 'blocked' });
    assertApiException(
      await node.call('/email/mime', { mime_email: b64(mime) }, { key: blocked.key }),
      `Sending is blocked for API key '${blocked.id}'`,
    );

    const sandbox = await addKey(node, { status: 'sandbox' });
    const held = assertOk<SendData>(
      await node.call('/email/mime', { mime_email: b64(mime) }, { key: sandbox.key }),
    );
    assert.deepEqual((await readStored(node, held.email_id as string)).recipients, [
      'recipient:one@example.com:held',
      'recipient:two@example.com:held',
    ]);

    const limited = await addKey(node, {
      custom_ratelimit: true,
      custom_ratelimit_value: 1,
      custom_ratelimit_period: '1 day',
    });
    const data = assertOk<SendData>(
      await node.call('/email/mime', { mime_email: b64(mime) }, { key: limited.key }),
    );
    assert.equal(data.succeeded, 1);
    assert.match(data.failures[0] ?? '', /^two@example\.com: rate limit exceeded/);
  });
});
