// No webhook call is lost to a crash (SPEC §7): a real `petrel serve` relays mail while its webhook
// receiver is down, so the calls wait in the outbox; the node is SIGKILLed, the receiver comes back,
// the node restarts on its data directory and delivers every call. Lost calls and duplicates are counted.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import nodemailer from 'nodemailer';
import { createInstallation, type Installation } from '../cli/cli-harness.js';
import {
  allocatePorts,
  callApi,
  startPetrel,
  type PetrelProcess,
  type Ports,
} from '../helpers/petrel-process.js';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer.js';
import { startReceiver, type Receiver } from './receiver.js';

const MESSAGES = 40;
const PASSWORD = 'Tr0ub4dor&3x-petrel';

let installation: Installation;
let sink: SmtpPeer;
let receiver: Receiver;
let node: PetrelProcess | null = null;

before(async () => {
  installation = await createInstallation();
  sink = await startSmtpPeer();
  receiver = await startReceiver();
});
after(async () => {
  await node?.kill('SIGKILL');
  await sink?.close();
  await receiver?.close();
  await installation?.cleanup();
});

test('SIGKILL with undelivered webhook calls: all of them arrive after the restart', async (t) => {
  const { api_key: key } = await installation.init();
  const [ports] = (await allocatePorts(1)) as [Ports];
  const env = {
    ...installation.env,
    PETREL_SMARTHOST: `127.0.0.1:${sink.port}`,
    PETREL_DELIVERY_CONCURRENCY: '4',
    PETREL_DELIVERY_POLL_SECONDS: '1',
    PETREL_WEBHOOK_ALLOW_PRIVATE: 'true',
    PETREL_WEBHOOK_RETRY_SCHEDULE: '1',
  };
  node = await startPetrel(env, ports);
  assert.equal(
    (await callApi(node, key, '/users/smtp/add', { username: 'hook-crash', email_password: PASSWORD }))
      .status,
    200,
  );
  const added = await callApi(node, key, '/webhook/add', {
    url: receiver.url,
    events: ['processed', 'delivered'],
    output_format: 'json',
  });
  assert.equal(added.status, 200, JSON.stringify(added.body));
  await receiver.down();

  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: ports.smtp,
    secure: false,
    ignoreTLS: true,
    auth: { user: 'hook-crash', pass: PASSWORD },
  });
  for (let i = 0; i < MESSAGES; i++)
    await transport.sendMail({
      envelope: { from: 'app@example.com', to: [`r${i}@example.net`] },
      raw: `Subject: crash ${i}\r\n\r\nbody ${i}\r\n`,
    });
  transport.close();
  const until = Date.now() + 60_000;
  while (sink.messages.length < MESSAGES && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  assert.equal(sink.messages.length, MESSAGES, 'the mail itself went out while the receiver was down');
  // The delivered events are written within ~100 ms of delivery; give the dispatcher a failed try or two.
  await new Promise((r) => setTimeout(r, 2500));
  const log = await callApi(node, key, '/webhook/calls', { id: added.body.data.id });
  const calls = log.body.data as { state: string; attempts: number }[];
  assert.ok(calls.length > 0 && calls.every((c) => c.state === 'pending'), 'calls wait in the outbox');
  assert.ok(
    calls.some((c) => c.attempts >= 1),
    'and were tried against the dead receiver',
  );

  const killed = await node.kill('SIGKILL');
  assert.equal(killed.signal, 'SIGKILL');
  await receiver.up();
  node = await startPetrel(env, ports);

  const expected = MESSAGES * 2;
  const seen = new Map<string, number>();
  const ids = new Map<string, number>();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    seen.clear();
    ids.clear();
    for (const c of receiver.calls) {
      const p = JSON.parse(c.body) as { event: string; rcpt: string };
      seen.set(`${p.event} ${p.rcpt}`, (seen.get(`${p.event} ${p.rcpt}`) ?? 0) + 1);
      const id = String(c.headers['webhook-id']);
      ids.set(id, (ids.get(id) ?? 0) + 1);
    }
    if (seen.size >= expected) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const lost: string[] = [];
  for (let i = 0; i < MESSAGES; i++)
    for (const event of ['processed', 'delivered'])
      if (!seen.has(`${event} r${i}@example.net`)) lost.push(`${event} r${i}`);
  const duplicates = [...ids.values()].filter((n) => n > 1).length;
  t.diagnostic(
    `webhook crash (${installation.env.PETREL_DATABASE_URL ? 'postgresql' : 'sqlite'}): ${expected} calls owed, ` +
      `${seen.size} arrived, lost ${lost.length}, duplicated webhook-ids ${duplicates}`,
  );
  assert.deepEqual(lost, [], 'webhook calls lost to the crash');
});
