// SIGTERM on `petrel serve` (a real child process): new connections are refused at once, a client in
// the middle of DATA still gets its 250, the process exits 0, and the message survives into the next
// run, which delivers it to a real sink.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { createInstallation } from '../cli/cli-harness.js';
import { startSmtpPeer } from '../helpers/smtp-peer.js';
import { until } from '../e2e/delivery-world.js';

const PASSWORD = 'Tr0ub4dor&3x-petrel-shutdown';
/** Bounds only a broken shutdown; nothing here measures time. */
const EXIT_BOUND_MS = 30_000;

interface Served {
  child: ChildProcess;
  smtpPort: number;
  /** Log messages seen so far on stdout. */
  log: string[];
  exited: Promise<number | null>;
}

/** Starts `petrel serve` and waits for its SMTP listener's port from the log. */
async function serve(spawn: () => ChildProcess): Promise<Served> {
  const child = spawn();
  const log: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    lines.on('line', (line) => {
      const event = JSON.parse(line) as { msg?: string; kind?: string; port?: number };
      log.push(event.msg ?? '');
      if (event.msg === 'SMTP listening' && event.kind === 'starttls') resolve(event.port as number);
    });
    void exited.then((code) => reject(new Error(`serve exited (${code}) before listening: ${stderr}`)));
  });
  return { child, smtpPort: port, log, exited };
}

/** A line-by-line SMTP client on a raw socket, so the test decides when each byte of DATA goes. */
class RawSmtp {
  private readonly replies: string[] = [];
  private waiting: (() => void) | null = null;
  private constructor(private readonly socket: Socket) {
    createInterface({ input: socket }).on('line', (line) => {
      // Only the last line of a multi-line reply ("250 " rather than "250-") completes it.
      if (/^\d{3} /.test(line)) {
        this.replies.push(line);
        this.waiting?.();
      }
    });
  }

  static open(port: number): Promise<RawSmtp> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawSmtp(socket)));
      socket.on('error', reject);
    });
  }

  async reply(): Promise<string> {
    while (this.replies.length === 0) await new Promise<void>((resolve) => (this.waiting = resolve));
    return this.replies.shift() as string;
  }

  write(text: string): void {
    this.socket.write(text);
  }

  async command(line: string): Promise<string> {
    this.write(`${line}\r\n`);
    return this.reply();
  }

  close(): void {
    this.socket.destroy();
  }
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(true));
  });
}

test('SIGTERM lets a DATA in progress finish with 250, exits 0, and the message survives', async (t) => {
  const inst = await createInstallation();
  t.after(() => inst.cleanup());
  await inst.init();
  const added = await inst.run(['user', 'add', '--username', 'drain-user', '--password', PASSWORD]);
  assert.equal(added.code, 0, added.stderr);
  const sink = await startSmtpPeer({ host: '127.0.0.41' });
  t.after(() => sink.close());
  const base = {
    PETREL_HTTP_LISTEN: '127.0.0.1:0',
    PETREL_SMTP_LISTEN: '127.0.0.1:0',
    PETREL_SMTPS_LISTEN: '127.0.0.1:0',
    PETREL_INBOUND_LISTEN: '127.0.0.1:0',
    PETREL_LOG_LEVEL: 'info',
    PETREL_SHUTDOWN_GRACE_SECONDS: '20',
  };

  // First run: no delivery, so the message can only be found again in the spool.
  const first = await serve(() => inst.spawn(['serve'], { ...base, PETREL_DELIVERY_CONCURRENCY: '0' }));
  t.after(() => {
    if (first.child.exitCode === null) first.child.kill('SIGKILL');
  });
  const smtp = await RawSmtp.open(first.smtpPort);
  t.after(() => smtp.close());
  assert.match(await smtp.reply(), /^220 /);
  assert.match(await smtp.command('EHLO client.test'), /^250 /);
  const plain = Buffer.from(`\0drain-user\0${PASSWORD}`).toString('base64');
  assert.match(await smtp.command(`AUTH PLAIN ${plain}`), /^235 /);
  assert.match(await smtp.command('MAIL FROM:<shop@sender.test>'), /^250 /);
  assert.match(await smtp.command('RCPT TO:<buyer@far.test>'), /^250 /);
  assert.match(await smtp.command('DATA'), /^354 /);
  smtp.write('From: shop@sender.test\r\nTo: buyer@far.test\r\nSubject: Drained\r\n\r\nfirst half, ');

  first.child.kill('SIGTERM');
  await until('the node to start shutting down', () => first.log.includes('shutting down'));
  await until('the SMTP listener to stop accepting', () => refusesConnections(first.smtpPort));

  smtp.write('second half.\r\n.\r\n');
  const accepted = await smtp.reply();
  const match = /^250 2\.0\.0 OK id=(\S+)$/.exec(accepted);
  assert.ok(match, accepted);
  // The transaction is over: the next command is told the service is closing.
  assert.match(await smtp.command('MAIL FROM:<shop@sender.test>'), /^421 /);
  const code = await Promise.race([
    first.exited,
    new Promise((resolve) => setTimeout(() => resolve('still running'), EXIT_BOUND_MS).unref()),
  ]);
  assert.equal(code, 0);

  // Second run on the same data directory, delivering to the sink: the drained message arrives.
  const second = await serve(() =>
    inst.spawn(['serve'], { ...base, PETREL_SMARTHOST: `127.0.0.41:${sink.port}` }),
  );
  t.after(() => {
    if (second.child.exitCode === null) second.child.kill('SIGKILL');
  });
  const received = await until('the sink to receive the drained message', () => sink.messages[0]);
  assert.deepEqual(received.rcptTo, ['buyer@far.test']);
  assert.match(received.data.toString(), /first half, second half\.\r\n/);
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0);
});

test('SIGTERM closes an idle session after the grace period and still exits 0', async (t) => {
  const inst = await createInstallation();
  t.after(() => inst.cleanup());
  await inst.init();
  const node = await serve(() =>
    inst.spawn(['serve'], {
      PETREL_HTTP_LISTEN: '127.0.0.1:0',
      PETREL_SMTP_LISTEN: '127.0.0.1:0',
      PETREL_SMTPS_LISTEN: '127.0.0.1:0',
      PETREL_INBOUND_LISTEN: '127.0.0.1:0',
      PETREL_LOG_LEVEL: 'info',
      PETREL_DELIVERY_CONCURRENCY: '0',
      PETREL_SHUTDOWN_GRACE_SECONDS: '1',
    }),
  );
  t.after(() => {
    if (node.child.exitCode === null) node.child.kill('SIGKILL');
  });
  const idle = await RawSmtp.open(node.smtpPort);
  t.after(() => idle.close());
  assert.match(await idle.reply(), /^220 /);
  assert.match(await idle.command('EHLO idle.test'), /^250 /);

  node.child.kill('SIGTERM');
  // The client says nothing more; the node tells it 421 once the grace period is over.
  assert.match(await idle.reply(), /^421 /);
  assert.equal(await node.exited, 0);
});
