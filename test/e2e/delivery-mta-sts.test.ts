// MTA-STS through a whole node (SPEC §9): mail submitted over SMTP to a domain whose enforced policy its
// MX cannot meet is deferred with the policy's reason in the `soft-bounced` event and counted in
// /metrics; a domain whose MX has a valid certificate gets its mail over TLS. All on loopback: real DNS,
// a real HTTPS policy server under a CA made here (PETREL_MTA_STS_CA_FILE), real SMTP sinks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPolicyServer } from '../helpers/policy-server.js';
import { createTestCa } from '../helpers/test-ca.js';
import {
  addSmtpUser,
  eventFor,
  plainMessage,
  receivedBy,
  startDeliveryWorld,
  submit,
} from './delivery-world.js';

const POLICY_HOST = '127.0.0.71';

const enforce = (mx: string): string => `version: STSv1\r\nmode: enforce\r\nmx: ${mx}\r\nmax_age: 86400\r\n`;

test('enforce: a bad certificate defers with the reason; a valid one delivers over TLS', async () => {
  const ca = await createTestCa();
  const dir = await mkdtemp(join(tmpdir(), 'petrel-mta-sts-e2e-'));
  const caFile = join(dir, 'ca.pem');
  await ca.writeTo(caFile);
  const policyServer = await startPolicyServer({
    host: POLICY_HOST,
    tls: await ca.issue(['mta-sts.bad.test', 'mta-sts.good.test']),
    policies: { 'mta-sts.bad.test': enforce('mx.bad.test'), 'mta-sts.good.test': enforce('*.good.test') },
  });
  const world = await startDeliveryWorld({
    zone: {
      'bad.test': { MX: [{ preference: 10, exchange: 'mx.bad.test' }] },
      'mx.bad.test': { A: ['127.0.0.72'] },
      '_mta-sts.bad.test': { TXT: ['v=STSv1; id=1;'] },
      'mta-sts.bad.test': { A: [POLICY_HOST] },
      'good.test': { MX: [{ preference: 10, exchange: 'mx.good.test' }] },
      'mx.good.test': { A: ['127.0.0.73'] },
      '_mta-sts.good.test': { TXT: ['v=STSv1; id=1;'] },
      'mta-sts.good.test': { A: [POLICY_HOST] },
    },
    peers: [
      { host: '127.0.0.72', starttls: true, tlsCredentials: await ca.issue(['someone-else.test']) },
      { host: '127.0.0.73', starttls: true, tlsCredentials: await ca.issue(['mx.good.test']) },
    ],
    env: {
      PETREL_MTA_STS_CA_FILE: caFile,
      PETREL_MTA_STS_POLICY_PORT: String(policyServer.port),
      // Deferred mail waits long enough that the test sees one attempt's outcome, not a retry storm.
      PETREL_RETRY_FIRST_DELAY_SECONDS: '30',
      PETREL_RETRY_MAX_DELAY_SECONDS: '60',
    },
  });
  try {
    const { node } = world;
    await addSmtpUser(node, 'sts-sender');
    const badId = await submit(world.smtpPort, {
      user: 'sts-sender',
      from: 'sender@shop.test',
      to: ['buyer@bad.test'],
      raw: plainMessage('sender@shop.test', 'buyer@bad.test', 'Bad cert'),
    });
    const soft = await eventFor(node, badId, 'soft-bounced', 'buyer@bad.test');
    assert.match(
      soft.smtp_response ?? '',
      /^4\.7\.5 MTA-STS policy of bad\.test \(enforce\) requires STARTTLS/,
    );
    const badPeer = world.peer('127.0.0.72');
    assert.deepEqual(badPeer.messages, []);
    assert.deepEqual(badPeer.rcptCommands, [], 'no envelope was sent, in clear or otherwise');

    const goodId = await submit(world.smtpPort, {
      user: 'sts-sender',
      from: 'sender@shop.test',
      to: ['buyer@good.test'],
      raw: plainMessage('sender@shop.test', 'buyer@good.test', 'Good cert'),
    });
    const received = await receivedBy(world.peer('127.0.0.73'), 'buyer@good.test');
    assert.equal(received.tls, true);
    await eventFor(node, goodId, 'delivered', 'buyer@good.test');

    const metrics = await (await fetch(`${node.httpUrl}/metrics`)).text();
    assert.match(metrics, /^petrel_mta_sts_policy_fetches_total\{result="ok"\} 2$/m);
    assert.match(metrics, /^petrel_mta_sts_deferrals_total\{reason="tls"\} 1$/m);
    assert.deepEqual(policyServer.requests.sort(), [
      'mta-sts.bad.test /.well-known/mta-sts.txt',
      'mta-sts.good.test /.well-known/mta-sts.txt',
    ]);
  } finally {
    await world.stop();
    await policyServer.close();
    await rm(dir, { recursive: true, force: true });
  }
});
