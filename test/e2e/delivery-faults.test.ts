// Delivery against SMTP peers that misbehave on purpose (SPEC §3.3, §3.4), each reached by MX lookup
// through a real DNS server: 4xx then success on a schedule in fractions of a second, 5xx bouncing per
// each bounce_notifications mode, a connection dropped mid-DATA, an MX refusing connections with a second
// MX that works, a null MX, and mail with the null sender.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SmtpPeer } from '../helpers/smtp-peer.js';
import {
  addSmtpUser,
  eventFor,
  plainMessage,
  receivedBy,
  startDeliveryWorld,
  submit,
  until,
  type DeliveryWorld,
} from './delivery-world.js';

const SENDER_MX = '127.0.0.12';

let world: DeliveryWorld;

before(async () => {
  world = await startDeliveryWorld({
    zone: {
      'greylist.test': { MX: [{ preference: 10, exchange: 'mx.greylist.test' }] },
      'mx.greylist.test': { A: ['127.0.0.10'] },
      'hard.test': { MX: [{ preference: 10, exchange: 'mx.hard.test' }] },
      'mx.hard.test': { A: ['127.0.0.11'] },
      'sender.test': { MX: [{ preference: 10, exchange: 'mx.sender.test' }] },
      'ops.test': { MX: [{ preference: 10, exchange: 'mx.sender.test' }] },
      'mx.sender.test': { A: [SENDER_MX] },
      'drop.test': { MX: [{ preference: 10, exchange: 'mx.drop.test' }] },
      'mx.drop.test': { A: ['127.0.0.13'] },
      // mx1 has nothing listening on the MX port: connection refused, so mx2 (preference 20) takes it.
      'refuse.test': {
        MX: [
          { preference: 10, exchange: 'mx1.refuse.test' },
          { preference: 20, exchange: 'mx2.refuse.test' },
        ],
      },
      'mx1.refuse.test': { A: ['127.0.0.14'] },
      'mx2.refuse.test': { A: ['127.0.0.15'] },
      'nullmx.test': { MX: [{ preference: 0, exchange: '' }] },
    },
    peers: [
      {
        host: '127.0.0.10',
        rcptFailures: { code: 451, message: '4.7.1 Greylisted, try again later', times: 1 },
      },
      {
        host: '127.0.0.11',
        rejectRecipients: {
          'gone-from@hard.test': { code: 550, message: '5.1.1 No such user' },
          'gone-drop@hard.test': { code: 550, message: '5.1.1 No such user' },
          'gone-ops@hard.test': { code: 550, message: '5.1.1 No such user' },
          'gone-null@hard.test': { code: 550, message: '5.1.1 No such user' },
        },
      },
      { host: SENDER_MX },
      { host: '127.0.0.13', dropMidData: { times: 1 } },
      { host: '127.0.0.15' },
    ],
  });
  await addSmtpUser(world.node, 'bounce-from', { bounce_notifications: 'from' });
  await addSmtpUser(world.node, 'bounce-drop', { bounce_notifications: 'drop' });
  await addSmtpUser(world.node, 'bounce-ops', { bounce_notifications: 'ops@ops.test' });
});
after(() => world.stop());

async function send(user: string, from: string, to: string, subject: string): Promise<string> {
  return submit(world.smtpPort, {
    user,
    from,
    to: [to],
    raw: plainMessage(from || 'daemon@x.test', to, subject),
  });
}

/** Null-sender messages (DSNs) a sink received about the given original message. */
function noticesAbout(peer: SmtpPeer, id: string) {
  return peer.messages.filter(
    (m) => m.mailFrom === '' && m.data.toString().includes(`X-Petrel-Queue-ID: ${id}`),
  );
}

/** Notifications about the message that are still in the local queue (not yet delivered). */
async function spooledNoticesAbout(id: string): Promise<string[]> {
  const queue = world.node.spool.queue;
  const ids = new Set(
    queue
      .list({ states: ['queued', 'deferred', 'delivered', 'bounced'], limit: 10_000 })
      .filter((e) => e.mailFrom === '')
      .map((e) => e.messageId),
  );
  const found: string[] = [];
  for (const noticeId of ids) {
    let text = '';
    for await (const chunk of queue.openBody(noticeId)) text += String(chunk);
    if (text.includes(`X-Petrel-Queue-ID: ${id}`)) found.push(noticeId);
  }
  return found;
}

