// The inbound listener under attack (issue 12, acceptance 2; SPEC §6): seeded random and malformed
// dialogues (random commands, 1 MiB lines without CRLF, binary, pipelining, resets), 1,000 connections
// held open at once, a message over 10 MiB, and thousands of RCPT TO addresses that look almost like
// Petrel's. The node runs in its own process; it must survive, every reply line must be well-formed,
// and no recipient but the one signed VERP address (and postmaster@) is ever taken, nor any event or
// suppression written. PETREL_FUZZ_SEED replays a run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SERVE = fileURLToPath(new URL('./serve-inbound-node.ts', import.meta.url));
const SEED = Number(process.env.PETREL_FUZZ_SEED ?? 0xb0a7ce);
const MiB = 1024 * 1024;
const RETURN_HOST = 'bounces.fuzz.test';
const SESSIONS = 60;
const UNITS_PER_SESSION = 40;
const PARALLEL = 8;
const RCPT_PROBES = 2_000;
const CONNECTIONS = 1_000;
const OPEN_BATCH = 100;
const SESSION_BOUND_MS = 10_000;
const REPLY_LINE = /^([2-5][0-5]\d)(?:([ -])[\x20-\x7e]*)?$/;

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Served {
  inbound: number;
  verp: string;
  emailId: string;
  recipient: string;
}

let child: ChildProcessWithoutNullStreams;
let served: Served;
let childErr = '';
let stdoutBuffer = '';
const stdoutLines: ((line: string) => void)[] = [];

function nextLine(): Promise<string> {
  return new Promise((resolve) => stdoutLines.push(resolve));
}

