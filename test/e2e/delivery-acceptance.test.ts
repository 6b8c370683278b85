// The acceptance test of delivery (issue 4, SPEC §3): an SMTP user with footer, click and open tracking,
// an audit copy and an IP pool sends through Petrel's SMTP port; MX lookup through a real DNS server
// leads to a real SMTP sink. Then the pixel, a link and the one-click unsubscribe are followed, the events
// are found through /v3/activity/search, and the next message to that recipient is not sent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import PostalMime from 'postal-mime';
import {
  addSmtpUser,
  eventFor,
  receivedBy,
  FAR_TEST_ZONE,
  startDeliveryWorld,
  submit,
  until,
  type DeliveryWorld,
} from './delivery-world.js';

const PUBLIC_URL = 'http://links.petrel.test';
const PRODUCT_URL = 'https://shop.example/product?id=7';

const RAW = [
  'From: Shop <shop@sender.test>',
  'To: alice@far.test, bob@far.test',
  'Subject: =?UTF-8?Q?Your_order_=E2=9C=93?=',
  'Message-ID: <order-7@sender.test>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/alternative; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Your order has shipped: https://shop.example/product?id=7',
  '--b1',
  'Content-Type: text/html; charset=utf-8',
  '',
  `<html><body><p>Your order has <a href="${PRODUCT_URL}">shipped</a>.</p>`,
  '<p><a href="mailto:help@sender.test">Help</a></p></body></html>',
  '--b1--',
  '',
].join('\r\n');

let world: DeliveryWorld;

before(async () => {
  world = await startDeliveryWorld({
    zone: {
      ...FAR_TEST_ZONE,
      'audit.test': { MX: [{ preference: 10, exchange: 'mx.far.test' }] },
    },
    peers: [{ host: '127.0.0.3' }],
    env: {
      PETREL_PUBLIC_URL: PUBLIC_URL,
      PETREL_IP_POOLS: JSON.stringify([
        { id: 1, name: 'Main Pool', ip_addresses: ['127.0.0.2'], ehlo: 'mta1.petrel.test', accounts: '*' },
      ]),
    },
  });
  await addSmtpUser(world.node, 'shop-mailer', {
    feedback_enabled: true,
    feedback_text: 'Sent to %%EMAIL%%. Unsubscribe: %%UNSUBSCRIBE%%',
    feedback_html: '<p class="footer">Sent to %%EMAIL%%. <a href="%%UNSUBSCRIBE%%">Unsubscribe</a></p>',
    click_tracking_enabled: true,
    open_tracking_enabled: true,
    audit_email: 'audit@audit.test',
    ip_pool: 1,
  });
});
after(() => world.stop());

/** The path of a tracking URL of this kind found in the text, served by the node's HTTP listener. */
function trackingPath(text: string, kind: 'o' | 'c' | 'u'): string {
  const match = new RegExp(`${PUBLIC_URL}(/t/${kind}/[A-Za-z0-9_.-]+)`).exec(text);
  assert.ok(match, `no /t/${kind}/ link in ${text}`);
  return match[1] as string;
}