describe('temporary failures are retried on the schedule', () => {
  test('4xx at RCPT, then success: soft-bounced, then delivered', async () => {
    const { node } = world;
    const id = await send('bounce-from', 'shop@sender.test', 'buyer@greylist.test', 'Greylisted');
    const soft = await eventFor(node, id, 'soft-bounced', 'buyer@greylist.test');
    assert.match(soft.smtp_response ?? '', /^451 4\.7\.1 Greylisted/);
    assert.equal(soft.host, 'mx.greylist.test');
    const m = await receivedBy(world.peer('127.0.0.10'), 'buyer@greylist.test');
    assert.equal(m.mailFrom, 'shop@sender.test');
    await eventFor(node, id, 'delivered', 'buyer@greylist.test');
    // Two RCPT TO for one recipient: the refused one and the one that was taken.
    assert.equal(world.peer('127.0.0.10').rcptCommands.filter((r) => r === 'buyer@greylist.test').length, 2);
  });

  test('a connection dropped in the middle of DATA is retried', async () => {
    const id = await send('bounce-from', 'shop@sender.test', 'buyer@drop.test', 'Dropped');
    const soft = await eventFor(world.node, id, 'soft-bounced', 'buyer@drop.test');
    assert.match(soft.smtp_response ?? '', /^4\.4\.2 /);
    const m = await receivedBy(world.peer('127.0.0.13'), 'buyer@drop.test');
    assert.match(m.data.toString(), /Subject: Dropped/);
    await eventFor(world.node, id, 'delivered', 'buyer@drop.test');
  });

  test('an MX that refuses connections: the next MX in preference order takes the mail', async () => {
    const id = await send('bounce-from', 'shop@sender.test', 'buyer@refuse.test', 'Second MX');
    await receivedBy(world.peer('127.0.0.15'), 'buyer@refuse.test');
    const delivered = await eventFor(world.node, id, 'delivered', 'buyer@refuse.test');
    assert.equal(delivered.host, 'mx2.refuse.test');
  });
});

describe('permanent failures bounce at once, per bounce_notifications', () => {
  test('from: the DSN goes to the envelope sender, and the address is suppressed', async () => {
    const { node } = world;
    const id = await send('bounce-from', 'shop@sender.test', 'gone-from@hard.test', 'Hard bounce');
    const hard = await eventFor(node, id, 'hard-bounced', 'gone-from@hard.test');
    assert.match(hard.smtp_response ?? '', /^550 5\.1\.1 No such user/);
    assert.equal(hard.host, 'mx.hard.test');

    const dsn = await receivedBy(world.peer(SENDER_MX), 'shop@sender.test');
    assert.equal(dsn.mailFrom, '');
    const text = dsn.data.toString();
    assert.match(text, /Content-Type: multipart\/report; report-type=delivery-status/);
    assert.match(text, /From: Mail Delivery System <mailer-daemon@petrel\.test>/);
    assert.match(text, /Final-Recipient: rfc822; ?gone-from@hard\.test/);
    assert.match(text, /Status: 5\.1\.1/);
    assert.match(text, /Diagnostic-Code: smtp; ?550 5\.1\.1 No such user/);
    assert.match(text, /Subject: Hard bounce/); // the original headers are quoted back
    assert.equal(noticesAbout(world.peer(SENDER_MX), id).length, 1);

    const suppressed = await node.ops.repos.suppressions.check(node.masterAccountId, 'bounce-ops', [
      'gone-from@hard.test',
    ]);
    assert.equal(suppressed.get('gone-from@hard.test'), 'suppressed');
    // The next message to that address, from any user of the account, is not sent.
    const again = await send('bounce-drop', 'shop@sender.test', 'gone-from@hard.test', 'Again');
    const rejected = await eventFor(node, again, 'rejected', 'gone-from@hard.test');
    assert.equal(rejected.reason, 'suppressed');
    assert.equal(world.peer('127.0.0.11').rcptCommands.filter((r) => r === 'gone-from@hard.test').length, 1);
  });

  test('drop: no DSN, but the hard-bounced event', async () => {
    const id = await send('bounce-drop', 'shop@sender.test', 'gone-drop@hard.test', 'Dropped bounce');
    await eventFor(world.node, id, 'hard-bounced', 'gone-drop@hard.test');
    // A DSN is spooled before the bounce is recorded: by now it would be queued or delivered.
    assert.deepEqual(await spooledNoticesAbout(id), []);
    assert.deepEqual(noticesAbout(world.peer(SENDER_MX), id), []);
  });

  test('an address: the DSN goes there', async () => {
    const id = await send('bounce-ops', 'shop@sender.test', 'gone-ops@hard.test', 'Bounce to ops');
    const dsn = await receivedBy(world.peer(SENDER_MX), 'ops@ops.test');
    assert.equal(dsn.mailFrom, '');
    assert.match(dsn.data.toString(), /Final-Recipient: rfc822; ?gone-ops@hard\.test/);
    assert.equal(noticesAbout(world.peer(SENDER_MX), id).length, 1);
    await eventFor(world.node, id, 'hard-bounced', 'gone-ops@hard.test');
  });

  test('a null MX bounces without a connection, and the sender is told', async () => {
    const id = await send('bounce-from', 'shop@sender.test', 'buyer@nullmx.test', 'Null MX');
    const hard = await eventFor(world.node, id, 'hard-bounced', 'buyer@nullmx.test');
    assert.match(hard.smtp_response ?? '', /^5\.1\.10 /);
    await until('the DSN for the null MX', () => noticesAbout(world.peer(SENDER_MX), id)[0]);
  });

  test('mail from the null sender bounces without a notification', async () => {
    const id = await send('bounce-from', '', 'gone-null@hard.test', 'From nobody');
    await eventFor(world.node, id, 'hard-bounced', 'gone-null@hard.test');
    assert.deepEqual(await spooledNoticesAbout(id), []);
    for (const peer of world.peers.values()) assert.deepEqual(noticesAbout(peer, id), []);
  });
});
