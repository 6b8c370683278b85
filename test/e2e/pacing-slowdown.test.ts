// Adaptive slow-down (SPEC §9): a destination answering "421 4.7.0 rate limited" gets its mail more
// slowly from then on, while another destination, served by the same node, is not slowed at all.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { listSlowDowns } from '../../src/delivery/pacing/slowdown-file.js';
import { spoolDirectory } from '../../src/spool/index.js';
import {
  addSmtpUser,
  plainMessage,
  startDeliveryWorld,
  submit,
  until,
  type DeliveryWorld,
} from './delivery-world.js';

let world: DeliveryWorld;

before(async () => {
  world = await startDeliveryWorld({
    zone: {
      'slow.test': { MX: [{ preference: 10, exchange: 'mx.slow.test' }] },
      'fast.test': { MX: [{ preference: 10, exchange: 'mx.fast.test' }] },
      'mx.slow.test': { A: ['127.0.0.4'] },
      'mx.fast.test': { A: ['127.0.0.5'] },
    },
    peers: [
      { host: '127.0.0.4', dataFailures: { code: 421, message: '4.7.0 rate limited', times: 1 } },
      { host: '127.0.0.5' },
    ],
    // Four a minute: without the slow-down, three more would go in the first minute after the 421.
    env: { PETREL_DESTINATION_RULES: JSON.stringify([{ match: 'slow.test', messages_per_minute: 4 }]) },
  });
  await addSmtpUser(world.node, 'pacer');
});
after(() => world.stop());

const send = (to: string) =>
  submit(world.smtpPort, {
    user: 'pacer',
    from: 'news@sender.test',
    to: [to],
    raw: plainMessage('news@sender.test', to, 'News'),
  });

test('a rate-limited destination is slowed; the other is not', { timeout: 60_000 }, async () => {
  const slow = world.peer('127.0.0.4');
  const fast = world.peer('127.0.0.5');
  await send('first@slow.test');
  const dir = spoolDirectory(world.node.config.dataDir);
  const slowed = await until('the slow-down to be recorded', () => listSlowDowns(dir).at(0));
  assert.equal(slowed.destination, 'slow.test');
  assert.equal(slowed.factor, 0.5);
  assert.match(slowed.lastReply, /rate limited/);

  for (let i = 0; i < 6; i++) {
    await send(`user${i}@slow.test`);
    await send(`user${i}@fast.test`);
  }
  await until('every fast.test message', () => fast.messages.length === 6);
  // Halved to 2 a minute, one of which the refused attempt used: at most one more gets through now.
  assert.ok(slow.messages.length <= 1, `slow.test got ${slow.messages.length} messages`);

  const metrics = await (await fetch(`${world.node.httpUrl}/metrics`)).text();
  assert.match(metrics, /petrel_destination_slowdown_factor\{destination="slow\.test"\} 0\.5/);
});
