// The delivery worker on its own, over a real spool and store (SQLite or PostgreSQL), a real DNS server
// and a real SMTP peer: batching of identical copies, malformed MIME, the bound on deliveries at once,
// releasing claimed recipients at close, and archiving a message once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { DEFAULT_SENDING_SETTINGS, type SendingSettings } from '../../src/domain/sending-settings.js';
import { createOutboundDelivery } from '../../src/delivery/outbound.js';
import { DEFAULT_RETRY_POLICY } from '../../src/delivery/retry-policy.js';
import { DeliveryWorker, type ArchiveHook, type WorkerOptions } from '../../src/delivery/worker.js';
import type { SpoolEnvelope } from '../../src/spool/index.js';
import { startDnsServer, type TestDnsServer, type Zone } from '../helpers/dns-server.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer.js';
import { receivedBy, until } from '../e2e/delivery-world.js';

interface Bench {
  node: TestNode;
  dns: TestDnsServer;
  peer: SmtpPeer;
  worker: DeliveryWorker;
  accept: (to: string[], raw: string, settings?: Partial<SendingSettings>) => Promise<string>;
}

const ZONE: Zone = {
  'far.test': { MX: [{ preference: 10, exchange: 'mx.far.test' }] },
  'near.test': { MX: [{ preference: 10, exchange: 'mx.far.test' }] },
  'mx.far.test': { A: ['127.0.0.3'] },
};

/** A node without its own worker (the helper turns delivery off), and a worker of the test's making. */
async function withWorker(
  options: Partial<WorkerOptions> & { zone?: Zone; archive?: ArchiveHook },
  run: (bench: Bench) => Promise<void>,
): Promise<void> {
  const peer = await startSmtpPeer({ host: '127.0.0.3' });
  const dns = await startDnsServer(options.zone ?? ZONE);
  const node = await startTestNode();
  const delivery = createOutboundDelivery(
    {
      hostname: 'petrel.test',
      ipPools: [],
      smarthost: null,
      dnsServers: [dns.server],
      // The peers listen on loopback (SPEC §10 refuses it otherwise).
      allowedPrivateDestinations: ['127.0.0.0/8', '::1'],
    },
    { resolver: { mxPort: peer.port } },
  );
  const worker = new DeliveryWorker(
    {
      queue: node.spool.queue,
      spool: node.spool,
      delivery,
      suppressions: node.ops.repos.suppressions,
      events: node.events,
      retryPolicy: DEFAULT_RETRY_POLICY,
      trackingSecret: node.trackingSecret,
      publicUrl: 'http://links.petrel.test',
      hostname: 'petrel.test',
      logger: node.ops.logger,
      archive: options.archive,
    },
    { concurrency: 4, pollMs: 200, ...options },
  );
  const unlisten = node.spool.onAccepted(() => worker.wake());
  worker.start();
  const accept = async (to: string[], raw: string, settings: Partial<SendingSettings> = {}) => {
    const envelope: SpoolEnvelope = {
      mailFrom: 'shop@sender.test',
      recipients: to,
      auditRecipients: [],
      sandbox: false,
      senderKind: 'smtp',
      username: 'worker-user',
      accountId: node.masterAccountId,
      clientAddress: '127.0.0.1',
      clientHelo: 'client.test',
      tls: false,
      settings: { ...DEFAULT_SENDING_SETTINGS, ...settings },
    };
    return (await node.spool.accept(envelope, Readable.from([Buffer.from(raw)]), { maxBytes: 1 << 20 })).id;
  };
  try {
    await run({ node, dns, peer, worker, accept });
  } finally {
    unlisten();
    await worker.close();
    await node.stop();
    await Promise.all([peer.close(), dns.close()]);
  }
}

const SIMPLE = 'From: shop@sender.test\r\nSubject: Hello\r\n\r\nHi\r\n';
const HTML =
  'From: shop@sender.test\r\nSubject: Hello\r\nContent-Type: text/html; charset=utf-8\r\n\r\n' +
  '<html><body>Hi</body></html>\r\n';