before(async () => {
  child = spawn(process.execPath, ['--import', 'tsx', SERVE], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stderr.on('data', (d: Buffer) => (childErr = (childErr + d.toString()).slice(-4000)));
  child.stdout.on('data', (d: Buffer) => {
    stdoutBuffer += d.toString();
    for (let nl = stdoutBuffer.indexOf('\n'); nl >= 0; nl = stdoutBuffer.indexOf('\n')) {
      const line = stdoutBuffer.slice(0, nl);
      stdoutBuffer = stdoutBuffer.slice(nl + 1);
      stdoutLines.shift()?.(line);
    }
  });
  const exited = new Promise<never>((_r, reject) =>
    child.once('exit', (code) => reject(new Error(`the node process exited early (${code}): ${childErr}`))),
  );
  served = JSON.parse(await Promise.race([nextLine(), exited])) as Served;
  exited.catch(() => undefined);
});

after(async () => {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdin.end();
  await exited;
});

function assertAlive(): void {
  assert.equal(child.exitCode, null, `the node process died: ${childErr}`);
}

/** What the node has recorded besides the seeded `processed` event. */
async function counts(): Promise<{ events: unknown[]; suppressions: unknown[] }> {
  const line = nextLine();
  child.stdin.write('counts\n');
  return JSON.parse(await line) as { events: unknown[]; suppressions: unknown[] };
}

/** A raw connection that records every byte the server sends. */
class Wire {
  readonly socket: Socket;
  received = '';
  closed: Promise<void>;
  private waiter: (() => void) | null = null;

  constructor(localAddress = '127.0.0.1') {
    this.socket = connect({ host: '127.0.0.1', port: served.inbound, localAddress });
    this.socket.setEncoding('latin1');
    this.socket.on('data', (d: string) => {
      this.received += d;
      this.waiter?.();
    });
    this.socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
    this.socket.once('close', () => this.waiter?.());
  }

  write(data: string | Buffer): Promise<void> {
    if (this.socket.destroyed || !this.socket.writable) return Promise.resolve();
    return new Promise((resolve) => this.socket.write(data, () => resolve()));
  }

  async reply(from: number): Promise<{ code: number; text: string; end: number } | null> {
    for (;;) {
      const rest = this.received.slice(from);
      const match = /(?:^|\r\n)(\d{3}) ([^\r\n]*)\r\n/.exec(rest);
      if (match)
        return {
          code: Number(match[1]),
          text: `${match[1]} ${match[2]}`,
          end: from + match.index + match[0].length,
        };
      if (this.socket.destroyed) return null;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  async command(line: string): Promise<{ code: number; text: string } | null> {
    const from = this.received.length;
    await this.write(`${line}\r\n`);
    return this.reply(from);
  }
}

function assertValidReplies(received: string, what: string): void {
  const lines = received.split('\r\n');
  assert.equal(lines.pop(), '', `${what}: output ends mid-line: ${JSON.stringify(received.slice(-200))}`);
  let continuing: string | null = null;
  for (const line of lines) {
    const match = REPLY_LINE.exec(line);
    assert.ok(match, `${what}: not an SMTP reply line: ${JSON.stringify(line.slice(0, 200))}`);
    if (continuing !== null) assert.equal(match[1], continuing, `${what}: code changes inside a reply`);
    continuing = match[2] === '-' ? (match[1] as string) : null;
  }
  assert.equal(continuing, null, `${what}: a multi-line reply never ends`);
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** Addresses that look like Petrel's in every way but one, plus plain junk. */
function nearMiss(rand: () => number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const [local = '', host = ''] = served.verp.split('@');
  const mac = local.slice(-13);
  const randomMac = Array.from({ length: 13 }, () => pick(BASE32.split(''))).join('');
  const id = local.slice(2, 21);
  const otherId =
    id.slice(0, 18) + pick('0123456789abcdefghijklmnopqrstuvwxyz'.split('').filter((c) => c !== id[18]));
  const flipped = mac.slice(0, 12) + pick(BASE32.split('').filter((c) => c !== mac[12]));
  const candidates = [
    `b-${id}-${randomMac}@${host}`,
    `b-${id}-${flipped}@${host}`,
    `b-${otherId}-${mac}@${host}`,
    `${local}@far.test`,
    `${local}@${host}.evil.test`,
    `${local}@sub.${host}`,
    `${local}x@${host}`,
    `x${local}@${host}`,
    `b-${id}-${mac.slice(0, 12)}@${host}`,
    `b-${id}@${host}`,
    `postmaster@far.test`,
    `postmaster@${host}.evil.test`,
    `"${local}"@far.test`,
    `${local}@[127.0.0.1]`,
    `${local}%far.test@${host}`,
    `@${host}:${local}@far.test`,
    `someone@${host}`,
    `${Buffer.from(Array.from({ length: 12 }, () => Math.floor(rand() * 256))).toString('base64')}@${host}`,
    `${'b-'.repeat(40)}@${host}`,
  ];
  return pick(candidates);
}

function fuzzUnit(rand: () => number, hugeLeft: { n: number }): string | Buffer {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const r = rand();
  if (r < 0.35) {
    const verb = pick([
      'EHLO x',
      'HELO x',
      'MAIL FROM:<>',
      'MAIL FROM:<a@b.test>',
      'RSET',
      'NOOP',
      'DATA',
      'AUTH PLAIN AGEAYg==',
      'STARTTLS',
      'VRFY postmaster',
      'BDAT 10 LAST',
      'QUIT',
      '',
    ]);
    return `${verb}\r\n`;
  }
  if (r < 0.55) return `RCPT TO:<${nearMiss(rand)}>\r\n`;
  if (r < 0.7)
    return Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 300) }, () => Math.floor(rand() * 256)));
  if (r < 0.8)
    return `${pick(['RCPT TO:<', 'MAIL FROM:<', 'EHLO '])}${'A'.repeat(Math.floor(rand() * 20_000))}\r\n`;
  if (r < 0.83 && hugeLeft.n > 0) {
    hugeLeft.n--;
    return Buffer.alloc(MiB, 'Z');
  }
  return 'EHLO x\r\nMAIL FROM:<>\r\nRCPT TO:<alice@far.test>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n'.slice(
    0,
    Math.floor(rand() * 100),
  );
}

