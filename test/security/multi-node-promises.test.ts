// Promises that must hold across nodes (SPEC §4.3, §10), with two real `petrel serve` processes sharing
// one PostgreSQL schema (and one PETREL_SECRETS_KEY), each with its own spool and delivery worker: a hard
// bounce recorded through node A stops delivery to that address from node B; a subaccount closed
// through A refuses B's senders; a monthly limit counts recipients accepted by both nodes together.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createInstallation, type Installation } from '../cli/cli-harness.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { TEST_DATABASE_URL } from '../helpers/node.js';
import {
  allocatePorts,
  callApi,
  startPetrel,
  type PetrelProcess,
  type Ports,
} from '../helpers/petrel-process.js';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer.js';
import { PASSWORD, acceptedId, dialogue, line, sendSteps } from '../smtp/clients.js';

const skip = TEST_DATABASE_URL === null ? 'needs PostgreSQL: set PETREL_TEST_DATABASE_URL' : false;
const DEADLINE_MS = 30_000;

describe('security promises across two nodes', { skip }, () => {
  let installation: Installation;
  let secondDir: string;
  let key: string;
  let a: PetrelProcess;
  let b: PetrelProcess;
  let peer: SmtpPeer;
  let dns: TestDnsServer;

  before(async () => {
    peer = await startSmtpPeer({
      host: '127.0.0.1',
      rejectRecipients: { 'gone@world.test': { code: 550, message: '5.1.1 No such user here' } },
    });
    dns = await startDnsServer({
      'world.test': { MX: [{ preference: 10, exchange: 'mx.world.test' }] },
      'mx.world.test': { A: ['127.0.0.1'] },
    });
    installation = await createInstallation();
    key = (await installation.init()).api_key;
    secondDir = mkdtempSync(join(tmpdir(), 'petrel-node-b-'));
    const common = {
      PETREL_DELIVERY_CONCURRENCY: '4',
      PETREL_DELIVERY_POLL_SECONDS: '0.5',
      PETREL_DNS_SERVERS: dns.server,
      PETREL_MX_PORT: String(peer.port),
    };
    const [portsA, portsB] = (await allocatePorts(2)) as [Ports, Ports];
    [a, b] = await Promise.all([
      startPetrel({ ...installation.env, ...common }, portsA),
      startPetrel(
        { ...installation.env, ...common, PETREL_DATA_DIR: secondDir, PETREL_HOSTNAME: 'b.petrel.test' },
        portsB,
      ),
    ]);
  });
  after(async () => {
    await Promise.all([a?.kill('SIGTERM'), b?.kill('SIGTERM')]);
    rmSync(secondDir, { recursive: true, force: true });
    await installation?.cleanup();
    await Promise.all([peer?.close(), dns?.close()]);
  });

  const api = async (node: PetrelProcess, path: string, body: Record<string, unknown>) => {
    const answer = await callApi(node, key, path, body);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    // Tests read arbitrary fields of the answer.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-return
    return answer.body.data;
  };

  /** Waits for the event through `viewer`'s API (events are written behind the mail flow). */
  const eventOf = async (viewer: PetrelProcess, emailId: string, event: string) => {
    const deadline = Date.now() + DEADLINE_MS;
    for (;;) {
      const data = (await api(viewer, '/activity/search', { email_id: emailId, event_types: [event] })) as {
        events: { recipient: string; reason?: string; smtp_response?: string }[];
      };
      if (data.events.length > 0) return data.events;
      if (Date.now() > deadline) assert.fail(`no ${event} event for ${emailId}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  test('a hard bounce recorded through A stops delivery to that address from B', async () => {
    await api(a, '/users/smtp/add', { username: 'bouncer', email_password: PASSWORD });
    const first = acceptedId(
      (await dialogue(a.ports.smtp, sendSteps('bouncer', ['gone@world.test']))).steps[4],
    );
    await eventOf(a, first, 'hard-bounced');
    const tried = peer.rcptCommands.filter((c) => c.includes('gone@world.test')).length;
    assert.equal(tried, 1);

    const second = acceptedId(
      (await dialogue(b.ports.smtp, sendSteps('bouncer', ['gone@world.test']))).steps[4],
    );
    const rejected = await eventOf(b, second, 'rejected');
    assert.equal(rejected[0]?.recipient, 'gone@world.test');
    // B never even asked the server again.
    assert.equal(peer.rcptCommands.filter((c) => c.includes('gone@world.test')).length, tried);
    // B still delivers to others: the check above could have failed.
    const third = acceptedId(
      (await dialogue(b.ports.smtp, sendSteps('bouncer', ['here@world.test']))).steps[4],
    );
    await eventOf(a, third, 'delivered');
  });

  test("a subaccount closed through A refuses its users' MAIL FROM on B", async () => {
    const sub = (await api(a, '/subaccount/add', { fullname: 'Closing Sub' })) as { id: string };
    await api(a, '/users/smtp/add', {
      username: 'closing-user',
      email_password: PASSWORD,
      subaccount_id: sub.id,
    });
    acceptedId((await dialogue(b.ports.smtp, sendSteps('closing-user', ['one@world.test']))).steps[4]);
    await api(a, '/subaccount/close', { id: sub.id });
    const refused = await dialogue(b.ports.smtp, sendSteps('closing-user', ['two@world.test']));
    assert.equal(
      line(refused.steps[2]),
      "550 5.7.1 Sending is not allowed for SMTP user 'closing-user': its subaccount is closed",
    );
  });

  test('a monthly limit counts the recipients of both nodes together', async () => {
    const sub = (await api(a, '/subaccount/add', { fullname: 'Limited Sub', limit: 3 })) as { id: string };
    await api(a, '/users/smtp/add', {
      username: 'limited-a',
      email_password: PASSWORD,
      subaccount_id: sub.id,
    });
    acceptedId(
      (await dialogue(a.ports.smtp, sendSteps('limited-a', ['m1@world.test', 'm2@world.test']))).steps[5],
    );
    const onB = await dialogue(b.ports.smtp, sendSteps('limited-a', ['m3@world.test', 'm4@world.test']));
    assert.equal(line(onB.steps[3]), '250 2.1.5 Accepted');
    assert.equal(
      line(onB.steps[4]),
      "452 4.5.3 Monthly limit of 3 emails reached for the account of SMTP user 'limited-a'; try again next month",
    );
    acceptedId(onB.steps[5]);
    const onA = await dialogue(a.ports.smtp, sendSteps('limited-a', ['m5@world.test']));
    assert.match(line(onA.steps[3]), /^452 4\.5\.3 Monthly limit of 3 emails reached/);
  });
});
