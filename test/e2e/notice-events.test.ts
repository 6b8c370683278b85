// Activity events of Petrel's own mail (SPEC §9): an audit copy's outcome is recorded as
// `audit-delivered` / `audit-bounced`, and a DSN Petrel sends as `dsn-sent` (reason "failed" or
// "delayed"), each searchable through /v3/activity/search.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addSmtpUser,
  eventFor,
  plainMessage,
  receivedBy,
  startDeliveryWorld,
  submit,
} from './delivery-world.js';

test('audit copies and bounce DSNs are activity events of their own', async (t) => {
  const world = await startDeliveryWorld({
    zone: {
      'far.test': { MX: [{ preference: 10, exchange: 'mx.far.test' }] },
      'mx.far.test': { A: ['127.0.0.50'] },
      'audit.test': { MX: [{ preference: 10, exchange: 'mx.audit.test' }] },
      'mx.audit.test': { A: ['127.0.0.51'] },
      'sender.test': { MX: [{ preference: 10, exchange: 'mx.sender.test' }] },
      'mx.sender.test': { A: ['127.0.0.52'] },
    },
    peers: [
      {
        host: '127.0.0.50',
        rejectRecipients: { 'gone@far.test': { code: 550, message: '5.1.1 No such user' } },
      },
      { host: '127.0.0.51', rejectRecipients: { 'bad@audit.test': { code: 550, message: '5.1.1 No' } } },
      { host: '127.0.0.52' },
    ],
  });
  t.after(() => world.stop());
  await addSmtpUser(world.node, 'audited', { audit_email: 'audit@audit.test' });
  const id = await submit(world.smtpPort, {
    user: 'audited',
    from: 'shop@sender.test',
    to: ['buyer@far.test', 'gone@far.test'],
    raw: plainMessage('shop@sender.test', 'buyer@far.test', 'Watched'),
  });

  await receivedBy(world.peer('127.0.0.51'), 'audit@audit.test');
  const audit = await eventFor(world.node, id, 'audit-delivered', 'audit@audit.test');
  assert.equal(audit.subject, 'Watched');
  assert.match(audit.smtp_response ?? '', /^250/);

  const dsn = await receivedBy(world.peer('127.0.0.52'), 'shop@sender.test');
  assert.match(dsn.data.toString(), /Action: failed/);
  const sent = await eventFor(world.node, id, 'dsn-sent', 'shop@sender.test');
  assert.equal(sent.reason, 'failed');
  assert.equal(sent.subject, 'Watched');

  // Searchable by their names, like every other event.
  const found = await world.node.call('/activity/search', { event_types: ['audit-delivered', 'dsn-sent'] });
  assert.equal(found.status, 200, JSON.stringify(found.body));
  const names = (found.body.data.events as { event: string }[]).map((e) => e.event).sort();
  assert.deepEqual(names, ['audit-delivered', 'dsn-sent']);
  // The sender's own recipients keep their usual events; no audit event stands for them.
  await eventFor(world.node, id, 'delivered', 'buyer@far.test');
  await eventFor(world.node, id, 'hard-bounced', 'gone@far.test');
});

test('an audit copy refused for good is recorded as audit-bounced', async (t) => {
  const world = await startDeliveryWorld({
    zone: {
      'far.test': { MX: [{ preference: 10, exchange: 'mx.far.test' }] },
      'mx.far.test': { A: ['127.0.0.53'] },
      'audit.test': { MX: [{ preference: 10, exchange: 'mx.audit.test' }] },
      'mx.audit.test': { A: ['127.0.0.54'] },
    },
    peers: [
      { host: '127.0.0.53' },
      { host: '127.0.0.54', rejectRecipients: { 'bad@audit.test': { code: 550, message: '5.1.1 No' } } },
    ],
  });
  t.after(() => world.stop());
  await addSmtpUser(world.node, 'audited-badly', { audit_email: 'bad@audit.test' });
  const id = await submit(world.smtpPort, {
    user: 'audited-badly',
    from: 'shop@sender.test',
    to: ['buyer@far.test'],
    raw: plainMessage('shop@sender.test', 'buyer@far.test', 'Lost copy'),
  });
  const bounced = await eventFor(world.node, id, 'audit-bounced', 'bad@audit.test');
  assert.match(bounced.smtp_response ?? '', /^550 5\.1\.1/);
});