test(
  `${CONNECTIONS} concurrent connections to the inbound listener are served and refuse other recipients`,
  { timeout: 180_000 },
  async (t) => {
    const limit = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (limit && limit[1] !== 'unlimited' && Number(limit[1]) < CONNECTIONS + 200) {
      t.skip(`the open-file limit is ${limit[1]}, below what ${CONNECTIONS} connections need`);
      return;
    }
    const wires: Wire[] = [];
    for (let start = 0; start < CONNECTIONS; start += OPEN_BATCH) {
      const batch = Array.from(
        { length: OPEN_BATCH },
        (_, i) => new Wire(`127.0.${2 + ((start + i) % 200)}.${1 + ((start + i) % 250)}`),
      );
      wires.push(...batch);
      const greetings = await Promise.all(batch.map((w) => w.reply(0)));
      assert.equal(
        greetings.filter((g) => g?.code === 220).length,
        batch.length,
        'every connection is greeted',
      );
    }
    const ehlo = await Promise.all(wires.map((w) => w.command('EHLO load.test')));
    assert.equal(ehlo.filter((r) => r?.code === 250).length, CONNECTIONS);
    // All open at once: each is answered, and each refuses a recipient that is not a signed VERP address.
    const mail = await Promise.all(wires.map((w) => w.command('MAIL FROM:<>')));
    assert.equal(mail.filter((r) => r?.code === 250).length, CONNECTIONS);
    const rand = prng(SEED ^ 0x1000);
    const rcpt = await Promise.all(wires.map((w) => w.command(`RCPT TO:<${nearMiss(rand)}>`)));
    const refused = rcpt.filter((r) => r?.text.startsWith('550 5.1.1 ')).length;
    assert.equal(
      refused,
      CONNECTIONS,
      JSON.stringify(rcpt.filter((r) => !r?.text.startsWith('550')).slice(0, 3)),
    );
    const quit = await Promise.all(wires.map((w) => w.command('QUIT')));
    assert.equal(quit.filter((r) => r?.code === 221).length, CONNECTIONS);
    await Promise.all(wires.map((w) => w.closed));
    assertAlive();
  },
);

test(`${RCPT_PROBES} near-miss recipients are all refused; only the signed address and postmaster are taken`, async () => {
  const rand = prng(SEED ^ 0x2000);
  const wire = new Wire();
  await wire.reply(0);
  assert.equal((await wire.command('EHLO probe.test'))?.code, 250);
  let accepted = 0;
  for (let i = 0; i < RCPT_PROBES; i++) {
    if (i % 40 === 0) {
      // A fresh transaction now and then, so the recipient cap never hides a refusal.
      assert.equal((await wire.command('RSET'))?.code, 250);
      assert.equal((await wire.command('MAIL FROM:<>'))?.code, 250);
    }
    const address = nearMiss(rand);
    const reply = await wire.command(`RCPT TO:<${address}>`);
    assert.ok(reply, 'the connection stays up');
    if (reply.code === 250) accepted++;
    assert.ok(reply.code >= 500 || reply.code === 452, `${address} was answered ${reply.text}`);
  }
  assert.equal(accepted, 0);
  assert.equal((await wire.command('RSET'))?.code, 250);
  assert.equal((await wire.command('MAIL FROM:<>'))?.code, 250);
  // The real one, in any case, and postmaster at the return-path host.
  assert.match((await wire.command(`RCPT TO:<${served.verp.toUpperCase()}>`))?.text ?? '', /^250 /);
  assert.match((await wire.command(`RCPT TO:<postmaster@${RETURN_HOST}>`))?.text ?? '', /^250 /);
  assert.equal((await wire.command('RSET'))?.code, 250);
  assert.equal((await wire.command('QUIT'))?.code, 221);
  assertValidReplies(wire.received, 'probe session');
});

