// `petrel status`: the queue by state and the oldest waiting message of a spool on disk, the delivery
// counts of the node's heartbeat (the sampler's windows checked on their own), and the nodes seen in
// the last minute — a real `petrel serve` among them, a node silent for five minutes not — in JSON and
// for people. On PostgreSQL when PETREL_TEST_DATABASE_URL is set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { writeSlowDowns } from '../../src/delivery/pacing/slowdown-file.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { DeliveryRateSampler, metricsTotals } from '../../src/operations/delivery-rates.js';
import { openSpool, spoolDirectory, type SpoolEnvelope } from '../../src/spool/index.js';
import { openStore } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { nodeHeartbeatsRepository } from '../../src/store/repositories/node-heartbeats.js';
import { createInstallation } from './cli-harness.js';

const logger = createLogger('silent');
const MINUTE = 60_000;

test('the sampler counts deliveries over the last minute and five minutes from the metrics counter', async () => {
  const metrics = createMetrics();
  const sampler = new DeliveryRateSampler(metricsTotals(metrics));
  const t0 = 1_000_000_000;
  assert.deepEqual(await sampler.sample(t0), {
    delivered_1m: 0,
    delivered_5m: 0,
    deferred_5m: 0,
    bounced_5m: 0,
  });
  metrics.deliveryRecipients.inc({ result: 'delivered' }, 10);
  metrics.deliveryRecipients.inc({ result: 'suppressed' }, 4); // not a delivery result it reports
  await sampler.sample(t0 + 2 * MINUTE);
  metrics.deliveryRecipients.inc({ result: 'delivered' }, 3);
  metrics.deliveryRecipients.inc({ result: 'deferred' }, 2);
  metrics.deliveryRecipients.inc({ result: 'bounced' }, 1);
  // Three minutes in: the last minute holds the 3 since the two-minute sample, five minutes all of it.
  assert.deepEqual(await sampler.sample(t0 + 3 * MINUTE), {
    delivered_1m: 3,
    delivered_5m: 13,
    deferred_5m: 2,
    bounced_5m: 1,
  });
  // Eight minutes in, nothing new: the ten of minute two have left both windows.
  assert.deepEqual(await sampler.sample(t0 + 8 * MINUTE), {
    delivered_1m: 0,
    delivered_5m: 0,
    deferred_5m: 0,
    bounced_5m: 0,
  });
});

function envelope(recipients: string[]): SpoolEnvelope {
  return {
    mailFrom: 'shop@sender.test',
    recipients,
    auditRecipients: [],
    sandbox: false,
    senderKind: 'smtp',
    username: 'status-user',
    accountId: 'acct',
    clientAddress: '127.0.0.1',
    clientHelo: 'client.test',
    tls: false,
  };
}

interface Status {
  node: string;
  database: string;
  queue: Record<string, number>;
  oldest: { message_id: string; received_at: string; age_seconds: number } | null;
  delivery: { delivered_last_minute: number; running: boolean; as_of: string } | null;
  nodes: { node_id: string; pid: number; seen_at: string }[];
}

