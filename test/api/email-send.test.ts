// POST /v3/email/send against a real node (SPEC §1.7): SMTP2GO's documented request and the shapes its
// official clients send work unchanged, and the message they produce is stored in the spool with the
// right headers, bodies, attachments, inline parts and envelope (bcc only there).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { assertFieldError, assertOk } from './api-assertions.js';
import { addKey, headerBlock, readStored, type NewKey, type SendData } from './email-helpers.js';

let node: TestNode;
let key: NewKey;

before(async () => {
  node = await startTestNode();
  key = await addKey(node);
});
after(() => node.stop());

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const PDF = Buffer.from('%PDF-1.4\n% not really a PDF, but bytes that must arrive unchanged \x00\xff\n');

/** Sends as the given key; the key goes in the body, as every official client does. */
async function send(body: Record<string, unknown>, as: NewKey = key) {
  return node.call('/email/send', { api_key: as.key, ...body }, { key: null });
}

async function sent(body: Record<string, unknown>, as: NewKey = key): Promise<SendData> {
  const data = assertOk<SendData>(await send(body, as));
  assert.equal(typeof data.email_id, 'string');
  return data;
}

function bytesOf(content: ArrayBuffer | Uint8Array | string): Buffer {
  return typeof content === 'string' ? Buffer.from(content) : Buffer.from(content as Uint8Array);
}

describe('SMTP2GO request shapes', () => {
  test("the request example of SMTP2GO's documentation", async () => {
    const data = await sent({
      to: ['Test Person <test@example.com>'],
      sender: 'Test Persons Friend <test2@example.com>',
      subject: 'Hello Test Person',
      text_body: "You're my favorite test person ever",
      html_body: "<h1>You're my favorite test person ever</h1>",
      custom_headers: [{ header: 'Reply-To', value: 'Actual Person <test3@example.com>' }],
    });
    assert.deepEqual({ ...data, email_id: 'x' }, { succeeded: 1, failed: 0, failures: [], email_id: 'x' });
    const stored = await readStored(node, data.email_id as string);
    assert.equal(stored.message.senderKind, 'api');
    assert.equal(stored.message.username, key.id);
    assert.equal(stored.message.accountId, node.masterAccountId);
    assert.equal(stored.message.mailFrom, 'test2@example.com');
    assert.equal(stored.message.clientAddress, '127.0.0.1');
    assert.deepEqual(stored.recipients, ['recipient:test@example.com:queued']);
    const p = stored.parsed;
    assert.deepEqual(p.from, { name: 'Test Persons Friend', address: 'test2@example.com' });
    assert.deepEqual(p.to, [{ name: 'Test Person', address: 'test@example.com' }]);
    assert.deepEqual(p.replyTo, [{ name: 'Actual Person', address: 'test3@example.com' }]);
    assert.equal(p.subject, 'Hello Test Person');
    assert.equal(p.text?.trim(), "You're my favorite test person ever");
    assert.equal(p.html?.trim(), "<h1>You're my favorite test person ever</h1>");
    assert.match(
      headerBlock(stored.raw),
      /^Received: from unknown \(\[127\.0\.0\.1\]\)\r\n\tby petrel\.test \(Petrel\) with HTTP id /,
    );
    assert.match(headerBlock(stored.raw), /^Message-ID: <[^>]+@example\.com>$/im);
  });

  test("the PHP client's shape: quoted sender name, cc, bcc, attachments, inlines, version", async () => {
    const data = await sent({
      to: ['Recipient Name <recipient@email.test>', 'Recipient Name 2 <recipient2@email.test>'],
      cc: ['cc@email.test'],
      bcc: ['bcc@email.test'],
      sender: '"Sender Name" <sender@email.test>',
      html_body: '<h1>A cat</h1><img src="cid:a-cat-picture" alt="a cat"/>',
      custom_headers: [{ header: 'X-Custom', value: 'custom value' }],
      subject: 'Test Email',
      attachments: [
        { filename: 'report.pdf', fileblob: PDF.toString('base64'), mimetype: 'application/pdf' },
      ],
      inlines: [{ filename: 'a-cat-picture', fileblob: PNG.toString('base64'), mimetype: 'image/jpeg' }],
      version: 1,
    });
    assert.equal(data.succeeded, 4);
    const stored = await readStored(node, data.email_id as string);
    assert.deepEqual(stored.recipients, [
      'recipient:bcc@email.test:queued',
      'recipient:cc@email.test:queued',
      'recipient:recipient2@email.test:queued',
      'recipient:recipient@email.test:queued',
    ]);
    const p = stored.parsed;
    assert.deepEqual(p.from, { name: 'Sender Name', address: 'sender@email.test' });
    assert.deepEqual(p.cc, [{ name: '', address: 'cc@email.test' }]);
    assert.equal(p.bcc, undefined, 'the bcc recipient shows in the message');
    assert.doesNotMatch(stored.raw.toString('latin1'), /^bcc:/im);
    assert.doesNotMatch(stored.raw.toString('latin1'), /bcc@email\.test/);
    assert.equal(p.headers.find((h) => h.key === 'x-custom')?.value, 'custom value');

    const pdf = p.attachments.find((a) => a.filename === 'report.pdf');
    assert.ok(pdf, 'the attachment is missing');
    assert.equal(pdf.mimeType, 'application/pdf');
    assert.equal(pdf.disposition, 'attachment');
    assert.deepEqual(bytesOf(pdf.content), PDF);

    const cat = p.attachments.find((a) => a.contentId === '<a-cat-picture>');
    assert.ok(cat, 'the inline part is missing');
    assert.equal(cat.disposition, 'inline');
    assert.equal(cat.related, true, 'the inline part is not referenced from the html');
    assert.deepEqual(bytesOf(cat.content), PNG);
    assert.match(stored.raw.toString('latin1'), /Content-Type: multipart\/related/i);
  });

  test("the Node.js client's shape: <addr> without a name, {name, value} headers, html only", async () => {
    const data = await sent({
      html_body: '<h1>Hello World</h1><img src="cid:a-cat"/>',
      to: ['Optional Name <to@address.dev>'],
      cc: ['<cc@address.dev>'],
      sender: '<from@address.dev>',
      subject: 'Testing',
      custom_headers: [{ name: 'X-SENT-BY', value: 'SMPT2GONODE' }],
      attachments: [
        { filename: 'test.txt', fileblob: Buffer.from('hello\n').toString('base64'), mimetype: 'text/plain' },
      ],
      inlines: [{ filename: 'a-cat', fileblob: PNG.toString('base64'), mimetype: 'image/png' }],
    });
    const stored = await readStored(node, data.email_id as string);
    assert.equal(stored.message.mailFrom, 'from@address.dev');
    const p = stored.parsed;
    assert.equal(p.from?.address, 'from@address.dev');
    assert.equal(p.text, undefined);
    assert.match(p.html ?? '', /<h1>Hello World<\/h1>/);
    assert.equal(p.headers.find((h) => h.key === 'x-sent-by')?.value, 'SMPT2GONODE');
    assert.equal(
      bytesOf(p.attachments.find((a) => a.filename === 'test.txt')?.content ?? '').toString(),
      'hello\n',
    );
    assert.ok(p.attachments.some((a) => a.contentId === '<a-cat>'));
  });

  test("the Python client's shape: a null html_body, the key in the body", async () => {
    const data = await sent({
      sender: 'goofy@clubhouse.com',
      to: ['mickey@clubhouse.com'],
      subject: 'Trying out SMTP2Go',
      text_body: 'Test message',
      html_body: null,
    });
    const p = (await readStored(node, data.email_id as string)).parsed;
    assert.equal(p.text?.trim(), 'Test message');
    assert.equal(p.html, undefined);
  });

  test('the key may also come in the X-Smtp2go-Api-Key header, and a repeated recipient is sent once', async () => {
    const answer = await node.call(
      '/email/send',
      {
        sender: 'a@example.com',
        to: ['b@example.com', 'B@example.com'],
        cc: ['b@example.com'],
        subject: 's',
        text_body: 't',
      },
      { key: key.key },
    );
    const data = assertOk<SendData>(answer);
    assert.equal(data.succeeded, 1);
    assert.deepEqual((await readStored(node, data.email_id as string)).recipients, [
      'recipient:b@example.com:queued',
    ]);
  });
});

