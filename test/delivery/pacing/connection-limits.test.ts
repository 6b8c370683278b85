// max_connections and messages_per_connection of a destination rule (SPEC §9), as a real SMTP sink on
// loopback sees them: never more than N connections at once, never more than M messages on one.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { createOutboundDelivery } from '../../../src/delivery/outbound.js';
import { Pacer } from '../../../src/delivery/pacing/pacer.js';

const MESSAGE = 'From: a@shop.test\r\nTo: b@paced.test\r\nSubject: Hi\r\n\r\nHello.\r\n';

test(
  'a rule bounds the connections open at once and the messages each carries',
  { timeout: 60_000 },
  async () => {
    let open = 0;
    let mostOpen = 0;
    const perSession = new Map<string, number>();
    const sink = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onConnect(_session, callback) {
        open++;
        mostOpen = Math.max(mostOpen, open);
        callback();
      },
      onClose() {
        open--;
      },
      onData(stream, session, callback) {
        stream.resume();
        stream.on('end', () => {
          perSession.set(session.id, (perSession.get(session.id) ?? 0) + 1);
          // A slow reply keeps connections busy, so that the pool would open more if it could.
          setTimeout(callback, 20);
        });
      },
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const port = (sink.server.address() as AddressInfo).port;
    const delivery = createOutboundDelivery(
      {
        hostname: 'relay.petrel.test',
        ipPools: [],
        smarthost: { host: '127.0.0.1', port },
        dnsServers: ['127.0.0.1:53'],
        allowedPrivateDestinations: ['127.0.0.0/8'],
      },
      {
        pacer: new Pacer({
          rules: [{ match: 'paced.test', max_connections: 2, messages_per_connection: 3 }],
          builtIn: [],
        }),
      },
    );
    try {
      const sends = Array.from({ length: 18 }, (_, i) =>
        delivery.deliverToDomain({
          domain: 'paced.test',
          mailFrom: 'a@shop.test',
          recipients: [`user${i}@paced.test`],
          message: { sameForAll: true, open: () => Readable.from([MESSAGE]) },
          ipPool: null,
        }),
      );
      const results = (await Promise.all(sends)).flat();
      assert.deepEqual(
        results.map((r) => r.outcome),
        results.map(() => 'delivered'),
      );
      const counts = [...perSession.values()];
      assert.equal(
        counts.reduce((a, b) => a + b, 0),
        18,
      );
      assert.ok(mostOpen <= 2, `at most 2 connections at once, saw ${mostOpen}`);
      assert.ok(
        counts.every((n) => n <= 3),
        `at most 3 messages a connection, saw ${counts.join(',')}`,
      );
      assert.ok(counts.length >= 6, `18 messages need at least 6 connections, saw ${counts.length}`);
    } finally {
      delivery.close();
      await new Promise<void>((resolve) => sink.close(() => resolve()));
    }
  },
);
