// IP warm-up (SPEC §9): a warming address sends its day's share, then the pool's other addresses take
// over; a pool with nothing left waits (deferred, never bounced); counts survive a restart of the spool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '../../src/config/load.js';
import type { IpPoolConfig } from '../../src/config/settings.js';
import { createOutboundDelivery } from '../../src/delivery/outbound.js';
import { DAY_MS } from '../../src/delivery/warmup/schedule.js';
import { WarmupTracker } from '../../src/delivery/warmup/warmup-tracker.js';
import { openSpool } from '../../src/spool/index.js';
import { startDnsServer } from '../helpers/dns-server.js';
import { startSmtpPeer } from '../helpers/smtp-peer.js';

const BOUND = { timeout: 120_000 };
const MESSAGE = 'From: sender@shop.test\r\nTo: buyer@far.test\r\nSubject: Hi\r\n\r\nHello.\r\n';

async function withPool(
  pool: IpPoolConfig,
  run: (send: () => Promise<string>, sources: () => string[]) => Promise<void>,
): Promise<void> {
  const peer = await startSmtpPeer({ host: '127.0.0.1' });
  const dns = await startDnsServer({
    'far.test': { MX: [{ preference: 10, exchange: 'mx.far.test' }] },
    'mx.far.test': { A: ['127.0.0.1'] },
  });
  const delivery = createOutboundDelivery(
    {
      hostname: 'relay.petrel.test',
      ipPools: [pool],
      smarthost: null,
      dnsServers: [dns.server],
      allowedPrivateDestinations: ['127.0.0.0/8'],
    },
    { resolver: { mxPort: peer.port, timeoutMs: 2_000, tries: 2 }, warmup: new WarmupTracker() },
  );
  try {
    await run(
      async () => {
        const [r] = await delivery.deliverToDomain({
          domain: 'far.test',
          mailFrom: 'sender@shop.test',
          recipients: ['buyer@far.test'],
          message: { sameForAll: true, open: () => Readable.from([MESSAGE]) },
          ipPool: pool.id,
        });
        return `${r?.outcome} ${r?.enhancedCode} ${r?.text}`;
      },
      () => peer.messages.map((m) => m.remoteAddress),
    );
  } finally {
    delivery.close();
    await peer.close();
    await dns.close();
  }
}

test('PETREL_IP_POOLS takes {"address", "warmup"} entries beside plain addresses', () => {
  const config = loadConfig({
    env: {
      PETREL_IP_POOLS: JSON.stringify([
        { id: 1, name: 'p', ip_addresses: [{ address: '127.0.0.2', warmup: [50, 100] }, '127.0.0.3'] },
      ]),
    },
  });
  assert.deepEqual(config.ipPools[0]?.ip_addresses, ['127.0.0.2', '127.0.0.3']);
  assert.deepEqual(config.ipPools[0]?.warmup, { '127.0.0.2': [50, 100] });
  assert.throws(
    () =>
      loadConfig({
        env: {
          PETREL_IP_POOLS: JSON.stringify([
            { id: 1, name: 'p', ip_addresses: [{ address: '127.0.0.2', warmup: [-1] }] },
          ]),
        },
      }),
    /ip_addresses\[0\]\.warmup/,
  );
});

test("past its 100 a day, the warming address gives way to the pool's other address", BOUND, () =>
  withPool(
    {
      id: 3,
      name: 'warm',
      ip_addresses: ['127.0.0.2', '127.0.0.3'],
      warmup: { '127.0.0.2': [100] },
      ehlo: null,
      accounts: '*',
    },
    async (send, sources) => {
      for (let i = 0; i < 210; i++) assert.match(await send(), /^delivered/);
      const seen = sources();
      // Round robin shares the first 200 between the two; from then on only the unwarmed one sends.
      assert.equal(seen.filter((a) => a === '127.0.0.2').length, 100);
      assert.equal(seen.filter((a) => a === '127.0.0.3').length, 110);
      assert.deepEqual(new Set(seen.slice(200)), new Set(['127.0.0.3']));
    },
  ),
);

test('a pool whose only address has sent its share defers its mail instead of bouncing it', BOUND, () =>
  withPool(
    {
      id: 4,
      name: 'single',
      ip_addresses: ['127.0.0.2'],
      warmup: { '127.0.0.2': [3, 6] },
      ehlo: null,
      accounts: '*',
    },
    async (send, sources) => {
      for (let i = 0; i < 3; i++) assert.match(await send(), /^delivered/);
      const answer = await send();
      assert.match(answer, /^deferred 4\.4\.5 IP warm-up: .*waiting until/);
      assert.equal(sources().length, 3);
    },
  ),
);

test('warm-up counts survive a restart and start afresh on the next day', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'petrel-warmup-'));
  const logger = pino({ level: 'silent' });
  let now = Date.UTC(2026, 0, 1);
  const clock = () => now;
  try {
    let spool = await openSpool(dir, logger);
    let tracker = new WarmupTracker(spool.ledger, logger, clock);
    assert.equal(tracker.take('192.0.2.1', [2, 3]), true);
    assert.equal(tracker.take('192.0.2.1', [2, 3]), true);
    assert.equal(tracker.take('192.0.2.1', [2, 3]), false);
    await spool.close();

    spool = await openSpool(dir, logger);
    tracker = new WarmupTracker(spool.ledger, logger, clock);
    assert.equal(tracker.take('192.0.2.1', [2, 3]), false, 'the count of day 1 was kept');
    now += DAY_MS;
    for (let i = 0; i < 3; i++) assert.equal(tracker.take('192.0.2.1', [2, 3]), true);
    assert.equal(tracker.take('192.0.2.1', [2, 3]), false, 'day 2 allows 3');
    now += DAY_MS;
    for (let i = 0; i < 50; i++)
      assert.equal(tracker.take('192.0.2.1', [2, 3]), true, 'no limit after the list');
    await spool.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
