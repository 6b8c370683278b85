// The progress line of long commands: rewritten in place on a terminal, absent from pipes; `queue purge`
// reports batch by batch and, run in a real pseudo-terminal (script(1)), shows it on stderr, while the
// same command with piped stderr prints nothing but its result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { progressLine } from '../../src/cli/progress.js';
import { createLogger } from '../../src/logger.js';
import { openSpool, spoolDirectory, type SpoolEnvelope } from '../../src/spool/index.js';
import { runCli } from './cli-harness.js';

const logger = createLogger('silent');
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

function fakeStream(isTTY: boolean) {
  const written: string[] = [];
  return { written, stream: { isTTY, columns: 30, write: (s: string) => written.push(s) } };
}

test('the progress line rewrites one terminal line, fits its width, clears itself; off when not a TTY', () => {
  const tty = fakeStream(true);
  const line = progressLine(tty.stream);
  line.update('purge: 1/2 messages removed');
  line.update('purge: 2/2 messages removed and a long tail that does not fit');
  line.done();
  assert.deepEqual(tty.written, [
    '\rpurge: 1/2 messages removed\x1b[K',
    '\rpurge: 2/2 messages removed a\x1b[K',
    '\r\x1b[K',
  ]);
  const pipe = fakeStream(false);
  const off = progressLine(pipe.stream);
  off.update('anything');
  off.done();
  assert.deepEqual(pipe.written, []);
});

function envelope(): SpoolEnvelope {
  return {
    mailFrom: 'shop@sender.test',
    recipients: ['r@far.test'],
    auditRecipients: [],
    sandbox: false,
    senderKind: 'smtp',
    username: 'purge-user',
    accountId: 'acct',
    clientAddress: '127.0.0.1',
    clientHelo: 'client.test',
    tls: false,
  };
}

async function queueOf(dataDir: string, messages: number): Promise<void> {
  const spool = await openSpool(spoolDirectory(dataDir), logger, { hostname: 'petrel.test' });
  try {
    for (let i = 0; i < messages; i++)
      await spool.accept(envelope(), Readable.from([Buffer.from(`Subject: ${i}\r\n\r\nhi\r\n`)]), {
        maxBytes: 1 << 20,
      });
  } finally {
    await spool.close();
  }
}

test('purge reports progress batch by batch and removes everything', { timeout: 120_000 }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'petrel-purge-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  await queueOf(dataDir, 501);
  const spool = await openSpool(spoolDirectory(dataDir), logger, { hostname: 'petrel.test' });
  try {
    const reports: string[] = [];
    const n = await spool.queue.purge({ all: true }, (done, total) => reports.push(`${done}/${total}`));
    assert.equal(n, 501);
    assert.deepEqual(reports, ['500/501', '501/501']);
    assert.equal(spool.queue.messageCount(), 0);
  } finally {
    await spool.close();
  }
});

test('queue purge shows the progress line on a terminal only', { timeout: 120_000 }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'petrel-purge-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  await queueOf(dataDir, 2);

  // Piped: the result alone.
  const piped = await runCli(['queue', 'purge', '--all'], { PETREL_DATA_DIR: dataDir });
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(piped.stdout, 'Removed 2 messages.\n');
  assert.equal(piped.stderr, '');

  // In a pseudo-terminal: the line is drawn, then cleared before the result.
  await queueOf(dataDir, 2);
  const command = `${process.execPath} --import tsx src/cli/main.ts queue purge --all`;
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    cwd: REPO_ROOT,
    env: { ...process.env, PETREL_DATA_DIR: dataDir },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end();
  let screen = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (screen += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, screen);
  assert.ok(
    screen.includes('\rpurge: 2/2 messages removed\x1b[K\r\x1b[KRemoved 2 messages.'),
    JSON.stringify(screen),
  );
});