test('each recipient gets its own transformed copy from the pool address; the audit copy is untouched', async () => {
  const { node } = world;
  const sink = world.peer('127.0.0.3');
  const id = await submit(world.smtpPort, {
    user: 'shop-mailer',
    from: 'shop@sender.test',
    to: ['alice@far.test', 'bob@far.test'],
    raw: RAW,
  });

  const alice = await receivedBy(sink, 'alice@far.test');
  const bob = await receivedBy(sink, 'bob@far.test');
  const audit = await receivedBy(sink, 'audit@audit.test');

  // The IP pool: bound to 127.0.0.2, with the pool's EHLO name.
  for (const m of [alice, bob, audit]) {
    assert.equal(m.remoteAddress, '127.0.0.2');
    assert.equal(m.ehlo, 'mta1.petrel.test');
    assert.equal(m.mailFrom, 'shop@sender.test');
  }
  // One copy per recipient: the footer names each one.
  assert.deepEqual(alice.rcptTo, ['alice@far.test']);
  const parsed = await PostalMime.parse(alice.data);
  assert.match(
    parsed.text ?? '',
    /Sent to alice@far\.test\. Unsubscribe: http:\/\/links\.petrel\.test\/t\/u\//,
  );
  assert.match(
    parsed.html ?? '',
    /<p class="footer">Sent to alice@far\.test\. <a href="http:\/\/links\.petrel\.test\/t\/u\//,
  );
  assert.match(bob.data.toString(), /Sent to bob@far\.test/);
  assert.doesNotMatch(bob.data.toString(), /alice@far\.test\./);
  // Headers of RFC 8058.
  const header = (name: string) => parsed.headers.find((h) => h.key === name)?.value;
  assert.match(header('list-unsubscribe') ?? '', /^<http:\/\/links\.petrel\.test\/t\/u\/[^>]+>$/);
  assert.equal(header('list-unsubscribe-post'), 'List-Unsubscribe=One-Click');
  // Click tracking: the product link goes through the redirect, mailto: is left alone.
  assert.ok(!(parsed.html ?? '').includes(`href="${PRODUCT_URL}"`), 'the product link is rewritten');
  assert.match(parsed.html ?? '', /<a href="http:\/\/links\.petrel\.test\/t\/c\/[^"]+">shipped<\/a>/);
  assert.match(parsed.html ?? '', /href="mailto:help@sender\.test"/);
  // Open tracking: the pixel.
  assert.match(
    parsed.html ?? '',
    /<img src="http:\/\/links\.petrel\.test\/t\/o\/[^"]+" width="1" height="1"/,
  );

  // The audit copy: the message as accepted (Petrel's Received header, then the client's bytes).
  assert.deepEqual(audit.rcptTo, ['audit@audit.test']);
  const auditText = audit.data.toString('utf8');
  assert.match(auditText, /^Received: from /);
  assert.ok(auditText.endsWith(RAW), 'the audit copy is the message as accepted');

  // The user's events: processed and delivered for both recipients, with the decoded subject.
  const delivered = await eventFor(node, id, 'delivered', 'alice@far.test');
  assert.equal(delivered.subject, 'Your order ✓');
  assert.equal(delivered.host, 'mx.far.test');
  assert.match(delivered.smtp_response ?? '', /^250 /);
  await eventFor(node, id, 'delivered', 'bob@far.test');
  await eventFor(node, id, 'processed', 'alice@far.test');
});

test('the pixel, a link and the one-click unsubscribe are recorded, and the next message is not sent', async () => {
  const { node } = world;
  const sink = world.peer('127.0.0.3');
  const first = sink.messages.find((m) => m.rcptTo.includes('alice@far.test'));
  assert.ok(first, 'the first test delivered to alice');
  const text = first.data.toString('utf8');
  const id = (
    await node.call('/activity/search', { search_recipient: 'alice@far.test', event_types: ['delivered'] })
  ).body.data.events[0].email_id as string;

  const pixel = await fetch(`${node.httpUrl}${trackingPath(text, 'o')}`, {
    headers: { 'user-agent': 'MailApp/1' },
  });
  assert.equal(pixel.status, 200);
  assert.equal((await pixel.arrayBuffer()).byteLength, 43);

  const click = await fetch(`${node.httpUrl}${trackingPath(text, 'c')}`, { redirect: 'manual' });
  assert.equal(click.status, 302);
  assert.equal(click.headers.get('location'), PRODUCT_URL);

  const unsubscribe = await fetch(`${node.httpUrl}${trackingPath(text, 'u')}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });
  assert.equal(unsubscribe.status, 200);

  type Found = { event: string; url?: string; user_agent?: string; ip?: string };
  const events = await until('opened, clicked and unsubscribed in activity/search', async () => {
    const answer = await node.call('/activity/search', { email_id: id, search_recipient: 'alice@far.test' });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const found = answer.body.data.events as Found[];
    const names = new Set(found.map((e) => e.event));
    return (
      ['processed', 'delivered', 'opened', 'clicked', 'unsubscribed'].every((n) => names.has(n)) && found
    );
  });
  const clicked = events.find((e) => e.event === 'clicked');
  assert.equal(clicked?.url, PRODUCT_URL);
  const opened = events.find((e) => e.event === 'opened');
  assert.equal(opened?.user_agent, 'MailApp/1');

  // The next message to alice is held back by the suppression list; bob still gets his.
  const aliceCopies = sink.messages.filter((m) => m.rcptTo.includes('alice@far.test')).length;
  const next = await submit(world.smtpPort, {
    user: 'shop-mailer',
    from: 'shop@sender.test',
    to: ['alice@far.test', 'bob@far.test'],
    raw: RAW,
  });
  const rejected = await eventFor(node, next, 'rejected', 'alice@far.test');
  assert.equal(rejected.reason, 'unsubscribed');
  await eventFor(node, next, 'delivered', 'bob@far.test');
  // Both recipients were decided in the same delivery: had alice been sent to, the sink would have it.
  assert.equal(sink.messages.filter((m) => m.rcptTo.includes('alice@far.test')).length, aliceCopies);
  const search = await node.call('/activity/search', { email_id: next, event_types: ['rejected'] });
  assert.deepEqual(
    (search.body.data.events as { recipient: string; reason: string }[]).map((e) => [e.recipient, e.reason]),
    [['alice@far.test', 'unsubscribed']],
  );
});
