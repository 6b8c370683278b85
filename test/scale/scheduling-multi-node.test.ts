// Scheduled mail across nodes (SPEC §8, docs/api-parity.md "Scheduling"): two `petrel serve` processes
// share one PostgreSQL schema; mail scheduled through node A is listed by node B's
// /email/scheduled/search, and a removal made through B is honoured by A, which holds the message.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/logger.js';
import { openSpoolAdmin, spoolDirectory } from '../../src/spool/index.js';
import { createInstallation, type Installation } from '../cli/cli-harness.js';
import { LOOPBACK_DESTINATIONS, TEST_DATABASE_URL } from '../helpers/node.js';
import {
  allocatePorts,
  callApi,
  startPetrel,
  type PetrelProcess,
  type Ports,
} from '../helpers/petrel-process.js';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer.js';
import { until } from '../e2e/delivery-world.js';

const skip = TEST_DATABASE_URL === null ? 'needs PostgreSQL: set PETREL_TEST_DATABASE_URL' : false;

let installation: Installation;
let secondDir: string;
let key: string;
let peer: SmtpPeer;
let a: PetrelProcess;
let b: PetrelProcess;

before(async () => {
  if (skip) return;
  installation = await createInstallation();
  key = (await installation.init()).api_key;
  secondDir = mkdtempSync(join(tmpdir(), 'petrel-node-b-'));
  peer = await startSmtpPeer();
  const [portsA, portsB] = (await allocatePorts(2)) as [Ports, Ports];
  [a, b] = await Promise.all([
    startPetrel(
      {
        ...installation.env,
        PETREL_SMARTHOST: `${peer.host}:${peer.port}`,
        PETREL_ALLOWED_PRIVATE_DESTINATIONS: LOOPBACK_DESTINATIONS,
        PETREL_DELIVERY_CONCURRENCY: '2',
        PETREL_DELIVERY_POLL_SECONDS: '0.1',
      },
      portsA,
    ),
    startPetrel(
      {
        ...installation.env,
        PETREL_DELIVERY_CONCURRENCY: '0',
        PETREL_DATA_DIR: secondDir,
        PETREL_HOSTNAME: 'b.petrel.test',
      },
      portsB,
    ),
  ]);
});
after(async () => {
  if (skip) return;
  await Promise.all([a?.kill('SIGTERM'), b?.kill('SIGTERM')]);
  await peer?.close();
  rmSync(secondDir, { recursive: true, force: true });
  await installation.cleanup();
});

async function scheduleOnA(to: string): Promise<{ email_id: string; schedule_id: string }> {
  const answer = await callApi(a, key, '/email/send', {
    sender: 'app@example.com',
    to: [to],
    subject: `For ${to}`,
    text_body: 'Later',
    schedule: new Date(Date.now() + 3000).toISOString(),
  });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.data as { email_id: string; schedule_id: string };
}

test(
  'node B lists what node A holds, and a removal made on B is honoured by A',
  { skip, timeout: 60_000 },
  async () => {
    const removed = await scheduleOnA('removed@example.net');
    const kept = await scheduleOnA('kept@example.net');
    const listed = await callApi(b, key, '/email/scheduled/search', {});
    assert.equal(listed.status, 200);
    const ids = (listed.body.data as { schedule_id: string }[]).map((s) => s.schedule_id).sort();
    assert.deepEqual(ids, [removed.schedule_id, kept.schedule_id].sort());

    const removal = await callApi(b, key, '/email/scheduled/remove', { schedule_id: removed.schedule_id });
    assert.equal(removal.status, 200, JSON.stringify(removal.body));

    await until('the kept message at the sink', () =>
      peer.messages.find((m) => m.rcptTo.includes('kept@example.net')),
    );
    const admin = await openSpoolAdmin(spoolDirectory(installation.dataDir), createLogger('silent'));
    try {
      await until(
        'A to drop the removed message',
        () => admin.queue.getMessage(removed.email_id) === undefined,
      );
    } finally {
      await admin.close();
    }
    assert.equal(
      peer.messages.find((m) => m.rcptTo.includes('removed@example.net')),
      undefined,
    );
    // Sent from A: removing it through B is refused as already sent.
    const late = await callApi(b, key, '/email/scheduled/remove', { schedule_id: kept.schedule_id });
    assert.equal(late.status, 400);
    assert.match(late.body.data.error, /already been sent/);
  },
);
