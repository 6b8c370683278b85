// Custom rate limits (SPEC §2.4): counted per accepted recipient in a rolling window, 451 4.7.1 with the
// limit in the text, recipients already accepted stay accepted, and the limit holds across nodes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logger.js';
import { startNode, type PetrelNode } from '../../src/server.js';
import { TEST_DATABASE_URL, TEST_SECRETS_KEY, startTestNode, type TestNode } from '../helpers/node.js';
import { PASSWORD, SmtpSession, acceptedId, addUser, dialogue, line, type Reply } from './clients.js';

describe('custom rate limits', () => {
  let node: TestNode;
  let port: number;

  before(async () => {
    node = await startTestNode();
    port = node.smtp.ports.smtp[0] as number;
  });
  after(() => node.stop());

  test('over the limit RCPT TO answers 451 4.7.1; recipients accepted before stay accepted', async () => {
    await addUser(node, 'limited-user', {
      custom_ratelimit: true,
      custom_ratelimit_value: 2,
      custom_ratelimit_period: '1 hour',
    });
    const result = await dialogue(port, [
      { do: 'ehlo' },
      { do: 'auth', user: 'limited-user', password: PASSWORD },
      { do: 'cmd', line: 'MAIL FROM:<sender@example.com>' },
      { do: 'cmd', line: 'RCPT TO:<one@example.com>' },
      { do: 'cmd', line: 'RCPT TO:<two@example.com>' },
      { do: 'cmd', line: 'RCPT TO:<three@example.com>' },
      { do: 'data' },
      // The limit is per user, not per transaction: a new transaction is refused too.
      { do: 'cmd', line: 'MAIL FROM:<sender@example.com>' },
      { do: 'cmd', line: 'RCPT TO:<four@example.com>' },
    ]);
    assert.equal(line(result.steps[3]), '250 2.1.5 Accepted');
    assert.equal(line(result.steps[4]), '250 2.1.5 Accepted');
    const refusal =
      "451 4.7.1 Rate limit exceeded for SMTP user 'limited-user' (2 per 1:00:00); try again later";
    assert.equal(line(result.steps[5]), refusal);
    const id = acceptedId(result.steps[6]);
    assert.deepEqual(
      node.spool.queue.recipientsOf(id).map((r) => r.address),
      ['one@example.com', 'two@example.com'],
    );
    assert.equal(line(result.steps[8]), refusal);
  });

  test('the window rolls: no interval of length P ever holds more than N accepted recipients', async () => {
    const N = 3;
    const P = 4;
    await addUser(node, 'rolling-user', {
      custom_ratelimit: true,
      custom_ratelimit_value: N,
      custom_ratelimit_period: '0:00:04',
    });
    // One recipient per transaction, tried again and again, so recipients are accepted at the end of one
    // window and at the start of the next. Bounded: stops after 3N acceptances or 600 attempts.
    const accepted: Reply[] = [];
    let refused = 0;
    const session = new SmtpSession(port);
    try {
      await session.step({ do: 'ehlo' });
      await session.step({ do: 'auth', user: 'rolling-user', password: PASSWORD });
      for (let attempt = 0; attempt < 600 && accepted.length < 3 * N; attempt++) {
        await session.step({ do: 'cmd', line: 'MAIL FROM:<sender@example.com>' });
        const rcpt = await session.step({ do: 'cmd', line: `RCPT TO:<r${attempt}@example.com>` });
        if (rcpt.code === 250) {
          acceptedId(await session.step({ do: 'data' }));
          accepted.push(rcpt);
        } else {
          assert.equal(
            line(rcpt),
            "451 4.7.1 Rate limit exceeded for SMTP user 'rolling-user' (3 per 0:00:04); try again later",
          );
          refused++;
          await session.step({ do: 'cmd', line: 'RSET' });
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    } finally {
      await session.close();
    }
    assert.equal(accepted.length, 3 * N, 'the limit let recipients through again window after window');
    assert.ok(refused > 0, 'the limit refused recipients in between');
    // The server counted each recipient somewhere between sending RCPT and receiving its reply. Any
    // N+1 consecutive acceptances must therefore span more than P even measured the short way round:
    // from the reply to the first to the sending of the last.
    for (let i = 0; i + N < accepted.length; i++) {
      const first = accepted[i] as Reply;
      const last = accepted[i + N] as Reply;
      const span = (last.sent as number) - first.at;
      assert.ok(span >= P, `recipients ${i}..${i + N} were accepted within ${span.toFixed(3)} s < ${P} s`);
    }
  });

  test('concurrent sessions cannot exceed the limit together', async () => {
    await addUser(node, 'parallel-user', {
      custom_ratelimit: true,
      custom_ratelimit_value: 5,
      custom_ratelimit_period: '1 hour',
    });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, s) =>
        dialogue(port, [
          { do: 'ehlo' },
          { do: 'auth', user: 'parallel-user', password: PASSWORD },
          { do: 'cmd', line: 'MAIL FROM:<sender@example.com>' },
          { do: 'cmd', line: `RCPT TO:<a${s}@example.com>` },
          { do: 'cmd', line: `RCPT TO:<b${s}@example.com>` },
          // DATA makes the accepted recipients final; a session that only dropped them would give them back.
          { do: 'data' },
        ]),
      ),
    );
    const rcptReplies = results.flatMap((r) => r.steps.slice(3, 5));
    assert.equal(rcptReplies.filter((r) => r.code === 250).length, 5);
    assert.equal(rcptReplies.filter((r) => r.code === 451).length, 11);
  });
});

