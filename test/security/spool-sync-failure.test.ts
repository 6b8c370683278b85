// The spool's failure path, shown end to end (SPEC §2.5, §10 "nothing accepted is lost"): when the
// fdatasync of the queue's WAL fails, the SMTP client gets no 250 (a 451 it will retry), the rows that
// SQLite had already committed are undone, no body file is left, and the counted recipient is given
// back. The same node then accepts the next message once syncing works again: the check could pass.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { monthOf } from '../../src/domain/rate-window.js';
import { createLogger } from '../../src/logger.js';
import { createMasterAccount } from '../../src/operations/accounts.js';
import { startNode, type PetrelNode } from '../../src/server.js';
import { openSpool, spoolDirectory, type SyncHandle } from '../../src/spool/index.js';
import { LOOPBACK_DESTINATIONS } from '../helpers/node.js';
import { PASSWORD, acceptedId, dialogue, line, sendSteps } from '../smtp/clients.js';

let dataDir: string;
let node: PetrelNode;
let failSyncs = true;
let failedSyncs = 0;
let accountId: string;
let closed = false;

/** The real WAL handle, whose datasync fails while `failSyncs` is set (as an EIO from the disk would). */
async function openForSync(path: string): Promise<SyncHandle> {
  const handle = await open(path, 'r');
  return {
    datasync: async () => {
      if (failSyncs) {
        failedSyncs++;
        throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
      }
      return handle.datasync();
    },
    close: () => handle.close(),
  };
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'petrel-syncfail-'));
  const config = loadConfig({
    env: {
      PETREL_DATA_DIR: dataDir,
      PETREL_HTTP_LISTEN: '127.0.0.1:0',
      PETREL_SMTP_LISTEN: '127.0.0.1:0',
      PETREL_INBOUND_LISTEN: '127.0.0.1:0',
      PETREL_SMTPS_LISTEN: '127.0.0.1:0',
      PETREL_HOSTNAME: 'petrel.test',
      PETREL_LOG_LEVEL: 'silent',
      PETREL_DELIVERY_CONCURRENCY: '0',
      PETREL_ALLOWED_PRIVATE_DESTINATIONS: LOOPBACK_DESTINATIONS,
    },
  });
  node = await startNode(config, createLogger(config.logLevel), { spool: { openForSync } });
  const master = await createMasterAccount(node.ops, 'Sync master');
  const sub = await fetch(`${node.httpUrl}/v3/subaccount/add`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-smtp2go-api-key': master.api_key },
    body: JSON.stringify({ fullname: 'Sync Sub', limit: 100 }),
  });
  accountId = ((await sub.json()) as { data: { id: string } }).data.id;
  const user = await fetch(`${node.httpUrl}/v3/users/smtp/add`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-smtp2go-api-key': master.api_key },
    body: JSON.stringify({ username: 'sync-user', email_password: PASSWORD, subaccount_id: accountId }),
  });
  assert.equal(user.status, 200);
});

after(async () => {
  if (!closed) await node.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const bodyFiles = () => readdirSync(join(spoolDirectory(dataDir), 'bodies'));
const counted = () => node.ops.repos.sendingLimits.monthlyCount(accountId, monthOf(Date.now()));

test('a failing WAL fdatasync: no 250, the rows undone, no body file, the count given back', async () => {
  const big = 'y'.repeat(76).concat('\r\n').repeat(2000); // beyond the inline limit: a body file too
  for (const body of ['small message\r\n', big]) {
    const result = await dialogue(node.smtp.ports.smtp[0] as number, [
      ...sendSteps('sync-user', ['one@example.com']).slice(0, -1),
      { do: 'data', body },
    ]);
    assert.equal(line(result.steps[4]), '451 4.3.0 Local error while storing the message; try again later');
  }
  assert.ok(failedSyncs >= 2, `the sync was tried and failed (${failedSyncs})`);
  assert.equal(node.spool.queue.messageCount(), 0);
  assert.deepEqual(bodyFiles(), []);
  assert.equal(await counted(), 0);

  // Syncing works again: the same path answers 250 and keeps the message.
  failSyncs = false;
  const ok = await dialogue(node.smtp.ports.smtp[0] as number, sendSteps('sync-user', ['two@example.com']));
  const id = acceptedId(ok.steps[4]);
  assert.equal(node.spool.queue.messageCount(), 1);
  assert.equal(await counted(), 1);

  // And after a restart of the spool, exactly the accepted message is there.
  await node.close();
  closed = true;
  const reopened = await openSpool(spoolDirectory(dataDir), createLogger('silent'));
  try {
    assert.equal(reopened.queue.messageCount(), 1);
    assert.deepEqual(
      reopened.queue.recipientsOf(id).map((r) => r.address),
      ['two@example.com'],
    );
  } finally {
    await reopened.close();
  }
});
