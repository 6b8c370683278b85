// Sandbox status at delivery (SPEC §2.3): the recipients of a sandboxed user's message are held and
// never reach the sink; its audit copies are delivered (event `audit-delivered`); the recipients' events
// say `rejected` with reason `sandbox`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addSmtpUser,
  eventFor,
  plainMessage,
  receivedBy,
  FAR_TEST_ZONE,
  startDeliveryWorld,
  submit,
  type DeliveryWorld,
} from './delivery-world.js';

let world: DeliveryWorld;

before(async () => {
  world = await startDeliveryWorld({
    zone: {
      ...FAR_TEST_ZONE,
      'audit.test': { MX: [{ preference: 10, exchange: 'mx.far.test' }] },
    },
    peers: [{ host: '127.0.0.3' }],
  });
  await addSmtpUser(world.node, 'sandboxed', { status: 'sandbox', audit_email: 'audit@audit.test' });
});
after(() => world.stop());

test('the sink never sees the recipients of a sandboxed user; the audit copy arrives', async () => {
  const { node } = world;
  const sink = world.peer('127.0.0.3');
  const raw = plainMessage('app@sender.test', 'alice@far.test', 'Sandboxed');
  const id = await submit(world.smtpPort, {
    user: 'sandboxed',
    from: 'app@sender.test',
    to: ['alice@far.test', 'bob@far.test'],
    raw,
  });

  const audit = await receivedBy(sink, 'audit@audit.test');
  assert.ok(audit.data.toString().endsWith(raw), 'the audit copy is the message as accepted');
  // The audit copy is delivered by the same worker pass that would have taken any due recipient.
  const rejected = await eventFor(node, id, 'rejected', 'alice@far.test');
  assert.equal(rejected.reason, 'sandbox');
  assert.equal((await eventFor(node, id, 'rejected', 'bob@far.test')).reason, 'sandbox');
  await eventFor(node, id, 'processed', 'alice@far.test');

  assert.deepEqual(sink.rcptCommands, ['audit@audit.test']);
  assert.ok(sink.messages.every((m) => m.rcptTo.every((r) => r === 'audit@audit.test')));
  // Held in the spool for viewing, never due.
  const states = node.spool.queue.recipientsOf(id).map((r) => `${r.kind}:${r.address}:${r.state}`);
  assert.deepEqual(states.sort(), [
    'audit:audit@audit.test:delivered',
    'recipient:alice@far.test:held',
    'recipient:bob@far.test:held',
  ]);
  // The audit copy's outcome is an event of its own (SPEC §9), never a recipient's processed/delivered.
  await eventFor(node, id, 'audit-delivered', 'audit@audit.test');
  const events = await node.ops.repos.events.forEmail(node.masterAccountId, id);
  const ofAuditCopy = events.filter((e) => e.recipient === 'audit@audit.test').map((e) => e.event);
  assert.deepEqual(ofAuditCopy, ['audit-delivered']);
});