test(
  'status reports the queue, this node and the nodes seen in the last minute',
  { timeout: 120_000 },
  async (t) => {
    const inst = await createInstallation();
    t.after(() => inst.cleanup());
    await inst.init();

    const spool = await openSpool(spoolDirectory(inst.dataDir), logger, { hostname: 'petrel.test' });
    const body = () => Readable.from([Buffer.from('Subject: waiting\r\n\r\nhi\r\n')]);
    const first = await spool.accept(envelope(['one@far.test', 'two@far.test']), body(), {
      maxBytes: 1 << 20,
    });
    await spool.accept(envelope(['three@far.test']), body(), { maxBytes: 1 << 20 });
    await spool.close();

    // Never served: the queue is read from disk, there is no heartbeat and no node is listed.
    const before = await inst.run(['status', '--json']);
    assert.equal(before.code, 0, before.stderr);
    const cold = JSON.parse(before.stdout) as Status;
    assert.equal(cold.node, 'petrel.test');
    assert.equal(cold.database, inst.env.PETREL_DATABASE_URL ? 'postgres' : 'sqlite');
    assert.deepEqual(cold.queue, { queued: 3, deferred: 0, held: 0, delivered: 0, bounced: 0 });
    assert.equal(cold.oldest?.message_id, first.id);
    assert.ok((cold.oldest?.age_seconds ?? -1) >= 0);
    assert.equal(cold.delivery, null);
    assert.deepEqual(cold.nodes, []);

    // A running node (delivery off, so the queue stays as it is); its logs forced readable.
    const child = inst.spawn(['serve', '--log-format', 'pretty'], {
      PETREL_HTTP_LISTEN: '127.0.0.1:0',
      PETREL_SMTP_LISTEN: '127.0.0.1:0',
      PETREL_SMTPS_LISTEN: '127.0.0.1:0',
      PETREL_INBOUND_LISTEN: '127.0.0.1:0',
      PETREL_DELIVERY_CONCURRENCY: '0',
      PETREL_LOG_LEVEL: 'info',
    });
    t.after(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const lines: string[] = [];
    for await (const line of createInterface({ input: child.stdout! })) {
      lines.push(line);
      if (/Petrel is running/.test(line)) break;
    }
    assert.ok(
      lines.length > 0 && lines.every((l) => !l.startsWith('{')),
      `readable lines:\n${lines.join('\n')}`,
    );

    // Another node beat a moment ago, a third five minutes ago (sharing this control plane). Written
    // now, once this node is up, so that a slow start cannot age the first out of the last minute.
    const store = openStore({ dataDir: inst.dataDir, databaseUrl: inst.env.PETREL_DATABASE_URL ?? null });
    try {
      await migrateToLatest(store);
      const beats = nodeHeartbeatsRepository(store.db);
      const row = (id: string, seen: number) => ({
        node_id: id,
        hostname: id,
        pid: 1,
        version: '0.0.0',
        started_at: new Date(seen - MINUTE).toISOString(),
        seen_at: new Date(seen).toISOString(),
        delivered_1m: 0,
        delivered_5m: 0,
        deferred_5m: 0,
        bounced_5m: 0,
      });
      await beats.beat(row('other.test', Date.now()));
      await beats.beat(row('gone.test', Date.now() - 5 * MINUTE));
    } finally {
      await store.close();
    }

    assert.match(lines.at(-1) ?? '', /INFO.*Petrel is running: API at http:\/\/127\.0\.0\.1:\d+\/v3\//);

    const during = await inst.run(['status', '--json']);
    assert.equal(during.code, 0, during.stderr);
    const warm = JSON.parse(during.stdout) as Status;
    assert.equal(warm.delivery?.running, true);
    assert.equal(warm.delivery?.delivered_last_minute, 0);
    assert.deepEqual(
      warm.nodes.map((n) => n.node_id),
      ['other.test', 'petrel.test'],
    );
    assert.equal(warm.nodes.find((n) => n.node_id === 'petrel.test')?.pid, child.pid);

    const text = await inst.run(['status']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^node: +petrel\.test$/m);
    assert.match(text.stdout, /^running: +yes$/m);
    assert.match(text.stdout, /^queue: +queued 3, deferred 0, held 0$/m);
    assert.match(text.stdout, new RegExp(`^oldest: +${first.id}, received `, 'm'));
    assert.match(text.stdout, /^other\.test /m);
    assert.doesNotMatch(text.stdout, /gone\.test/);

    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  },
);

test('status --help describes the command and its --json', async (t) => {
  const inst = await createInstallation();
  t.after(() => inst.cleanup());
  const help = await inst.run(['status', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: petrel status/);
  assert.match(help.stdout, /--json/);
});

test('status lists the destinations this node is slowing down, with their rate now', async (t) => {
  const inst = await createInstallation();
  t.after(() => inst.cleanup());
  await inst.init();
  const spool = await openSpool(spoolDirectory(inst.dataDir), logger, { hostname: 'petrel.test' });
  await spool.close();
  const now = Date.now();
  // As the node's pacer writes it after one "rate limited" reply from slow.test a moment ago, and one
  // from old.test long enough ago that it has recovered.
  writeSlowDowns(spoolDirectory(inst.dataDir), [
    {
      destination: 'slow.test',
      factor: 0.5,
      messagesPerMinute: 30,
      since: now,
      changedAt: now,
      lastReply: '421 4.7.0 rate limited',
    },
    {
      destination: 'old.test',
      factor: 0.5,
      messagesPerMinute: 30,
      since: now - 10 * MINUTE,
      changedAt: now - 10 * MINUTE,
      lastReply: '421 4.7.0 rate limited',
    },
  ]);
  const json = await inst.run(['status', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout) as {
    slowdowns: { destination: string; factor: number; messages_per_minute: number; last_reply: string }[];
  };
  assert.deepEqual(
    report.slowdowns.map((s) => [s.destination, s.factor, s.messages_per_minute, s.last_reply]),
    [['slow.test', 0.5, 30, '421 4.7.0 rate limited']],
  );
  const text = await inst.run(['status']);
  assert.match(text.stdout, /^Slowed-down destinations:$/m);
  assert.match(text.stdout, /^slow\.test +x0\.5 +30 /m);
  assert.doesNotMatch(text.stdout, /old\.test/);
});
