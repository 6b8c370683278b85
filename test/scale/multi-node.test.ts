// Scale-out (SPEC §4.3): two real `petrel serve` processes, each with its own data directory and ports,
// share one PostgreSQL schema. What is changed through node A's API holds on node B at once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInstallation, type Installation } from '../cli/cli-harness.js';
import { TEST_DATABASE_URL } from '../helpers/node.js';
import {
  allocatePorts,
  callApi,
  startPetrel,
  type PetrelProcess,
  type Ports,
} from '../helpers/petrel-process.js';
import { PASSWORD, SmtpSession, acceptedId, dialogue, line, sendSteps } from '../smtp/clients.js';

const NEW_PASSWORD = 'C0rrect-h0rse-b4ttery-st4ple';
/** Events are written behind the mail flow; a search waits for them at most this long. */
const EVENT_DEADLINE_MS = 20_000;

const skip = TEST_DATABASE_URL === null ? 'needs PostgreSQL: set PETREL_TEST_DATABASE_URL' : false;

describe('two nodes sharing one PostgreSQL database', { skip }, () => {
  let installation: Installation;
  let secondDir: string;
  let key: string;
  let a: PetrelProcess;
  let b: PetrelProcess;

  before(async () => {
    installation = await createInstallation();
    key = (await installation.init()).api_key;
    secondDir = mkdtempSync(join(tmpdir(), 'petrel-node-b-'));
    // Delivery is off: these tests look at intake and the shared control plane, not at the world's MX.
    const common = { PETREL_DELIVERY_CONCURRENCY: '0' };
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
    await installation.cleanup();
  });

  const apiOnA = async (path: string, body: Record<string, unknown>): Promise<void> => {
    const answer = await callApi(a, key, path, body);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  };

  test('a user added through A logs in on B at once', async () => {
    await apiOnA('/users/smtp/add', { username: 'fresh-user', email_password: PASSWORD });
    const result = await dialogue(b.ports.smtp, [
      { do: 'ehlo' },
      { do: 'auth', user: 'fresh-user', password: PASSWORD },
    ]);
    assert.equal(result.steps[1]?.code, 235);
  });

  test("a password changed through A takes effect at B's very next login", async () => {
    await apiOnA('/users/smtp/add', { username: 'rotating-user', email_password: PASSWORD });
    // B verifies (and caches) the old password first, so the change must get past B's cache.
    const login = (password: string) =>
      dialogue(b.ports.smtp, [{ do: 'ehlo' }, { do: 'auth', user: 'rotating-user', password }]);
    assert.equal((await login(PASSWORD)).steps[1]?.code, 235);
    await apiOnA('/users/smtp/edit', { username: 'rotating-user', email_password: NEW_PASSWORD });
    assert.equal(line((await login(PASSWORD)).steps[1]), '535 5.7.8 Authentication credentials invalid');
    assert.equal((await login(NEW_PASSWORD)).steps[1]?.code, 235);
  });

  test("a block through A refuses B's next MAIL FROM, inside a session already logged in", async () => {
    await apiOnA('/users/smtp/add', { username: 'soon-blocked', email_password: PASSWORD });
    const session = new SmtpSession(b.ports.smtp);
    try {
      await session.step({ do: 'ehlo' });
      assert.equal((await session.step({ do: 'auth', user: 'soon-blocked', password: PASSWORD })).code, 235);
      await session.step({ do: 'cmd', line: 'MAIL FROM:<sender@example.com>' });
      await session.step({ do: 'cmd', line: 'RCPT TO:<first@example.com>' });
      acceptedId(await session.step({ do: 'data' }));
      await apiOnA('/users/smtp/edit', { username: 'soon-blocked', status: 'blocked' });
      assert.equal(
        line(await session.step({ do: 'cmd', line: 'MAIL FROM:<sender@example.com>' })),
        "550 5.7.1 Sending is blocked for SMTP user 'soon-blocked'",
      );
    } finally {
      await session.close();
    }
  });

  test("a user's rate limit holds across both nodes together", async () => {
    await apiOnA('/users/smtp/add', {
      username: 'shared-limit',
      email_password: PASSWORD,
      custom_ratelimit: true,
      custom_ratelimit_value: 3,
      custom_ratelimit_period: '1 hour',
    });
    // Six sessions at once, alternating between the nodes, two recipients each: 12 asked, 3 allowed.
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, s) =>
        dialogue((s % 2 === 0 ? a : b).ports.smtp, [
          { do: 'ehlo' },
          { do: 'auth', user: 'shared-limit', password: PASSWORD },
          { do: 'cmd', line: 'MAIL FROM:<sender@example.com>' },
          { do: 'cmd', line: `RCPT TO:<x${s}@example.com>` },
          { do: 'cmd', line: `RCPT TO:<y${s}@example.com>` },
          // DATA makes the accepted recipients final; a dropped transaction would give them back.
          { do: 'data' },
        ]),
      ),
    );
    const rcpts = results.flatMap((r) => r.steps.slice(3, 5));
    assert.equal(rcpts.filter((r) => r.code === 250).length, 3, JSON.stringify(rcpts.map(line)));
    for (const refused of rcpts.filter((r) => r.code !== 250)) {
      assert.equal(
        line(refused),
        "451 4.7.1 Rate limit exceeded for SMTP user 'shared-limit' (3 per 1:00:00); try again later",
      );
    }
  });

  test('activity from either node is visible from the other', async () => {
    await apiOnA('/users/smtp/add', { username: 'both-sides', email_password: PASSWORD });
    const sendThrough = async (node: PetrelProcess, recipient: string) =>
      acceptedId((await dialogue(node.ports.smtp, sendSteps('both-sides', [recipient]))).steps[4]);
    const onA = await sendThrough(a, 'via-a@example.com');
    const onB = await sendThrough(b, 'via-b@example.com');

    const processed = async (viewer: PetrelProcess, emailId: string) => {
      const deadline = Date.now() + EVENT_DEADLINE_MS;
      for (;;) {
        const answer = await callApi(viewer, key, '/activity/search', {
          email_id: emailId,
          event_types: ['processed'],
        });
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        const events = answer.body.data.events as { recipient: string; username: string }[];
        if (events.length > 0 || Date.now() > deadline) return events;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const seenOnA = await processed(a, onB);
    assert.deepEqual(
      seenOnA.map((e) => [e.recipient, e.username]),
      [['via-b@example.com', 'both-sides']],
    );
    const seenOnB = await processed(b, onA);
    assert.deepEqual(
      seenOnB.map((e) => [e.recipient, e.username]),
      [['via-a@example.com', 'both-sides']],
    );
  });
});