describe('custom rate limits across nodes sharing PostgreSQL', { skip: TEST_DATABASE_URL === null }, () => {
  let node: TestNode;
  let second: PetrelNode;
  let secondDir: string;

  before(async () => {
    node = await startTestNode();
    const schema = await sql<{ s: string }>`select current_schema() as s`.execute(node.store.db);
    secondDir = mkdtempSync(join(tmpdir(), 'petrel-test-'));
    const config = loadConfig({
      env: {
        PETREL_DATA_DIR: secondDir,
        PETREL_DATABASE_URL: TEST_DATABASE_URL ?? '',
        // The same key as the first node: both open the secrets sealed in the shared database.
        PETREL_SECRETS_KEY: TEST_SECRETS_KEY,
        PETREL_HTTP_LISTEN: '127.0.0.1:0',
        PETREL_SMTP_LISTEN: '127.0.0.1:0',
        PETREL_SMTPS_LISTEN: '127.0.0.1:0',
        PETREL_INBOUND_LISTEN: '127.0.0.1:0',
        PETREL_HOSTNAME: 'second.petrel.test',
        PETREL_LOG_LEVEL: 'silent',
      },
    });
    second = await startNode(config, createLogger('silent'), { pgSchema: schema.rows[0]?.s as string });
  });
  after(async () => {
    await second.close();
    rmSync(secondDir, { recursive: true, force: true });
    await node.stop();
  });

  test('two nodes together accept no more than N recipients', async () => {
    await addUser(node, 'shared-user', {
      custom_ratelimit: true,
      custom_ratelimit_value: 4,
      custom_ratelimit_period: '1 hour',
    });
    const ports = [node.smtp.ports.smtp[0] as number, second.smtp.ports.smtp[0] as number];
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, s) =>
        dialogue(ports[s % 2] as number, [
          { do: 'ehlo' },
          { do: 'auth', user: 'shared-user', password: PASSWORD },
          { do: 'cmd', line: 'MAIL FROM:<sender@example.com>' },
          { do: 'cmd', line: `RCPT TO:<a${s}@example.com>` },
          { do: 'cmd', line: `RCPT TO:<b${s}@example.com>` },
          // DATA makes the accepted recipients final; a session that only dropped them would give them back.
          { do: 'data' },
        ]),
      ),
    );
    const rcptReplies = results.flatMap((r) => r.steps.slice(3, 5));
    assert.equal(rcptReplies.filter((r) => r.code === 250).length, 4);
  });
});
