// The queue survives a restart (SPEC §3.3): a node stopped with deferred mail is started again on the same
// data directory (and database) and delivers that mail once the destination takes it.
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
import { openSpoolAdmin, spoolDirectory } from '../../src/spool/index.js';
import { startDnsServer, type Zone } from '../helpers/dns-server.js';
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

test('deferred mail is delivered by the node started again on the same data directory', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'petrel-restart-'));
  const schema = TEST_DATABASE_URL ? `t_${randomBytes(6).toString('hex')}` : undefined;
  if (schema) await withPg(`CREATE SCHEMA ${schema}`);
  // The MX at first greets with 421 (deferred); after the restart it points at a peer that takes mail.
  const [refusing, accepting] = await startPeersOnOnePort([
    { host: '127.0.0.20', greeting: { code: 421, message: '4.3.2 Not now' } },
    { host: '127.0.0.21' },
  ]);
  assert.ok(refusing && accepting);
  const zone: Zone = {
    'later.test': { MX: [{ preference: 10, exchange: 'mx.later.test' }] },
    'mx.later.test': { A: ['127.0.0.20'] },
  };
  const dns = await startDnsServer(zone);
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
      PETREL_MX_PORT: String(accepting.port),
      PETREL_DELIVERY_CONCURRENCY: '4',
      PETREL_ALLOWED_PRIVATE_DESTINATIONS: LOOPBACK_DESTINATIONS,
      ...FAST_RETRIES,
      ...SHARED_DATABASE_ENV,
    },
  });
  const start = (): Promise<PetrelNode> => startNode(config, logger, schema ? { pgSchema: schema } : {});
  let node: PetrelNode | null = null;
  t.after(async () => {
    await node?.close();
    await Promise.all([refusing.close(), accepting.close(), dns.close()]);
    if (schema) await withPg(`DROP SCHEMA ${schema} CASCADE`);
    rmSync(dataDir, { recursive: true, force: true });
  });

  node = await start();
  const master = await createMasterAccount(node.ops, 'Restart master');
  const added = await fetch(`${node.httpUrl}/v3/users/smtp/add`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-smtp2go-api-key': master.api_key },
    body: JSON.stringify({ username: 'restart-user', email_password: PASSWORD }),
  });
  assert.equal(added.status, 200);
  const first = node;
  const id = await submit(first.smtp.ports.smtp[0] as number, {
    user: 'restart-user',
    from: 'shop@sender.test',
    to: ['buyer@later.test'],
    raw: plainMessage('shop@sender.test', 'buyer@later.test', 'After the restart'),
  });
  await until('a deferral', async () =>
    (await first.ops.repos.events.forEmail(master.account_id, id)).some((e) => e.event === 'soft-bounced'),
  );
  await first.close();
  node = null;

  // Stopped: the mail is still in the queue, deferred, nothing lost.
  const admin = await openSpoolAdmin(spoolDirectory(dataDir), logger);
  const rows = admin.queue.recipientsOf(id);
  await admin.close();
  assert.equal(rows.length, 1);
  assert.equal(rows[0]?.state, 'deferred');
  assert.equal(accepting.messages.length, 0);

  zone['mx.later.test'] = { A: ['127.0.0.21'] };
  node = await start();
  const second = node;
  const delivered = await receivedBy(accepting, 'buyer@later.test');
  assert.match(delivered.data.toString(), /Subject: After the restart/);
  assert.match(delivered.data.toString(), new RegExp(`id ${id};`)); // the Received header of the first run
  await until('the delivered event', async () =>
    (await second.ops.repos.events.forEmail(master.account_id, id)).some((e) => e.event === 'delivered'),
  );
  await until('the message to leave the spool', () => second.spool.queue.getMessage(id) === undefined);
});