test('identical copies share one transaction; per-recipient copies get one each', async () => {
  await withWorker({}, async ({ peer, accept }) => {
    await accept(['a@far.test', 'b@far.test'], SIMPLE);
    const batched = await receivedBy(peer, 'a@far.test');
    assert.deepEqual(batched.rcptTo, ['a@far.test', 'b@far.test']);

    await accept(['c@far.test', 'd@far.test'], HTML, { open_tracking_enabled: true });
    const c = await receivedBy(peer, 'c@far.test');
    const d = await receivedBy(peer, 'd@far.test');
    assert.deepEqual([c.rcptTo, d.rcptTo], [['c@far.test'], ['d@far.test']]);
    assert.notEqual(c.data.toString(), d.data.toString()); // each its own signed pixel
  });
});

test('a message the MIME splitter refuses goes out untouched, and the worker carries on', async () => {
  const parts = Array.from(
    { length: 1001 },
    (_, i) => `--b\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`,
  );
  const raw = `Subject: Many parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n${parts.join('')}--b--\r\n`;
  await withWorker({}, async ({ peer, accept }) => {
    await accept(['many@far.test'], raw, { feedback_enabled: true, click_tracking_enabled: true });
    const m = await receivedBy(peer, 'many@far.test');
    assert.ok(m.data.toString().endsWith(raw), 'delivered as accepted');
    assert.doesNotMatch(m.data.toString(), /List-Unsubscribe/);

    await accept(['next@far.test'], SIMPLE, { feedback_enabled: true });
    const next = await receivedBy(peer, 'next@far.test');
    assert.match(next.data.toString(), /You are receiving this email at next@far\.test/);
  });
});

test('at most `concurrency` deliveries run at once; close gives claimed recipients back', async () => {
  // Six domains whose DNS never answers: each delivery hangs in its MX lookup.
  const zone: Zone = Object.fromEntries(
    Array.from({ length: 6 }, (_, i) => [`slow${i}.test`, { silent: true }]),
  );
  await withWorker({ zone, concurrency: 2, closeGraceMs: 50 }, async ({ node, dns, worker, accept }) => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await accept([`x@slow${i}.test`], SIMPLE));
    await until('two MX lookups', () => dns.queries.filter((q) => q.startsWith('MX ')).length >= 2);
    // The six were claimed together; only two deliveries were started from them.
    assert.equal(worker.activeDeliveries, 2);
    const before = Date.now();
    await worker.close();
    for (const id of ids) {
      const [row] = node.spool.queue.recipientsOf(id);
      assert.equal(row?.state, 'queued');
      assert.equal(row?.attempts, 0);
      // Due again at once, not at the end of the 10-minute lease.
      assert.ok((row?.nextAttemptAt ?? Infinity) <= before + 1_000, `${id} due at ${row?.nextAttemptAt}`);
    }
  });
});

test('archive_enabled: a message going to two domains is archived once, as accepted', async () => {
  const archived: { id: string; subject: string; recipients: readonly string[] }[] = [];
  const archive: ArchiveHook = async (message, openBody, subject, recipients) => {
    let size = 0;
    for await (const chunk of openBody()) size += (chunk as Buffer).length;
    assert.equal(size, message.size);
    archived.push({ id: message.id, subject, recipients });
  };
  await withWorker({ archive }, async ({ peer, accept }) => {
    const id = await accept(['a@far.test', 'b@near.test'], SIMPLE, { archive_enabled: true });
    await receivedBy(peer, 'a@far.test');
    await receivedBy(peer, 'b@near.test');
    await accept(['c@far.test'], SIMPLE);
    await receivedBy(peer, 'c@far.test');
    assert.deepEqual(
      archived.map((a) => [a.id, a.subject, [...a.recipients].sort()]),
      [[id, 'Hello', ['a@far.test', 'b@near.test']]],
    );
  });
});
