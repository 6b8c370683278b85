// messages_per_minute (SPEC §9) over three real minutes: a rule of 60 a minute for one domain holds
// within ±10 % in every minute, counted at its sink, while another domain takes all its mail at once.
// The only long test of pacing (about 3 minutes); it asserts on counts at the sinks, not on speed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  addSmtpUser,
  plainMessage,
  startDeliveryWorld,
  submit,
  until,
  type DeliveryWorld,
} from './delivery-world.js';

const PER_MINUTE = 60;
const MINUTES = 3;

let world: DeliveryWorld;

before(async () => {
  world = await startDeliveryWorld({
    zone: {
      'paced.test': { MX: [{ preference: 10, exchange: 'mx.paced.test' }] },
      'free.test': { MX: [{ preference: 10, exchange: 'mx.free.test' }] },
      'mx.paced.test': { A: ['127.0.0.6'] },
      'mx.free.test': { A: ['127.0.0.7'] },
    },
    peers: [{ host: '127.0.0.6' }, { host: '127.0.0.7' }],
    env: {
      PETREL_DESTINATION_RULES: JSON.stringify([{ match: 'paced.test', messages_per_minute: PER_MINUTE }]),
    },
  });
  await addSmtpUser(world.node, 'bulk-sender');
});
after(() => world.stop());

const send = (to: string) =>
  submit(world.smtpPort, {
    user: 'bulk-sender',
    from: 'news@sender.test',
    to: [to],
    raw: plainMessage('news@sender.test', to, 'News'),
  });

test(
  '60 a minute for one domain, for three minutes; the other domain is not held back',
  { timeout: 300_000 },
  async () => {
    const paced = world.peer('127.0.0.6');
    const free = world.peer('127.0.0.7');
    // More than three minutes' worth, so that the queue never runs dry while we count.
    const total = PER_MINUTE * MINUTES + 30;
    for (let i = 0; i < total; i++) {
      await send(`p${i}@paced.test`);
      if (i < 100) await send(`f${i}@free.test`);
    }
    // Arrival times as the sink recorded them; waited for with a bound in time.
    await until(
      'three minutes of paced mail',
      () => {
        const times = paced.messages.map((m) => m.receivedAt);
        return times.length > 0 && Date.now() - Math.min(...times) >= MINUTES * 60_000 + 1_000;
      },
      MINUTES * 60_000 + 60_000,
    );
    assert.equal(free.messages.length, 100, 'free.test got all its mail');
    const times = paced.messages.map((m) => m.receivedAt);
    const first = Math.min(...times);
    for (let minute = 0; minute < MINUTES; minute++) {
      const n = times.filter((t) => t >= first + minute * 60_000 && t < first + (minute + 1) * 60_000).length;
      assert.ok(
        n >= PER_MINUTE * 0.9 && n <= PER_MINUTE * 1.1,
        `minute ${minute + 1}: ${n} messages at the paced sink, expected ${PER_MINUTE} ±10 %`,
      );
    }
  },
);
