// Scheduled sending (SPEC §8) on real mail through a real SMTP sink: a message scheduled a few seconds
// ahead is held in the spool and delivered only once its time has come, with the X-Smtp2go-Schedule-Id
// header; a removed one never leaves; a node restarted in between still holds and delivers on time.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { startSmtpPeer, type ReceivedMessage, type SmtpPeer } from '../helpers/smtp-peer.js';
import { assertOk } from '../api/api-assertions.js';
import { until } from './delivery-world.js';

let peer: SmtpPeer;
let node: TestNode;

before(async () => {
  peer = await startSmtpPeer();
  node = await startTestNode({
    PETREL_SMARTHOST: `${peer.host}:${peer.port}`,
    PETREL_DELIVERY_CONCURRENCY: '2',
    PETREL_DELIVERY_POLL_SECONDS: '0.1',
  });
});
after(async () => {
  await node.stop();
  await peer.close();
});

/** Generous: only a delivery that never happens should ever reach it. */
const WAIT = { timeout: 60_000 };

interface Scheduled {
  email_id: string;
  schedule_id: string;
  at: number;
}

/** SMTP2GO's form of a time: 2006-01-02 15:04:05 -0700, here in UTC+13 to prove the zone is read. */
function smtp2goTime(at: number): string {
  const local = new Date(at + 13 * 3600_000).toISOString();
  return `${local.slice(0, 10)} ${local.slice(11, 19)} +1300`;
}

async function schedule(to: string, subject: string, aheadMs: number): Promise<Scheduled> {
  // Whole seconds: SMTP2GO's form has no fraction.
  const at = Math.ceil((Date.now() + aheadMs) / 1000) * 1000;
  const data = assertOk<Omit<Scheduled, 'at'>>(
    await node.call('/email/send', {
      sender: 'app@example.com',
      to: [to],
      subject,
      text_body: 'Later',
      schedule: smtp2goTime(at),
    }),
  );
  return { ...data, at };
}

const arrivedFor = (rcpt: string): ReceivedMessage | undefined =>
  peer.messages.find((m) => m.rcptTo.includes(rcpt));

async function deliveredAt(emailId: string): Promise<number> {
  const event = await until('the delivered event', async () =>
    (await node.ops.repos.events.forEmail(node.masterAccountId, emailId)).find(
      (e) => e.event === 'delivered',
    ),
  );
  return Date.parse(event.date);
}

test(
  'a message scheduled 3 s ahead is held, then delivered at its time with its schedule header',
  WAIT,
  async () => {
    const sent = await schedule('later@example.net', 'Scheduled', 3000);
    // Held: in the spool, due at the schedule, not at the sink.
    const rows = node.spool.queue.recipientsOf(sent.email_id);
    assert.deepEqual(
      rows.map((r) => [r.address, r.state, r.nextAttemptAt]),
      [['later@example.net', 'queued', sent.at]],
    );
    assert.equal(arrivedFor('later@example.net'), undefined);
    const listed = assertOk<{ schedule_id: string }[]>(await node.call('/email/scheduled/search', {}));
    assert.ok(listed.some((s) => s.schedule_id === sent.schedule_id));

    const copy = await until('the scheduled message at the sink', () => arrivedFor('later@example.net'));
    assert.ok((await deliveredAt(sent.email_id)) >= sent.at, 'delivered before its schedule');
    const text = copy.data.toString('latin1');
    assert.match(text, new RegExp(`^X-Smtp2go-Schedule-Id: ${sent.schedule_id}\\r$`, 'm'));
    assert.match(text, /^Subject: Scheduled\r$/m);
    // Sent: no longer listed, and no longer removable.
    const after = assertOk<{ schedule_id: string }[]>(
      await node.call('/email/scheduled/search', { schedule_id: sent.schedule_id }),
    );
    assert.deepEqual(after, []);
    const removeSent = await node.call('/email/scheduled/remove', { schedule_id: sent.schedule_id });
    assert.equal(removeSent.status, 400);
    assert.match(removeSent.body.data.error, /already been sent/);
  },
);

test('a removed scheduled message never arrives and leaves the spool at its time', WAIT, async () => {
  const removed = await schedule('removed@example.net', 'Removed', 2000);
  await schedule('kept@example.net', 'Kept', 2000);
  assertOk(await node.call('/email/scheduled/remove', { schedule_id: removed.schedule_id }));
  // The kept one, due at the same second, proves the worker has passed the removed one's time.
  await until('the kept message at the sink', () => arrivedFor('kept@example.net'));
  await until(
    'the removed message to leave the spool',
    () => node.spool.queue.getMessage(removed.email_id) === undefined,
  );
  assert.equal(arrivedFor('removed@example.net'), undefined);
  const events = await node.ops.repos.events.forEmail(node.masterAccountId, removed.email_id);
  assert.ok(!events.some((e) => e.event === 'delivered'));
});

test('a scheduled message survives a restart of its node and is delivered after its time', WAIT, async () => {
  const sent = await schedule('restart@example.net', 'After a restart', 3000);
  const removed = await schedule('restart-removed@example.net', 'Removed across a restart', 3000);
  assertOk(await node.call('/email/scheduled/remove', { schedule_id: removed.schedule_id }));
  node = await node.restart();
  // Still held after the restart, at its time (released claims would have made it due at once).
  const rows = node.spool.queue.recipientsOf(sent.email_id);
  if (Date.now() < sent.at)
    assert.deepEqual(
      rows.map((r) => r.nextAttemptAt),
      [sent.at],
    );
  await until('the message at the sink', () => arrivedFor('restart@example.net'));
  assert.ok((await deliveredAt(sent.email_id)) >= sent.at, 'delivered before its schedule');
  await until(
    'the removed one to leave the spool',
    () => node.spool.queue.getMessage(removed.email_id) === undefined,
  );
  // Gone from the spool undelivered: nothing is left that could still arrive.
  assert.equal(arrivedFor('restart-removed@example.net'), undefined);
});
