// Bounces (SPEC §3.4): the DSN is an RFC 3464 report a real MIME parser reads back with the right fields,
// and the routing rule sends it where bounce_notifications says — never for a null sender or a bounce.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import PostalMime from 'postal-mime';
import { buildDsn, dsnRecipientFrom } from '../../src/delivery/dsn.js';
import { bounceNotificationRecipient, isDeliveryReport } from '../../src/delivery/dsn-routing.js';
import { readHeaderBlock } from '../../src/delivery/header-block.js';
import type { RecipientResult } from '../../src/delivery/types.js';

const ORIGINAL_HEADERS =
  'From: Sender <sender@shop.test>\nTo: buyer@far.test\nSubject: Your order\nMessage-ID: <o1@shop.test>\n';

const bounced: RecipientResult = {
  recipient: 'buyer@far.test',
  outcome: 'bounced',
  code: 550,
  enhancedCode: '5.1.1',
  text: 'No such user\r\nInjected: header',
  stage: 'rcpt',
  host: 'mx1.far.test',
  remoteAddress: '127.0.0.21',
  localAddress: null,
  tls: true,
  rule: null,
};

const nullMx: RecipientResult = {
  ...bounced,
  recipient: 'someone@nomail.test',
  code: null,
  enhancedCode: '5.1.10',
  text: 'the domain nomail.test does not accept mail (null MX, RFC 7505)',
  stage: 'dns',
  host: null,
};

/** The fields of a message/delivery-status body: the per-message group, then one group per recipient. */
function statusGroups(body: string): Record<string, string>[] {
  return body
    .replace(/\r?\n[ \t]+/g, ' ')
    .split(/\r?\n\r?\n/)
    .filter((g) => g.trim() !== '')
    .map((g) =>
      Object.fromEntries(
        g.split(/\r?\n/).map((line) => {
          const i = line.indexOf(':');
          return [line.slice(0, i).toLowerCase(), line.slice(i + 1).trim()];
        }),
      ),
    );
}

test('the DSN parses as multipart/report with delivery-status fields and the original headers', async () => {
  const raw = buildDsn({
    reportingMta: 'relay.petrel.test',
    to: 'sender@shop.test',
    arrivalDate: new Date('2025-03-04T05:06:07Z'),
    queueId: 'q-123',
    recipients: [dsnRecipientFrom(bounced, 'failed'), dsnRecipientFrom(nullMx, 'failed')],
    originalHeaders: ORIGINAL_HEADERS,
  });
  const email = await PostalMime.parse(raw);
  assert.equal(email.from?.address, 'mailer-daemon@relay.petrel.test');
  assert.deepEqual(
    email.to?.map((t) => t.address),
    ['sender@shop.test'],
  );
  const contentType = email.headers.find((h) => h.key === 'content-type')?.value ?? '';
  assert.match(contentType, /^multipart\/report;/);
  assert.match(contentType, /report-type=delivery-status/);
  assert.equal(email.headers.find((h) => h.key === 'auto-submitted')?.value, 'auto-replied');
  assert.match(email.text ?? '', /buyer@far\.test.*mx1\.far\.test said: 550 5\.1\.1 No such user/s);

  const status = email.attachments.find((a) => a.mimeType === 'message/delivery-status');
  assert.ok(status, 'a message/delivery-status part');
  const groups = statusGroups(
    typeof status.content === 'string' ? status.content : new TextDecoder().decode(status.content),
  );
  assert.equal(groups.length, 3);
  const [perMessage, first, second] = groups as [
    Record<string, string>,
    Record<string, string>,
    Record<string, string>,
  ];
  assert.equal(perMessage['reporting-mta'], 'dns; relay.petrel.test');
  assert.equal(perMessage['arrival-date'], 'Tue, 04 Mar 2025 05:06:07 +0000');
  assert.equal(first['final-recipient'], 'rfc822; buyer@far.test');
  assert.equal(first.action, 'failed');
  assert.equal(first.status, '5.1.1');
  assert.equal(first['remote-mta'], 'dns; mx1.far.test');
  // The server's CR LF did not make a header of its own.
  assert.equal(first['diagnostic-code'], 'smtp; 550 5.1.1 No such user Injected: header');
  assert.equal(first.injected, undefined);
  assert.equal(second['final-recipient'], 'rfc822; someone@nomail.test');
  assert.equal(second.status, '5.1.10');
  assert.equal(second['remote-mta'], undefined);
  assert.match(second['diagnostic-code'] ?? '', /^x-petrel; the domain nomail\.test does not accept mail/);

  const headers = email.attachments.find((a) => a.mimeType === 'text/rfc822-headers');
  assert.ok(headers, 'a text/rfc822-headers part');
  const text =
    typeof headers.content === 'string' ? headers.content : new TextDecoder().decode(headers.content);
  assert.match(text, /^Subject: Your order$/m);
  assert.match(text, /^Message-ID: <o1@shop\.test>$/m);
});

