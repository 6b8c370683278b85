// The durable spool: what accept() stores, what survives a reopen, size limits, disk-full handling
// and the queue operations the delivery worker and `petrel queue` use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { pino } from 'pino';
import {
  MessageTooLargeError,
  SpoolFullError,
  isMessageId,
  openSpool,
  openSpoolAdmin,
  type BodyFile,
  type SpoolEnvelope,
} from '../../src/spool/index.js';
import { openBodyFileDefault } from '../../src/spool/body-receiver.js';

const logger = pino({ level: 'silent' });

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'petrel-spool-'));
}

function envelope(overrides: Partial<SpoolEnvelope> = {}): SpoolEnvelope {
  return {
    mailFrom: 'sender@example.test',
    recipients: ['rcpt@example.test'],
    auditRecipients: [],
    sandbox: false,
    senderKind: 'smtp',
    username: 'smtpuser',
    accountId: 'acct1',
    clientAddress: '127.0.0.1',
    clientHelo: 'client.example',
    tls: false,
    ...overrides,
  };
}

const MESSAGE = 'From: a@example.test\r\nTo: b@example.test\r\nSubject: hi\r\n\r\nHello.\r\n';

/** A body that arrives in pieces across event-loop turns, as it would from a socket. */
function trickle(data: Buffer | string, chunkSize = 16 * 1024): Readable & { pulled: () => number } {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  let offset = 0;
  const stream = new Readable({
    read() {
      setImmediate(() => {
        if (offset >= bytes.length) {
          this.push(null);
          return;
        }
        const end = Math.min(bytes.length, offset + chunkSize);
        this.push(bytes.subarray(offset, end));
        offset = end;
      });
    },
  });
  return Object.assign(stream, { pulled: () => offset });
}

