// The spool's disk fills up (SPEC §2.5): the client gets a clean `452 4.3.1`, what was accepted before
// stays intact, and once space returns the next message is accepted. A real full disk: a small tmpfs
// mounted as the spool, so this needs root; it is skipped otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import nodemailer from 'nodemailer';
import { PASSWORD, addSmtpUser, plainMessage, submit } from '../e2e/delivery-world.js';
import { startTestNode } from '../helpers/node.js';

const IS_ROOT = process.getuid?.() === 0;
/** Small, so that filling it is quick and bounded. */
const TMPFS_SIZE = '8m';

/** Writes 256 KiB chunks into `path` until the disk refuses one; returns the bytes written. */
function fillDisk(path: string): number {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(256 * 1024, 0x61);
  let written = 0;
  try {
    // Bounded: the tmpfs is 8 MiB, so this ends within 33 chunks.
    for (let i = 0; i < 64; i++) written += writeSync(fd, chunk);
    assert.fail('the tmpfs never filled up');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return written;
}

test(
  'a full spool disk answers 452 4.3.1, corrupts nothing, and recovers',
  { skip: !IS_ROOT && 'needs root to mount a tmpfs' },
  async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'petrel-diskfull-'));
    const spoolDir = join(dataDir, 'spool');
    mkdirSync(spoolDir);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', spoolDir]);
    t.after(() => {
      execFileSync('umount', ['-l', spoolDir]);
      rmSync(dataDir, { recursive: true, force: true });
    });
    const node = await startTestNode({ PETREL_DATA_DIR: dataDir });
    // The node must let go of the tmpfs before it is unmounted (t.after runs last-registered first).
    t.after(() => node.stop());
    await addSmtpUser(node, 'disk-user');
    const port = node.smtp.ports.smtp[0] as number;
    const send = (subject: string, body = 'Hello.') =>
      submit(port, {
        user: 'disk-user',
        from: 'shop@sender.test',
        to: ['buyer@far.test'],
        raw: plainMessage('shop@sender.test', 'buyer@far.test', subject, body),
      });

    const before = await send('Before the disk filled');
    const filler = join(spoolDir, 'filler');
    assert.ok(fillDisk(filler) > 0);

    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port,
      secure: false,
      ignoreTLS: true,
      auth: { user: 'disk-user', pass: PASSWORD },
    });
    t.after(() => transport.close());
    const refused = await transport
      .sendMail({
        envelope: { from: 'shop@sender.test', to: ['buyer@far.test'] },
        raw: plainMessage('shop@sender.test', 'buyer@far.test', 'Disk full', 'x'.repeat(64 * 1024)),
      })
      .then(
        (info) => assert.fail(`accepted on a full disk: ${info.response}`),
        (err: Error & { response?: string }) => err.response ?? err.message,
      );
    assert.match(refused, /^452 4\.3\.1 /);
    const metrics = await (await fetch(`${node.httpUrl}/metrics`)).text();
    assert.match(metrics, /^petrel_smtp_recipients_rejected_total\{reason="storage"\} 1$/m);

    // Nothing half-written was queued, and the message from before is whole.
    const queued = node.spool.queue.list({ states: ['queued'] }).map((r) => r.messageId);
    assert.deepEqual(queued, [before]);
    assert.match(await text(node.spool.queue.openBody(before)), /Subject: Before the disk filled/);

    rmSync(filler);
    const after = await send('After space returned');
    assert.match(await text(node.spool.queue.openBody(after)), /Subject: After space returned/);
    const counts = node.spool.queue.counts();
    assert.equal(counts.queued, 2);
  },
);
