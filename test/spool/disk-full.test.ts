// A really full disk (a small tmpfs): both the inline path (SQLite reports SQLITE_FULL) and the
// body-file path (ENOSPC) answer SpoolFullError, and the spool reopens intact. Mounting needs root
// (CAP_SYS_ADMIN); without it the test is skipped and spool.test.ts's injected ENOSPC still runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, readdirSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import { SpoolFullError, openSpool, type SpoolEnvelope } from '../../src/spool/index.js';
import { openSqliteDatabase } from '../../src/store/sqlite/driver.js';

const logger = pino({ level: 'silent' });

const envelope: SpoolEnvelope = {
  mailFrom: 's@example.test',
  recipients: ['r@example.test'],
  auditRecipients: [],
  sandbox: false,
  senderKind: 'smtp',
  username: 'u',
  accountId: 'acct',
  clientAddress: '127.0.0.1',
  clientHelo: 'full.test',
  tls: false,
};

function tryMount(dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Writes until the file system refuses; returns the filler's path. */
function fillDisk(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(16 * 1024, 1);
  try {
    for (let i = 0; i < 1024; i++) writeSync(fd, block);
    assert.fail('the 4 MiB tmpfs never filled up');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return path;
}

const accept = (spool: Awaited<ReturnType<typeof openSpool>>, size: number) =>
  spool.accept(envelope, Readable.from([Buffer.alloc(size, 'm')]), { maxBytes: 1 << 20 });

test('a full file system: SpoolFullError on both paths, nothing half-written, intact after reopen', async (t) => {
  const mountPoint = mkdtempSync(join(tmpdir(), 'petrel-full-'));
  if (!tryMount(mountPoint)) {
    rmSync(mountPoint, { recursive: true, force: true });
    t.skip('cannot mount a tmpfs here (needs root)');
    return;
  }
  try {
    const dir = join(mountPoint, 'spool');
    let spool = await openSpool(dir, logger, { inlineMaxBytes: 64 * 1024 });
    const before = [await accept(spool, 2000), await accept(spool, 100 * 1024)];
    const filesBefore = readdirSync(join(dir, 'bodies')).sort();

    const filler = fillDisk(mountPoint);
    await assert.rejects(accept(spool, 60 * 1024), SpoolFullError); // inline: SQLite cannot grow the WAL
    await assert.rejects(accept(spool, 300 * 1024), SpoolFullError); // body file: ENOSPC
    assert.equal(spool.queue.messageCount(), 2);
    assert.deepEqual(readdirSync(join(dir, 'bodies')).sort(), filesBefore);

    rmSync(filler);
    const after = await accept(spool, 2000);
    await spool.close();

    spool = await openSpool(dir, logger);
    for (const { id } of [...before, after]) assert.ok(spool.queue.getMessage(id), id);
    assert.equal(spool.queue.messageCount(), 3);
    await spool.close();
    const db = openSqliteDatabase(join(dir, 'queue.db'), { readonly: true });
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    db.close();
  } finally {
    execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  }
});
