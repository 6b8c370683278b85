// Acceptance of issue 12 (SPEC §6): a message goes through Petrel to a real SMTP sink (MX found through
// a real DNS server), then each shape of the corpus comes back to the inbound listener over SMTP
// (Python's smtplib, STARTTLS) at the message's VERP address; the event, the suppression and the
// notification to the sender are checked for each. Also: what RCPT TO refuses, and postmaster@.
//
// The VERP address: once delivery sends with VERP envelope senders (the sender-domains branch), the
// sink's MAIL FROM is it and the test uses it; until then delivery keeps the customer's envelope sender
// and the test computes the same address with src/sender-domains/verp.ts and the node's VERP key.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import PostalMime from 'postal-mime';
import { parseVerpLocalPart, verpAddress } from '../../src/sender-domains/verp.js';
import {
  addSmtpUser,
  eventFor,
  eventsOf,
  plainMessage,
  receivedBy,
  startDeliveryWorld,
  submit,
  until,
  type DeliveryWorld,
} from '../e2e/delivery-world.js';
import { dialogue, line, type Step } from '../smtp/clients.js';
import { CORPUS, type ReturnedContext } from './corpus.js';

const RETURN_HOST = 'bounces.petrel.test';
const SENDER = 'shop@sender.test';
const SINK = '127.0.0.3';

let world: DeliveryWorld;
let verpKey: Buffer;

before(async () => {
  world = await startDeliveryWorld({
    zone: {
      'far.test': { MX: [{ preference: 10, exchange: 'mx.far.test' }] },
      'sender.test': { MX: [{ preference: 10, exchange: 'mx.far.test' }] },
      'ops.test': { MX: [{ preference: 10, exchange: 'mx.far.test' }] },
      'mx.far.test': { A: [SINK] },
    },
    peers: [{ host: SINK }],
    env: { PETREL_RETURN_PATH_HOST: RETURN_HOST },
  });
  await addSmtpUser(world.node, 'shop-mailer');
  await addSmtpUser(world.node, 'quiet-mailer', { bounce_notifications: 'drop' });
  await addSmtpUser(world.node, 'ops-mailer', { bounce_notifications: 'alerts@ops.test' });
  verpKey = world.node.senderDomains.verpKey;
});
after(() => world.stop());

interface Sent extends ReturnedContext {
  emailId: string;
}

let counter = 0;

/** Sends one message through Petrel to the sink and works out where its bounces go. */
async function sendThrough(user: string, recipient: string): Promise<Sent> {
  const subject = `Order number ${++counter}`;
  const emailId = await submit(world.smtpPort, {
    user,
    from: SENDER,
    to: [recipient],
    raw: plainMessage(`Shop <${SENDER}>`, recipient, subject),
  });
  const received = await receivedBy(world.peer(SINK), recipient);
  await eventFor(world.node, emailId, 'delivered', recipient);
  const [local = '', host = ''] = received.mailFrom.split('@');
  const verp =
    parseVerpLocalPart(local) !== null
      ? received.mailFrom
      : verpAddress(verpKey, emailId, recipient, RETURN_HOST);
  const text = received.data.toString('utf8');
  const originalHeaders = text.slice(0, text.search(/\r?\n\r?\n/));
  assert.ok(host !== '' || received.mailFrom === '', 'the sink saw an envelope sender');
  return { emailId, recipient, verp, subject, originalHeaders };
}

/** Delivers a returned message to the inbound listener: EHLO, STARTTLS, MAIL FROM:<>, RCPT, DATA. */
async function returnToPetrel(rcpt: string, body: string, from = '') {
  const steps: Step[] = [
    { do: 'ehlo' },
    { do: 'starttls' },
    { do: 'ehlo' },
    { do: 'cmd', line: `MAIL FROM:<${from}>` },
    { do: 'cmd', line: `RCPT TO:<${rcpt}>` },
  ];
  const result = await dialogue(world.node.inbound.port, [...steps, { do: 'data', body }]);
  return { ...result, rcpt: result.steps[4], data: result.steps[5] };
}

/** The reason the recipient is suppressed for the user's mail, or null. */
async function suppressionOf(user: string, recipient: string): Promise<string | null> {
  const found = await world.node.ops.repos.suppressions.check(world.node.masterAccountId, user, [recipient]);
  return found.get(recipient.toLowerCase()) ?? null;
}

