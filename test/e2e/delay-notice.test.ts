// The delayed DSN (SPEC §9): a message still undelivered past PETREL_DELAY_NOTICE_AFTER gets one
// `Action: delayed` notice, sent by the periodic sweep, and never a second one, whatever further retries
// and a restart of the node on the same data directory do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logger.js';
import { createMasterAccount } from '../../src/operations/accounts.js';
import { startNode, type PetrelNode } from '../../src/server.js';
import { startDnsServer } from '../helpers/dns-server.js';
import { LOOPBACK_DESTINATIONS, SHARED_DATABASE_ENV, TEST_DATABASE_URL } from '../helpers/node.js';
import { startPeersOnOnePort } from '../helpers/smtp-peer.js';
import { FAST_RETRIES, PASSWORD, plainMessage, receivedBy, submit, until } from './delivery-world.js';

async function withPg(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL ?? undefined });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

test('a message deferred past the notice age gets exactly one delayed DSN, across a restart', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'petrel-delay-'));
  const schema = TEST_DATABASE_URL ? `t_${randomBytes(6).toString('hex')}` : undefined;
  if (schema) await withPg(`CREATE SCHEMA ${schema}`);
  const [busy, senderMx] = await startPeersOnOnePort([
    { host: '127.0.0.40', rcptFailures: { code: 451, message: '4.3.2 Try again later', times: 1_000_000 } },
    { host: '127.0.0.41' },
  ]);
  assert.ok(busy && senderMx);
  const dns = await startDnsServer({
    'busy.test': { MX: [{ preference: 10, exchange: 'mx.busy.test' }] },
    'mx.busy.test': { A: ['127.0.0.40'] },
    'sender.test': { MX: [{ preference: 10, exchange: 'mx.sender.test' }] },
    'mx.sender.test': { A: ['127.0.0.41'] },
  });
  const logger = createLogger(process.env.PETREL_TEST_LOG_LEVEL ?? 'silent');
  const config = loadConfig({
    env: {
      PETREL_DATA_DIR: dataDir,
      PETREL_HTTP_LISTEN: '127.0.0.1:0',
      PETREL_SMTP_LISTEN: '127.0.0.1:0',
      PETREL_SMTPS_LISTEN: '127.0.0.1:0',
      PETREL_INBOUND_LISTEN: '127.0.0.1:0',
      PETREL_HOSTNAME: 'petrel.test',
      PETREL_DNS_SERVERS: dns.server,
      PETREL_MX_PORT: String(busy.port),
      PETREL_DELIVERY_CONCURRENCY: '4',
      PETREL_ALLOWED_PRIVATE_DESTINATIONS: LOOPBACK_DESTINATIONS,
      // The §1.9 grammar: two seconds.
      PETREL_DELAY_NOTICE_AFTER: '0:00:02',
      ...FAST_RETRIES,
      ...SHARED_DATABASE_ENV,
    },
  });
  assert.equal(config.delayNoticeAfterSeconds, 2);
  const start = (): Promise<PetrelNode> => startNode(config, logger, schema ? { pgSchema: schema } : {});
  let node: PetrelNode | null = null;
  t.after(async () => {
    await node?.close();
    await Promise.all([busy.close(), senderMx.close(), dns.close()]);
    if (schema) await withPg(`DROP SCHEMA ${schema} CASCADE`);
    rmSync(dataDir, { recursive: true, force: true });
  });

  node = await start();
  const first = node;
  const master = await createMasterAccount(first.ops, 'Delay master');
  const added = await fetch(`${first.httpUrl}/v3/users/smtp/add`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-smtp2go-api-key': master.api_key },
    body: JSON.stringify({ username: 'delay-user', email_password: PASSWORD }),
  });
  assert.equal(added.status, 200);
  const id = await submit(first.smtp.ports.smtp[0] as number, {
    user: 'delay-user',
    from: 'shop@sender.test',
    to: ['buyer@busy.test'],
    raw: plainMessage('shop@sender.test', 'buyer@busy.test', 'Slow to arrive'),
  });

  const dsn = await receivedBy(senderMx, 'shop@sender.test');
  const text = dsn.data.toString();
  assert.equal(dsn.mailFrom, '');
  assert.match(text, /report-type=delivery-status/);
  assert.match(text, /Final-Recipient: rfc822; buyer@busy\.test/);
  assert.match(text, /Action: delayed/);
  assert.match(text, /Status: 4\.3\.2/);
  assert.match(text, /Diagnostic-Code: smtp; ?451 4\.3\.2 Try again later/);
  assert.match(text, /Will-Retry-Until: /);
  assert.match(text, /Subject: Slow to arrive/); // the original headers
  assert.doesNotMatch(text, /Action: failed/);

  // Retries go on (the message is still deferred) without a second notice…
  const attemptsAt = (n: PetrelNode) => n.spool.queue.recipientsOf(id)[0]?.attempts ?? 0;
  const seen = attemptsAt(first);
  await until('further retries', () => attemptsAt(first) >= seen + 3);
  await first.close();
  node = null;

  // …and the node started again on the same data directory sends none either.
  node = await start();
  const second = node;
  const afterRestart = attemptsAt(second);
  await until('retries after the restart', () => attemptsAt(second) >= afterRestart + 3);
  assert.equal(
    senderMx.messages.filter((m) => m.rcptTo.includes('shop@sender.test')).length,
    1,
    'exactly one delayed notice',
  );
  assert.equal(second.spool.queue.recipientsOf(id)[0]?.state, 'deferred');
  // The notice is an activity event of its own, once.
  const events = await second.ops.repos.events.forEmail(master.account_id, id);
  const notices = events.filter((e) => e.event === 'dsn-sent');
  assert.deepEqual(
    notices.map((e) => [e.reason, e.recipient]),
    [['delayed', 'shop@sender.test']],
  );
});