test('a message over 10 MiB is refused with 552 5.3.4 and the session stays usable', async () => {
  const wire = new Wire();
  await wire.reply(0);
  await wire.command('EHLO big.test');
  assert.equal((await wire.command('MAIL FROM:<>'))?.code, 250);
  assert.equal((await wire.command(`RCPT TO:<${served.verp}>`))?.code, 250);
  assert.equal((await wire.command('DATA'))?.code, 354);
  const from = wire.received.length;
  const line = Buffer.from('y'.repeat(998) + '\r\n');
  await wire.write('Subject: big\r\n\r\n');
  for (let sent = 0; sent <= 11 * MiB; sent += line.length * 64)
    await wire.write(Buffer.concat(Array(64).fill(line) as Buffer[]));
  await wire.write('.\r\n');
  const reply = await wire.reply(from);
  assert.match(reply?.text ?? '', /^552 5\.3\.4 /);
  assert.equal((await wire.command('NOOP'))?.code, 250);
  assert.equal((await wire.command('QUIT'))?.code, 221);
  assertAlive();
});

test(
  `random and malformed dialogues never crash the listener (seed ${SEED})`,
  { timeout: 180_000 },
  async () => {
    const rand = prng(SEED);
    const hugeLeft = { n: 6 };
    const outputs: { index: number; received: string }[] = [];
    const halfOpen: Wire[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next < SESSIONS) {
          const index = next++;
          const wire = new Wire(`127.0.${1 + (index % 4)}.${10 + (index % 200)}`);
          await wire.reply(0);
          const lockStep = rand() < 0.5;
          for (let i = 0; i < UNITS_PER_SESSION && !wire.socket.destroyed; i++) {
            const data = fuzzUnit(rand, hugeLeft);
            if (lockStep) await wire.write(data);
            else void wire.write(data);
          }
          const how = rand();
          if (how < 0.15) wire.socket.destroy();
          else if (how < 0.3) {
            halfOpen.push(wire);
            continue;
          } else wire.socket.end();
          const timer = setTimeout(() => wire.socket.destroy(), SESSION_BOUND_MS);
          await wire.closed;
          clearTimeout(timer);
          outputs.push({ index, received: wire.received });
          // No message is ever taken: that would need an accepted recipient, and the fuzz names none.
          assert.doesNotMatch(wire.received, /report received/, `session ${index}`);
        }
      }),
    );
    assertAlive();
    for (const wire of halfOpen) outputs.push({ index: -1, received: wire.received });
    for (const { index, received } of outputs) assertValidReplies(received, `seed ${SEED} session ${index}`);

    // Still serving: a real DSN to the signed address is taken and applied.
    const check = new Wire('127.0.0.250');
    assert.equal((await check.reply(0))?.code, 220);
    assert.equal((await check.command('EHLO after.fuzz.test'))?.code, 250);
    assert.equal((await check.command('MAIL FROM:<>'))?.code, 250);
    assert.equal((await check.command(`RCPT TO:<${served.verp}>`))?.code, 250);
    assert.equal((await check.command('DATA'))?.code, 354);
    const from = check.received.length;
    await check.write(
      [
        'From: MAILER-DAEMON@mx.far.test',
        'Subject: Undelivered Mail Returned to Sender',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
        '',
        '--b',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; mx.far.test',
        '',
        `Final-Recipient: rfc822; ${served.recipient}`,
        'Action: failed',
        'Status: 5.1.1',
        '',
        '--b--',
        '.',
        '',
      ].join('\r\n'),
    );
    assert.match((await check.reply(from))?.text ?? '', /^250 2\.0\.0 /);
    assert.equal((await check.command('QUIT'))?.code, 221);
    for (const wire of halfOpen) wire.socket.destroy();

    // Nothing but that one DSN left a trace: one hard bounce, one suppression, for the seeded recipient.
    const recorded = await counts();
    assert.deepEqual(recorded.events, [{ event: 'hard-bounced', recipient: served.recipient }]);
    assert.deepEqual(recorded.suppressions, [{ recipient: served.recipient }]);
  },
);