/** Notifications (null-sender mail) that mention this message, on the sink or still in the queue. */
function noticesOf(emailId: string): { sink: string[]; queued: number } {
  const sink = world
    .peer(SINK)
    .messages.filter(
      (m) => m.mailFrom === '' && m.data.toString('utf8').includes(`X-Petrel-Queue-ID: ${emailId}`),
    )
    .map((m) => m.rcptTo.join(','));
  const queued = world.node.spool.queue
    .list({ states: ['queued', 'deferred', 'delivered', 'bounced', 'held'] })
    .filter((e) => e.mailFrom === '').length;
  return { sink, queued };
}

async function waitForNotice(emailId: string, to: string): Promise<string> {
  const message = await until(`a notification of ${emailId} to ${to}`, () =>
    world
      .peer(SINK)
      .messages.find(
        (m) =>
          m.mailFrom === '' &&
          m.rcptTo.includes(to) &&
          m.data.toString('utf8').includes(`X-Petrel-Queue-ID: ${emailId}`),
      ),
  );
  return message.data.toString('utf8');
}

for (const [i, shape] of CORPUS.entries()) {
  test(`late report: ${shape.name}`, async () => {
    const sent = await sendThrough('shop-mailer', `rcpt${i}@far.test`);
    const want = shape.expect(sent);
    const answer = await returnToPetrel(sent.verp, shape.build(sent));
    assert.ok(answer.features.starttls !== undefined || answer.steps[1]?.code === 220, 'STARTTLS offered');
    assert.equal(answer.rcpt?.code, 250, line(answer.rcpt));
    assert.equal(answer.data?.code, 250, line(answer.data));
    await world.node.events.idle();

    // The report's own event; `dsn-sent` (the notice a hard bounce sends its sender) is covered by
    // test/e2e/notice-events.test.ts.
    const events = (await eventsOf(world.node, sent.emailId)).filter(
      (e) => e.event !== 'processed' && e.event !== 'delivered' && e.event !== 'dsn-sent',
    );
    if (want.event === null) {
      assert.deepEqual(events, [], 'no event for what is not a bounce or complaint');
    } else {
      assert.equal(events.length, 1, JSON.stringify(events));
      const event = events[0]!;
      assert.equal(event.event, want.event);
      assert.equal(event.recipient, sent.recipient);
      assert.equal(event.username, 'shop-mailer');
      assert.equal(event.sender, SENDER);
      assert.equal(event.subject, sent.subject);
      if (want.smtpResponse !== undefined) assert.equal(event.smtp_response, want.smtpResponse);
      if (want.host !== undefined) assert.equal(event.host, want.host);
      if (want.event === 'spam') assert.equal(event.reason, 'abuse');
    }
    assert.equal(await suppressionOf('shop-mailer', sent.recipient), want.suppression);

    if (want.notice) {
      const dsn = await waitForNotice(sent.emailId, SENDER);
      const parsed = await PostalMime.parse(dsn, { attachmentEncoding: 'utf8' });
      const report = parsed.attachments.find((a) => a.mimeType === 'message/delivery-status');
      assert.ok(report, 'the notification is an RFC 3464 report');
      const fields = report.content as string;
      assert.match(fields, new RegExp(`Final-Recipient: rfc822; ${sent.recipient}`));
      assert.match(fields, /Action: failed/);
      assert.match(fields, /Status: 5\.\d+\.\d+/);
    } else {
      // A notification is spooled before the listener's 250: none now means none ever.
      assert.deepEqual(noticesOf(sent.emailId), { sink: [], queued: 0 });
    }
  });
}

test('late report: a DSN for an unknown or forged token is refused at RCPT TO, and nothing happens', async () => {
  const sent = await sendThrough('shop-mailer', 'forged@far.test');
  const postfix = CORPUS[2]!;
  const forged = sent.verp.replace(
    /-([a-z2-7]{13})@/,
    (_m, mac: string) => `-${mac.split('').reverse().join('')}@`,
  );
  const otherRecipient = verpAddress(verpKey, sent.emailId, 'someone-else@far.test', RETURN_HOST);
  const unknownMessage = verpAddress(verpKey, '0000000000000000000', sent.recipient, RETURN_HOST);
  for (const rcpt of [forged, otherRecipient, unknownMessage]) {
    const answer = await returnToPetrel(rcpt, postfix.build({ ...sent, verp: rcpt }));
    assert.match(line(answer.rcpt), /^550 5\.1\.1 /, rcpt);
    assert.notEqual(answer.data?.code, 250);
  }
  await world.node.events.idle();
  const events = (await eventsOf(world.node, sent.emailId)).map((e) => e.event);
  assert.deepEqual(events.sort(), ['delivered', 'processed']);
  assert.equal(await suppressionOf('shop-mailer', sent.recipient), null);
});

