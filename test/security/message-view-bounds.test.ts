// SPEC §10: viewing a held or archived message never blocks the node. A 20 MiB message is shown with at
// most 1 MiB of body text (and of raw source), `truncated: true`, and a link that streams all of it.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import type { Archiver } from '../../src/archive/archiver.js';
import { DOWNLOAD_LINK_SECONDS, downloadLinks } from '../../src/archive/download-links.js';
import { archiveMessage, nodeArchiver, queued } from '../archive/fixtures.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { assertOk } from '../api/api-assertions.js';

const MiB = 1024 * 1024;
const PASSWORD = 'Tr0ub4dor&3x-view-bounds';

interface View {
  email_id: string;
  headers: { name: string; value: string }[];
  text_body: string;
  html_body: string;
  raw: string;
  truncated: boolean;
  size: number;
  download_url: string;
}

/** A text/plain message of about `bytes` bytes: 8-bit lines of 'a'…, then an HTML part. */
function bigMessage(subject: string, bytes: number): Buffer {
  const line = `${'Grüße '.repeat(12)}\r\n`;
  const text = line.repeat(Math.ceil(bytes / Buffer.byteLength(line)));
  return Buffer.from(
    [
      'From: Shop <news@shop.example>',
      'To: alice@example.org',
      `Subject: ${subject}`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/alternative; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      text,
      '--b1',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>the end</p>',
      '--b1--',
      '',
    ].join('\r\n'),
  );
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let node: TestNode;
let archiver: Archiver;

before(async () => {
  node = await startTestNode({ PETREL_SMARTHOST: '127.0.0.1:9', PETREL_DNS_SERVERS: '127.0.0.1:9' });
  archiver = nodeArchiver(node);
});
after(async () => {
  await node.stop();
});

function assertBounded(view: View, size: number): void {
  assert.equal(view.truncated, true);
  assert.equal(view.size, size);
  assert.ok(view.text_body.length > 0 && view.text_body.length <= MiB, `text_body ${view.text_body.length}`);
  assert.ok(view.text_body.startsWith('Grüße'), view.text_body.slice(0, 40));
  assert.ok(view.raw.length <= MiB, `raw ${view.raw.length}`);
  assert.ok(view.headers.some((h) => h.name === 'Subject'));
}

async function download(url: string, key: string | null): Promise<Response> {
  return fetch(new URL(url, node.httpUrl), key === null ? {} : { headers: { 'x-smtp2go-api-key': key } });
}

describe('archive/view of a 20 MiB message', () => {
  it('answers at most 1 MiB of text with truncated: true, and a link that streams every byte', async () => {
    const body = bigMessage('Huge archived', 20 * MiB);
    const m = await archiveMessage(archiver, queued(node, { username: 'big-user' }), body, 'Huge', []);
    const before = process.memoryUsage().rss;
    const view = assertOk<View>(await node.call('/archive/view', { email_id: m.id }));
    assertBounded(view, body.length);
    // The node and the test share this process: the answer must not cost anything like the message.
    const grown = process.memoryUsage().rss - before;
    assert.ok(grown < 150 * MiB, `RSS grew by ${Math.round(grown / MiB)} MiB`);

    const response = await download(view.download_url, null);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'message/rfc822');
    const got = Buffer.from(await response.arrayBuffer());
    assert.equal(got.length, body.length);
    assert.equal(sha256(got), sha256(body));
  });

  it('a small message is shown whole, not truncated', async () => {
    const body = bigMessage('Small', 10_000);
    const m = await archiveMessage(archiver, queued(node, { username: 'small-user' }), body, 'Small', []);
    const view = assertOk<View>(await node.call('/archive/view', { email_id: m.id }));
    assert.equal(view.truncated, false);
    assert.equal(view.raw, body.toString('utf8'));
    assert.equal(view.html_body.trim(), '<p>the end</p>');
  });

  it('a download link that was altered answers 404', async () => {
    const m = await archiveMessage(archiver, queued(node), bigMessage('Link', 1000), 'Link', []);
    const view = assertOk<View>(await node.call('/archive/view', { email_id: m.id }));
    const url = view.download_url;
    assert.equal((await download(url, null)).status, 200);
    // The first character of the MAC carries six whole bits (the last one only two, plus padding).
    const at = url.lastIndexOf('.') + 1;
    const altered = url.slice(0, at) + (url[at] === 'A' ? 'B' : 'A') + url.slice(at + 1);
    assert.equal((await download(altered, null)).status, 404);
    // Another account's message cannot be reached by editing the signed part either.
    const payloadAltered = url.replace('/raw/', '/raw/x');
    assert.equal((await download(payloadAltered, null)).status, 404);
  });
});

describe('download links', () => {
  it('expire after 15 minutes', () => {
    let clock = Date.now();
    const links = downloadLinks(Buffer.alloc(32, 7), () => clock);
    const target = { kind: 'archive' as const, accountId: 'acct1', emailId: 'x'.repeat(20) };
    const token = links.link(target).split('/').pop() ?? '';
    assert.deepEqual(links.verify(token), target);
    clock += (DOWNLOAD_LINK_SECONDS + 1) * 1000;
    assert.equal(links.verify(token), null);
  });
});

describe('sandbox/view of a large held message', () => {
  it('answers at most 1 MiB of text with truncated: true, and a link that streams every byte', async () => {
    assertOk(
      await node.call('/users/smtp/add', {
        username: 'held-big',
        email_password: PASSWORD,
        status: 'sandbox',
      }),
    );
    const body = bigMessage('Huge held', 3 * MiB);
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: node.smtp.ports.smtp[0],
      auth: { user: 'held-big', pass: PASSWORD },
      tls: { rejectUnauthorized: false },
    });
    let id: string | undefined;
    try {
      const info = await transport.sendMail({
        envelope: { from: 'news@shop.example', to: ['alice@example.org'] },
        raw: body,
      });
      id = /id=([0-9a-z]+)/.exec(info.response)?.[1];
    } finally {
      transport.close();
    }
    assert.ok(id);
    const view = assertOk<View>(await node.call('/sandbox/view', { email_id: id }));
    // The spool keeps the message with the Received header Petrel added in front.
    assert.equal(view.truncated, true);
    assert.ok(view.size > body.length);
    assert.ok(view.text_body.length <= MiB && view.raw.length <= MiB);
    const got = Buffer.from(await (await download(view.download_url, null)).arrayBuffer());
    assert.equal(got.length, view.size);
    assert.ok(got.subarray(got.length - body.length).equals(body));
  });
});