test('a delayed notice says so, with a 4.x.x status and Will-Retry-Until', async () => {
  const deferred: RecipientResult = {
    ...bounced,
    outcome: 'deferred',
    code: 451,
    enhancedCode: '4.7.1',
    text: 'Greylisted',
  };
  const raw = buildDsn({
    reportingMta: 'relay.petrel.test',
    to: 'sender@shop.test',
    arrivalDate: new Date('2025-03-04T05:06:07Z'),
    recipients: [dsnRecipientFrom(deferred, 'delayed', { willRetryUntil: new Date('2025-03-07T05:06:07Z') })],
    originalHeaders: ORIGINAL_HEADERS,
  });
  const email = await PostalMime.parse(raw);
  assert.match(email.subject ?? '', /Delayed/);
  const status = email.attachments.find((a) => a.mimeType === 'message/delivery-status');
  assert.ok(status);
  const groups = statusGroups(
    typeof status.content === 'string' ? status.content : new TextDecoder().decode(status.content),
  );
  assert.equal(groups[1]?.action, 'delayed');
  assert.equal(groups[1]?.status, '4.7.1');
  assert.equal(groups[1]?.['will-retry-until'], 'Fri, 07 Mar 2025 05:06:07 +0000');
});

test('routing rule: from → sender, drop → none, address → there; never for <> or for a bounce', () => {
  const dsnHeaders =
    'From: mailer-daemon@x.test\r\nContent-Type: multipart/report;\r\n report-type="delivery-status";\r\n boundary="b"\r\n';
  const plain = 'From: a@shop.test\r\nContent-Type: text/plain\r\n';
  const table: [string, string, string, string | null][] = [
    // bounce_notifications, MAIL FROM, headers, → notification goes to
    ['from', 'a@shop.test', plain, 'a@shop.test'],
    ['drop', 'a@shop.test', plain, null],
    ['ops@shop.test', 'a@shop.test', plain, 'ops@shop.test'],
    ['from', '', plain, null],
    ['ops@shop.test', '', plain, null],
    ['drop', '', plain, null],
    ['from', 'a@shop.test', dsnHeaders, null],
    ['ops@shop.test', 'a@shop.test', dsnHeaders, null],
  ];
  for (const [bounceNotifications, mailFrom, headers, expected] of table) {
    assert.equal(
      bounceNotificationRecipient({ bounceNotifications, mailFrom, headers }),
      expected,
      `${bounceNotifications} / <${mailFrom}> / ${headers === plain ? 'plain' : 'DSN'}`,
    );
  }
});

test("Petrel's own DSN is recognised as a delivery report, an ordinary multipart/report is not", () => {
  const dsn = buildDsn({
    reportingMta: 'relay.petrel.test',
    to: 'a@shop.test',
    arrivalDate: new Date(),
    recipients: [dsnRecipientFrom(bounced, 'failed')],
    originalHeaders: ORIGINAL_HEADERS,
  });
  assert.equal(isDeliveryReport(dsn), true);
  assert.equal(
    isDeliveryReport('Content-Type: multipart/report; report-type=disposition-notification\r\n'),
    false,
  );
  assert.equal(isDeliveryReport('Subject: multipart/report; report-type=delivery-status\r\n'), false);
});

test('the header block is read from the message stream up to the empty line, bounded', async () => {
  const message = 'Subject: hi\r\nFrom: a@shop.test\r\n\r\nbody line\r\n';
  const chunks = [...message].map((c) => Buffer.from(c));
  assert.equal(await readHeaderBlock(Readable.from(chunks)), 'Subject: hi\r\nFrom: a@shop.test');
  const huge = Readable.from([Buffer.alloc(10_000, 'a'), Buffer.alloc(10_000, 'b')]);
  assert.equal((await readHeaderBlock(huge, 4_096)).length, 4_096);
});
