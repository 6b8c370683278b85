// `petrel queue list|retry|purge`: the operator's view of a node's local queue, run as the real command
// against a spool on disk — on its own, and beside a running node whose worker then delivers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createLogger } from '../../src/logger.js';
import { openSpool, openSpoolAdmin, spoolDirectory, type SpoolEnvelope } from '../../src/spool/index.js';
import {
  addSmtpUser,
  eventFor,
  plainMessage,
  receivedBy,
  startDeliveryWorld,
  submit,
} from '../e2e/delivery-world.js';
import { oneLineError, runCli } from './cli-harness.js';

const logger = createLogger('silent');
const HOUR = 3_600_000;

function envelope(recipients: string[]): SpoolEnvelope {
  return {
    mailFrom: 'shop@sender.test',
    recipients,
    auditRecipients: [],
    sandbox: false,
    senderKind: 'smtp',
    username: 'queue-user',
    accountId: 'acct',
    clientAddress: '127.0.0.1',
    clientHelo: 'client.test',
    tls: false,
  };
}

interface Row {
  id: number;
  message_id: string;
  recipient: string;
  state: string;
  attempts: number;
  next_attempt_at: string | null;
  last_reply: string | null;
}

test('list, retry and purge a queue on disk', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'petrel-queue-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = { PETREL_DATA_DIR: dataDir };

  const spool = await openSpool(spoolDirectory(dataDir), logger, { hostname: 'petrel.test' });
  const body = () => Readable.from([Buffer.from('Subject: queued\r\n\r\nhi\r\n')]);
  const a = await spool.accept(envelope(['one@far.test', 'two@far.test']), body(), { maxBytes: 1 << 20 });
  const b = await spool.accept(envelope(['three@far.test']), body(), { maxBytes: 1 << 20 });
  const [one] = spool.queue.recipientsOf(a.id);
  assert.ok(one);
  const later = Date.now() + HOUR;
  await spool.queue.recordAttempts([
    { recipientId: one.id, result: 'deferred', reply: '451 4.7.1 Greylisted', nextAttemptAt: later },
  ]);
  await spool.close();

  const listed = await runCli(['queue', 'list', '--json'], env);
  assert.equal(listed.code, 0, listed.stderr);
  const rows = JSON.parse(listed.stdout) as Row[];
  assert.deepEqual(
    rows.map((r) => [r.message_id, r.recipient, r.state, r.attempts, r.last_reply]),
    [
      [a.id, 'one@far.test', 'deferred', 1, '451 4.7.1 Greylisted'],
      [a.id, 'two@far.test', 'queued', 0, null],
      [b.id, 'three@far.test', 'queued', 0, null],
    ],
  );
  assert.equal(rows[0]?.next_attempt_at, new Date(later).toISOString());

  const deferredOnly = await runCli(['queue', 'list', '--state', 'deferred'], env);
  assert.equal(deferredOnly.code, 0, deferredOnly.stderr);
  assert.match(
    deferredOnly.stdout,
    /^ID +MESSAGE +STATE +TRIES +NEXT ATTEMPT +RECIPIENT +SENDER +LAST REPLY$/m,
  );
  assert.match(
    deferredOnly.stdout,
    new RegExp(`${a.id} +deferred +1 .*one@far\\.test +shop@sender\\.test +451 4\\.7\\.1 Greylisted`),
  );
  assert.doesNotMatch(deferredOnly.stdout, /two@far\.test/);
  assert.match(deferredOnly.stdout, /queued: 2, deferred: 1, held: 0, delivered: 0, bounced: 0/);

  const paged = await runCli(['queue', 'list', '--json', '--limit', '2'], env);
  assert.equal((JSON.parse(paged.stdout) as Row[]).length, 2);
  assert.match(paged.stderr, /more rows follow: --after \d+/);

  const retried = await runCli(['queue', 'retry', '--message', a.id, '--json'], env);
  assert.equal(retried.code, 0, retried.stderr);
  assert.deepEqual(JSON.parse(retried.stdout), { recipients: 2 });
  const admin = await openSpoolAdmin(spoolDirectory(dataDir), logger);
  assert.ok((admin.queue.recipientsOf(a.id)[0]?.nextAttemptAt ?? Infinity) <= Date.now());
  await admin.close();

  const refused = await runCli(['queue', 'purge'], env);
  assert.equal(refused.code, 2);
  assert.match(oneLineError(refused.stderr), /--message <id> or --all/);

  const purged = await runCli(['queue', 'purge', '--message', a.id, '--json'], env);
  assert.deepEqual(JSON.parse(purged.stdout), { messages: 1 });
  const left = JSON.parse((await runCli(['queue', 'list', '--json', '--state', 'all'], env)).stdout) as Row[];
  assert.deepEqual(
    left.map((r) => r.message_id),
    [b.id],
  );
  const all = await runCli(['queue', 'purge', '--all'], env);
  assert.equal(all.stdout, 'Removed 1 message.\n');
});

test('a data directory without a spool is one line, exit 1', async () => {
  const result = await runCli(['queue', 'list'], { PETREL_DATA_DIR: '/nonexistent/petrel-data' });
  assert.equal(result.code, 1);
  assert.match(oneLineError(result.stderr), /There is no spool in '\/nonexistent\/petrel-data'/);
});

test('--help of each queue command lists its options', async () => {
  for (const [command, mentions] of [
    ['list', ['--state <list>', '--message <id>', '--limit <n>', '--after <id>', '--json', 'Example']],
    ['retry', ['--message <id>', '--json', 'Example']],
    ['purge', ['--message <id...>', '--all', '--json', 'Example']],
  ] as const) {
    const result = await runCli(['queue', command, '--help'], {});
    assert.equal(result.code, 0, result.stderr);
    for (const text of mentions) assert.ok(result.stdout.includes(text), `queue ${command} --help: ${text}`);
  }
});

test('queue retry beside a running node: its worker delivers the deferred mail at once', async (t) => {
  const world = await startDeliveryWorld({
    zone: {
      'later.test': { MX: [{ preference: 10, exchange: 'mx.later.test' }] },
      'mx.later.test': { A: ['127.0.0.10'] },
    },
    peers: [{ host: '127.0.0.10', rcptFailures: { code: 451, message: '4.7.1 Try later', times: 1 } }],
    // The next try is an hour away unless the operator says otherwise.
    env: { PETREL_RETRY_FIRST_DELAY_SECONDS: '3600', PETREL_RETRY_MAX_DELAY_SECONDS: '3600' },
  });
  t.after(() => world.stop());
  await addSmtpUser(world.node, 'queue-user');
  const id = await submit(world.smtpPort, {
    user: 'queue-user',
    from: 'shop@sender.test',
    to: ['buyer@later.test'],
    raw: plainMessage('shop@sender.test', 'buyer@later.test', 'Retry now'),
  });
  await eventFor(world.node, id, 'soft-bounced', 'buyer@later.test');

  const env = { PETREL_DATA_DIR: world.node.config.dataDir };
  const listed = JSON.parse((await runCli(['queue', 'list', '--json'], env)).stdout) as Row[];
  assert.deepEqual(
    listed.map((r) => [r.message_id, r.state]),
    [[id, 'deferred']],
  );
  const retried = await runCli(['queue', 'retry'], env);
  assert.equal(retried.code, 0, retried.stderr);
  assert.match(retried.stdout, /^1 recipient due now/);
  await receivedBy(world.peer('127.0.0.10'), 'buyer@later.test');
  await eventFor(world.node, id, 'delivered', 'buyer@later.test');
});