describe('fields that cannot be sent are refused naming the field, and nothing is stored', () => {
  const valid = { sender: 'a@example.com', to: ['b@example.com'], subject: 's', text_body: 't' };
  const blob = { filename: 'f.txt', fileblob: 'aGVsbG8=', mimetype: 'text/plain' };
  const cases: [string, Record<string, unknown>, string, string?][] = [
    ['to missing', { to: undefined }, 'to'],
    ['to empty', { to: [] }, 'to'],
    ['an invalid sender', { sender: 'Jane <not-an-address>' }, 'sender', 'not-an-address'],
    ['an invalid address in cc.2', { cc: ['c@example.com', 'd@example.com', 'nobody'] }, 'cc.2', 'nobody'],
    ['two addresses in one entry', { bcc: ['a@example.com, c@example.com'] }, 'bcc.0'],
    ['more than 100 cc', { cc: Array.from({ length: 101 }, (_, i) => `c${i}@example.com`) }, 'cc'],
    ['no body at all', { text_body: '', html_body: null }, 'text_body'],
    ['a line break in the subject', { subject: 'a\r\nBcc: x@example.com' }, 'subject'],
    [
      'bad base64 in a fileblob',
      { attachments: [{ ...blob, fileblob: 'not base64!' }] },
      'attachments.0.fileblob',
    ],
    [
      'an attachment by URL',
      { attachments: [{ filename: 'f.pdf', url: 'https://example.com/f.pdf', mimetype: 'application/pdf' }] },
      'attachments.0.url',
    ],
    [
      'an inline without fileblob',
      { inlines: [{ filename: 'logo', mimetype: 'image/png' }] },
      'inlines.0.fileblob',
    ],
    ['a cid that is not a cid', { inlines: [{ ...blob, filename: 'my logo.png' }] }, 'inlines.0.filename'],
    [
      'a Content-Type custom header',
      { custom_headers: [{ header: 'Content-Type', value: 'text/html' }] },
      'custom_headers.0.header',
    ],
    [
      'a Bcc custom header',
      { custom_headers: [{ header: 'bcc', value: 'x@example.com' }] },
      'custom_headers.0.header',
    ],
    [
      'a line break in a header value',
      { custom_headers: [{ header: 'X-A', value: 'a\nBcc: x@example.com' }] },
      'custom_headers.0.value',
    ],
    ['a template', { template_id: '1234' }, 'template_id'],
    ['a schedule', { schedule: '2030-01-01T00:00:00Z' }, 'schedule'],
  ];
  for (const [what, change, field, found] of cases) {
    test(what, async () => {
      const before = node.spool.queue.messageCount();
      assertFieldError(await send({ ...valid, ...change }), field, found);
      assert.equal(node.spool.queue.messageCount(), before);
    });
  }
});
