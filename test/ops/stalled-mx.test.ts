// A remote MX that accepts the connection and never says a word (SPEC §3.3): its mail is deferred once
// the configured greeting timeout passes, while mail to another domain keeps flowing meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import {
  addSmtpUser,
  eventFor,
  plainMessage,
  receivedBy,
  startDeliveryWorld,
  submit,
  until,
} from '../e2e/delivery-world.js';

const STALLED = 3;
const HEALTHY = 5;

/** Listens on host:port, takes every connection and never writes; counts what it holds open. */
async function startStalledMx(host: string, port: number) {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    get accepted() {
      return accepted;
    },
    get open() {
      return sockets.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

test('a stalled MX defers its own mail and holds up no other domain', async (t) => {
  const world = await startDeliveryWorld({
    zone: {
      'healthy.test': { MX: [{ preference: 10, exchange: 'mx.healthy.test' }] },
      'mx.healthy.test': { A: ['127.0.0.50'] },
      'stalled.test': { MX: [{ preference: 10, exchange: 'mx.stalled.test' }] },
      'mx.stalled.test': { A: ['127.0.0.51'] },
    },
    peers: [{ host: '127.0.0.50' }],
    env: {
      // Long enough that the healthy mail is through well before; short enough for a test.
      PETREL_OUTBOUND_GREETING_TIMEOUT_SECONDS: '8',
      // One attempt in this test: the retry is an hour away.
      PETREL_RETRY_FIRST_DELAY_SECONDS: '3600',
      PETREL_RETRY_MAX_DELAY_SECONDS: '3600',
    },
  });
  t.after(() => world.stop());
  const stalled = await startStalledMx('127.0.0.51', world.mxPort);
  t.after(() => stalled.close());
  await addSmtpUser(world.node, 'mixed-sender');

  const stalledIds: string[] = [];
  for (let i = 0; i < STALLED; i++) {
    stalledIds.push(
      await submit(world.smtpPort, {
        user: 'mixed-sender',
        from: 'shop@sender.test',
        to: [`buyer${i}@stalled.test`],
        raw: plainMessage('shop@sender.test', `buyer${i}@stalled.test`, `Stalled ${i}`),
      }),
    );
  }
  await until('Petrel to be stuck on the stalled MX', () => stalled.open >= 1);

  for (let i = 0; i < HEALTHY; i++) {
    await submit(world.smtpPort, {
      user: 'mixed-sender',
      from: 'shop@sender.test',
      to: [`buyer${i}@healthy.test`],
      raw: plainMessage('shop@sender.test', `buyer${i}@healthy.test`, `Healthy ${i}`),
    });
  }
  for (let i = 0; i < HEALTHY; i++) await receivedBy(world.peer('127.0.0.50'), `buyer${i}@healthy.test`);
  // All healthy mail went through while the stalled MX still held Petrel's connections.
  assert.ok(stalled.open >= 1, 'the stalled connections timed out before the healthy mail was through');
  for (const id of stalledIds) {
    assert.equal(world.node.spool.queue.recipientsOf(id)[0]?.attempts, 0);
  }

  // Then the greeting timeout defers each stalled recipient (a retry, never a bounce).
  for (const [i, id] of stalledIds.entries()) {
    const soft = await eventFor(world.node, id, 'soft-bounced', `buyer${i}@stalled.test`);
    assert.match(soft.smtp_response ?? '', /^4\./);
    const [row] = world.node.spool.queue.recipientsOf(id);
    assert.equal(row?.state, 'deferred');
    assert.equal(row?.attempts, 1);
  }
  assert.ok(stalled.accepted >= 1);
});
