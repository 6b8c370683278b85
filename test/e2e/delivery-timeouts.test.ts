// The slow ends of delivery (SPEC §3.3): a DNS server that never answers defers the recipient (never a
// bounce), and temporary failures that outlast the maximum age bounce, with a DSN, but no suppression.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addSmtpUser,
  eventFor,
  plainMessage,
  receivedBy,
  startDeliveryWorld,
  submit,
  until,
} from './delivery-world.js';

test('a DNS timeout defers the recipient and schedules a retry', async (t) => {
  const world = await startDeliveryWorld({
    zone: { 'slow.test': { silent: true } },
    peers: [{ host: '127.0.0.3' }],
    // One try in this test: the next one is an hour away.
    env: { PETREL_RETRY_FIRST_DELAY_SECONDS: '3600', PETREL_RETRY_MAX_DELAY_SECONDS: '3600' },
  });
  t.after(() => world.stop());
  await addSmtpUser(world.node, 'slow-sender');
  const id = await submit(world.smtpPort, {
    user: 'slow-sender',
    from: 'shop@sender.test',
    to: ['buyer@slow.test'],
    raw: plainMessage('shop@sender.test', 'buyer@slow.test', 'Slow DNS'),
  });
  const soft = await eventFor(world.node, id, 'soft-bounced', 'buyer@slow.test');
  assert.match(soft.smtp_response ?? '', /^4\.4\.3 /);
  assert.equal(soft.host, null);
  const [row] = world.node.spool.queue.recipientsOf(id);
  assert.equal(row?.state, 'deferred');
  assert.equal(row?.attempts, 1);
  const received = world.node.spool.queue.getMessage(id)?.receivedAt ?? 0;
  // About an hour on (±10 % jitter): the configured first delay, not the lease or the poll interval.
  assert.ok((row?.nextAttemptAt ?? 0) > received + 50 * 60_000, `next attempt at ${row?.nextAttemptAt}`);
  assert.ok(world.dns.queries.includes('MX slow.test'));
});

test('temporary failures past the maximum age bounce with a DSN, and do not suppress', async (t) => {
  const world = await startDeliveryWorld({
    zone: {
      'busy.test': { MX: [{ preference: 10, exchange: 'mx.busy.test' }] },
      'mx.busy.test': { A: ['127.0.0.10'] },
      'sender.test': { MX: [{ preference: 10, exchange: 'mx.sender.test' }] },
      'mx.sender.test': { A: ['127.0.0.12'] },
    },
    peers: [
      { host: '127.0.0.10', rcptFailures: { code: 451, message: '4.3.2 Try again later', times: 1_000_000 } },
      { host: '127.0.0.12' },
    ],
    env: { PETREL_RETRY_MAX_AGE_SECONDS: '1' },
  });
  t.after(() => world.stop());
  await addSmtpUser(world.node, 'busy-sender');
  const id = await submit(world.smtpPort, {
    user: 'busy-sender',
    from: 'shop@sender.test',
    to: ['buyer@busy.test'],
    raw: plainMessage('shop@sender.test', 'buyer@busy.test', 'Never taken'),
  });
  const hard = await eventFor(world.node, id, 'hard-bounced', 'buyer@busy.test');
  assert.match(hard.smtp_response ?? '', /^451 4\.3\.2 Try again later/);
  const events = await world.node.ops.repos.events.forEmail(world.node.masterAccountId, id);
  assert.ok(
    events.some((e) => e.event === 'soft-bounced'),
    'retried before giving up',
  );

  const dsn = await receivedBy(world.peer('127.0.0.12'), 'shop@sender.test');
  const text = dsn.data.toString();
  assert.match(text, /Action: failed/);
  assert.match(text, /Status: 5\.3\.2/); // the class follows the action
  assert.match(text, /Diagnostic-Code: smtp; ?451 4\.3\.2 Try again later/);
  // A server that kept saying "later" says nothing about the address.
  const suppressed = await world.node.ops.repos.suppressions.check(
    world.node.masterAccountId,
    'busy-sender',
    ['buyer@busy.test'],
  );
  assert.equal(suppressed.size, 0);
  // Every recipient final: the message left the spool.
  await until(
    'the expired message to leave the spool',
    () => world.node.spool.queue.getMessage(id) === undefined,
  );
});