test('an accepted message is found with its rows and its exact bytes after reopening', async () => {
  const dir = tempDir();
  try {
    let spool = await openSpool(dir, logger, { hostname: 'petrel.test' });
    const accepted = await spool.accept(
      envelope({
        recipients: ['one@example.test', 'two@example.test'],
        auditRecipients: ['audit@example.test'],
      }),
      trickle(MESSAGE),
      { maxBytes: 1024 * 1024 },
    );
    assert.ok(isMessageId(accepted.id));
    await spool.close();

    spool = await openSpool(dir, logger, { hostname: 'petrel.test' });
    const message = spool.queue.getMessage(accepted.id);
    assert.ok(message);
    assert.equal(message.mailFrom, 'sender@example.test');
    assert.equal(message.username, 'smtpuser');
    assert.equal(message.accountId, 'acct1');
    assert.equal(message.sandbox, false);
    assert.equal(message.size, accepted.size);
    const rows = spool.queue.recipientsOf(accepted.id);
    assert.deepEqual(
      rows.map((r) => [r.address, r.kind, r.state, r.attempts]),
      [
        ['one@example.test', 'recipient', 'queued', 0],
        ['two@example.test', 'recipient', 'queued', 0],
        ['audit@example.test', 'audit', 'queued', 0],
      ],
    );
    const stored = await text(spool.queue.openBody(accepted.id));
    assert.equal(Buffer.byteLength(stored), accepted.size);
    assert.ok(stored.endsWith(MESSAGE));
    assert.match(
      stored,
      new RegExp(
        `^Received: from client\\.example \\(\\[127\\.0\\.0\\.1\\]\\)\\r\\n\\tby petrel\\.test \\(Petrel\\) with ESMTPA id ${accepted.id};\\r\\n\\t\\w{3}, \\d{2} \\w{3} \\d{4} \\d{2}:\\d{2}:\\d{2} \\+0000\\r\\nFrom: `,
      ),
    );
    await spool.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the Received header names the protocol from TLS and AUTH, and a hostile HELO cannot break it', async () => {
  const dir = tempDir();
  try {
    const spool = await openSpool(dir, logger, { hostname: 'petrel.test' });
    const cases: [Partial<SpoolEnvelope>, RegExp][] = [
      [{ tls: true }, /with ESMTPSA id/],
      [{ tls: true, authenticated: false }, /with ESMTPS id/],
      [{ tls: false, authenticated: false }, /with ESMTP id/],
      [{ clientAddress: '::ffff:10.1.2.3' }, /\(\[10\.1\.2\.3\]\)/],
      [{ clientAddress: '2001:db8::1' }, /\(\[IPv6:2001:db8::1\]\)/],
      [{ clientHelo: 'evil\r\nBcc: x@y (a) ;' }, /^Received: from evilBcc:x@ya \(/],
    ];
    for (const [overrides, pattern] of cases) {
      const { id } = await spool.accept(envelope(overrides), trickle(MESSAGE), { maxBytes: 4096 });
      const stored = await text(spool.queue.openBody(id));
      assert.match(stored, pattern);
      assert.equal(stored.split('\r\n').filter((l) => l.startsWith('Bcc')).length, 0);
    }
    await spool.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a sandbox message is held for its recipients while its audit copies are queued', async () => {
  const dir = tempDir();
  try {
    const spool = await openSpool(dir, logger);
    const { id } = await spool.accept(
      envelope({ sandbox: true, recipients: ['r@example.test'], auditRecipients: ['audit@example.test'] }),
      trickle(MESSAGE),
      { maxBytes: 4096 },
    );
    assert.equal(spool.queue.getMessage(id)?.sandbox, true);
    assert.deepEqual(
      spool.queue.recipientsOf(id).map((r) => [r.address, r.state, r.nextAttemptAt === null]),
      [
        ['r@example.test', 'held', true],
        ['audit@example.test', 'queued', false],
      ],
    );
    const due = spool.queue.claimDue({ limit: 10, leaseMs: 60_000 });
    assert.deepEqual(
      due.map((r) => r.address),
      ['audit@example.test'],
    );
    await spool.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('200 messages from 20 concurrent sessions are all durable and share commits', async () => {
  const dir = tempDir();
  try {
    let spool = await openSpool(dir, logger);
    const ids: string[] = [];
    await Promise.all(
      Array.from({ length: 20 }, async (_, session) => {
        for (let i = 0; i < 10; i++) {
          const body = `Subject: s${session} m${i}\r\n\r\n${'x'.repeat(1000)}\r\n`;
          const { id } = await spool.accept(envelope(), trickle(body, 300), { maxBytes: 1 << 20 });
          ids.push(id);
        }
      }),
    );
    const stats = spool.commitStats();
    assert.equal(new Set(ids).size, 200);
    assert.equal(stats.writes, 200);
    assert.ok(stats.commits < 200, `200 messages took ${stats.commits} commits`);
    assert.ok(stats.walSyncs < 200, `200 messages took ${stats.walSyncs} WAL syncs`);
    await spool.close();

    spool = await openSpool(dir, logger);
    for (const id of ids) assert.equal(spool.queue.recipientsOf(id).length, 1, id);
    assert.equal(spool.queue.messageCount(), 200);
    await spool.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a large message goes to a body file, streamed, and reads back byte for byte', async () => {
  const dir = tempDir();
  try {
    let spool = await openSpool(dir, logger, { inlineMaxBytes: 64 * 1024 });
    const body = Buffer.alloc(3 * 1024 * 1024 + 7, 'abcdefghij\r\n');
    const { id, size } = await spool.accept(envelope(), trickle(body), { maxBytes: 10 * 1024 * 1024 });
    assert.deepEqual(readdirSync(join(dir, 'bodies')), [id]);
    assert.equal(spool.commitStats().dirSyncs, 1);
    await spool.close();

    spool = await openSpool(dir, logger);
    const chunks: Buffer[] = [];
    for await (const chunk of spool.queue.openBody(id)) chunks.push(chunk as Buffer);
    const stored = Buffer.concat(chunks);
    assert.equal(stored.length, size);
    assert.ok(stored.subarray(stored.length - body.length).equals(body));
    await spool.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('over maxBytes: MessageTooLargeError only after the whole body was read, nothing left behind', async () => {
  const dir = tempDir();
  try {
    const spool = await openSpool(dir, logger, { inlineMaxBytes: 16 * 1024 });
    const big = Buffer.alloc(600 * 1024, 'y');
    const stream = trickle(big);
    await assert.rejects(spool.accept(envelope(), stream, { maxBytes: 200 * 1024 }), (err: unknown) => {
      assert.ok(err instanceof MessageTooLargeError);
      assert.equal(err.limitBytes, 200 * 1024);
      return true;
    });
    assert.equal(stream.pulled(), big.length);
    assert.ok(stream.readableEnded);
    assert.deepEqual(readdirSync(join(dir, 'bodies')), []);
    assert.equal(spool.queue.messageCount(), 0);

    // The same spool (and the session behind it) carries on.
    const { id } = await spool.accept(envelope(), trickle(MESSAGE), { maxBytes: 200 * 1024 });
    assert.ok(spool.queue.getMessage(id));
    await spool.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a full disk while writing a body file: SpoolFullError, the input drained, nothing half-written', async () => {
  const dir = tempDir();
  try {
    let writes = 0;
    const spool = await openSpool(dir, logger, {
      inlineMaxBytes: 8 * 1024,
      // The second write of every body file fails as a full disk does; the file itself is real.
      openBodyFile: async (path): Promise<BodyFile> => {
        const real = await openBodyFileDefault(path);
        return {
          writev: (buffers, position) => {
            if (++writes % 2 === 0) {
              const err: NodeJS.ErrnoException = new Error('ENOSPC: no space left on device');
              err.code = 'ENOSPC';
              return Promise.reject(err);
            }
            return real.writev(buffers, position);
          },
          datasync: () => real.datasync(),
          close: () => real.close(),
        };
      },
    });
    const big = Buffer.alloc(500 * 1024, 'z');
    const stream = trickle(big);
    await assert.rejects(spool.accept(envelope(), stream, { maxBytes: 1 << 20 }), SpoolFullError);
    assert.equal(stream.pulled(), big.length);
    assert.deepEqual(readdirSync(join(dir, 'bodies')), []);
    assert.equal(spool.queue.messageCount(), 0);

    // Small messages (inline) still go through.
    const { id } = await spool.accept(envelope(), trickle(MESSAGE), { maxBytes: 1 << 20 });
    assert.ok(spool.queue.getMessage(id));
    await spool.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a body stream that fails mid-DATA leaves no file and no rows', async () => {
  const dir = tempDir();
  try {
    const spool = await openSpool(dir, logger, { inlineMaxBytes: 1024 });
    let sent = 0;
    const stream = new Readable({
      read() {
        setImmediate(() => {
          if (sent++ < 4) this.push(Buffer.alloc(4096, 'q'));
          else this.destroy(new Error('connection reset'));
        });
      },
    });
    await assert.rejects(spool.accept(envelope(), stream, { maxBytes: 1 << 20 }), /connection reset/);
    assert.deepEqual(readdirSync(join(dir, 'bodies')), []);
    assert.equal(spool.queue.messageCount(), 0);
    await spool.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('body files no row refers to (a crash before commit) are removed at the next open', async () => {
  const dir = tempDir();
  try {
    let spool = await openSpool(dir, logger, { inlineMaxBytes: 0 });
    const { id } = await spool.accept(envelope(), trickle(MESSAGE), { maxBytes: 4096 });
    await spool.close();
    writeFileSync(join(dir, 'bodies', 'm0000000000000000000'), 'half a message');
    writeFileSync(join(dir, 'bodies', 'junk.tmp'), 'junk');

    spool = await openSpool(dir, logger);
    assert.deepEqual(readdirSync(join(dir, 'bodies')), [id]);
    assert.ok((await text(spool.queue.openBody(id))).endsWith(MESSAGE));
    await spool.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a second serving process cannot open the same spool', async () => {
  const dir = tempDir();
  try {
    const spool = await openSpool(dir, logger);
    await assert.rejects(openSpool(dir, logger), { name: 'SpoolInUseError' });
    await spool.close();
    const again = await openSpool(dir, logger);
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the worker claims due recipients, records results; operators list, retry and purge', async () => {
  const dir = tempDir();
  try {
    const spool = await openSpool(dir, logger, { inlineMaxBytes: 100 });
    const first = await spool.accept(
      envelope({ recipients: ['a@example.test', 'b@example.test', 'c@example.test'] }),
      trickle(MESSAGE),
      { maxBytes: 4096 },
    );
    const second = await spool.accept(envelope({ recipients: ['d@example.test'] }), trickle(MESSAGE), {
      maxBytes: 4096,
    });
    const now = Date.now() + 1000;
    const claimed = spool.queue.claimDue({ limit: 3, leaseMs: 60_000, now });
    assert.deepEqual(
      claimed.map((r) => r.address),
      ['a@example.test', 'b@example.test', 'c@example.test'],
    );
    assert.equal(claimed[0]?.message.mailFrom, 'sender@example.test');
    // Leased rows are not handed out twice.
    assert.deepEqual(
      spool.queue.claimDue({ limit: 10, leaseMs: 60_000, now }).map((r) => r.address),
      ['d@example.test'],
    );

    const [a, b, c] = claimed;
    assert.ok(a && b && c);
    await spool.queue.recordAttempts(
      [
        { recipientId: a.id, result: 'delivered', reply: '250 ok' },
        { recipientId: b.id, result: 'bounced', reply: '550 no such user' },
        { recipientId: c.id, result: 'deferred', reply: '451 try later', nextAttemptAt: now + 3_600_000 },
      ],
      now,
    );
    assert.deepEqual(
      spool.queue.recipientsOf(first.id).map((r) => [r.state, r.attempts, r.lastReply]),
      [
        ['delivered', 1, '250 ok'],
        ['bounced', 1, '550 no such user'],
        ['deferred', 1, '451 try later'],
      ],
    );
    assert.equal(spool.queue.isFinished(first.id), false);
    assert.deepEqual(spool.queue.counts(), { queued: 1, deferred: 1, delivered: 1, bounced: 1, held: 0 });
    assert.deepEqual(
      spool.queue.list().map((e) => [e.address, e.state]),
      [
        ['c@example.test', 'deferred'],
        ['d@example.test', 'queued'],
      ],
    );

    // An operator's retry (from another process, beside the running spool) makes the deferred row due now.
    const admin = await openSpoolAdmin(dir, logger);
    assert.equal(await admin.queue.retry({ messageId: first.id }, now), 1);
    assert.deepEqual(
      spool.queue.claimDue({ limit: 10, leaseMs: 60_000, now }).map((r) => r.address),
      ['c@example.test'],
    );
    assert.equal(await admin.queue.purge({ messageIds: [first.id, 'nonexistent'] }), 1);
    await admin.close();
    assert.equal(spool.queue.getMessage(first.id), undefined);
    assert.deepEqual(spool.queue.recipientsOf(first.id), []);
    assert.deepEqual(readdirSync(join(dir, 'bodies')), [second.id]);
    await spool.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