test('the listener is never a relay: other hosts, non-VERP local parts and junk get 550 5.1.1; postmaster is taken', async () => {
  const refused = [
    'alice@far.test',
    `alice@${RETURN_HOST}`,
    `b-notatoken@${RETURN_HOST}`,
    `${verpAddress(verpKey, '0000000000000000000', 'x@far.test', RETURN_HOST).split('@')[0]}@far.test`,
    'postmaster@far.test',
    '"b-x"@[127.0.0.1]',
  ];
  for (const rcpt of refused) {
    const answer = await dialogue(world.node.inbound.port, [
      { do: 'ehlo' },
      { do: 'cmd', line: 'MAIL FROM:<someone@elsewhere.test>' },
      { do: 'cmd', line: `RCPT TO:<${rcpt}>` },
    ]);
    assert.match(line(answer.steps[2]), /^550 5\.1\.1 /, rcpt);
  }
  const hello = await dialogue(world.node.inbound.port, [{ do: 'ehlo' }]);
  assert.ok('starttls' in hello.features, 'STARTTLS is offered');
  assert.ok(!('auth' in hello.features), 'no AUTH');
  assert.equal(hello.features.size, String(10 * 1024 * 1024));

  const before = (
    await world.node.ops.repos.events.search({ accountId: world.node.masterAccountId, limit: 1000 })
  ).length;
  const answer = await returnToPetrel(
    `PostMaster@${RETURN_HOST.toUpperCase()}`,
    'Subject: hello\r\n\r\nHi postmaster.\r\n',
    'abuse@far.test',
  );
  assert.equal(answer.rcpt?.code, 250);
  assert.equal(answer.data?.code, 250);
  await world.node.events.idle();
  const afterCount = (
    await world.node.ops.repos.events.search({ accountId: world.node.masterAccountId, limit: 1000 })
  ).length;
  assert.equal(afterCount, before, 'postmaster mail records no event');
});

test('late hard bounce: bounce_notifications "drop" sends no notice, an address gets it', async () => {
  const dsn = CORPUS[2]!;
  const dropped = await sendThrough('quiet-mailer', 'dropped@far.test');
  let answer = await returnToPetrel(dropped.verp, dsn.build(dropped));
  assert.equal(answer.data?.code, 250, line(answer.data));
  await world.node.events.idle();
  assert.equal(
    (await eventFor(world.node, dropped.emailId, 'hard-bounced', dropped.recipient)).username,
    'quiet-mailer',
  );
  assert.equal(await suppressionOf('quiet-mailer', dropped.recipient), 'suppressed');
  assert.deepEqual(noticesOf(dropped.emailId), { sink: [], queued: 0 });

  const routed = await sendThrough('ops-mailer', 'routed@far.test');
  answer = await returnToPetrel(routed.verp, dsn.build(routed));
  assert.equal(answer.data?.code, 250, line(answer.data));
  const notice = await waitForNotice(routed.emailId, 'alerts@ops.test');
  assert.match(notice, /Final-Recipient: rfc822; routed@far\.test/);
  assert.equal(noticesOf(routed.emailId).sink.filter((to) => to.includes(SENDER)).length, 0);

  // The same report again (a server that missed the 250): taken, but nothing happens twice.
  await world.node.events.idle();
  await until('the notice to leave the queue', () => noticesOf(routed.emailId).queued === 0);
  answer = await returnToPetrel(routed.verp, dsn.build(routed));
  assert.equal(answer.data?.code, 250, line(answer.data));
  await world.node.events.idle();
  assert.deepEqual(noticesOf(routed.emailId), { sink: ['alerts@ops.test'], queued: 0 });
  const hard = (await eventsOf(world.node, routed.emailId)).filter((e) => e.event === 'hard-bounced');
  assert.equal(hard.length, 1);
});

test('a suppressed recipient is not sent to again (the late bounce counts like a refusal)', async () => {
  const sent = await sendThrough('shop-mailer', 'once@far.test');
  const answer = await returnToPetrel(sent.verp, CORPUS[0]!.build(sent));
  assert.equal(answer.data?.code, 250);
  const second = await submit(world.smtpPort, {
    user: 'shop-mailer',
    from: SENDER,
    to: [sent.recipient],
    raw: plainMessage(`Shop <${SENDER}>`, sent.recipient, 'Second try'),
  });
  const rejected = await eventFor(world.node, second, 'rejected', sent.recipient);
  assert.equal(rejected.reason, 'suppressed');
});
