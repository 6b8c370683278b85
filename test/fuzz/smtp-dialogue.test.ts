// SMTP dialogue fuzz (issue 5, SPEC §2): seeded random and malformed dialogues (garbage, binary, 1 MiB lines
// without CRLF, commands out of order, pipelining, half-open sockets, bad AUTH) against a node in its own
// process. Every reply line must be well-formed SMTP, the process must survive and still take a logged-in
// message, and its RSS must stay bounded. PETREL_FUZZ_SEED replays a run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SERVE_NODE = fileURLToPath(new URL('../smtp/serve-node.ts', import.meta.url));
const SEED = Number(process.env.PETREL_FUZZ_SEED ?? 0x5eed);
const MiB = 1024 * 1024;
const PASSWORD = 'Fuzz-Passw0rd-petrel';
const SESSIONS = 80;
const UNITS_PER_SESSION = 40; // ~3,200 commands and fragments in all
const PARALLEL = 8;
/** Bounds, not measurements: a session still open this long after its last write is hung up on. */
const SESSION_BOUND_MS = 10_000;
const MAX_RSS_GROWTH = 100 * MiB;
/** A reply line: code 2xx–5xx, then end, space or dash, then printable ASCII only (no echoed bytes). */
const REPLY_LINE = /^([2-5][0-5]\d)(?:([ -])[\x20-\x7e]*)?$/;

/** mulberry32: small, seedable, the same sequence on every machine. */
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

let child: ChildProcessWithoutNullStreams;
let port: number;
let childErr = '';

function rssBytes(): number {
  const status = readFileSync(`/proc/${child.pid as number}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  assert.ok(match, `the node process is gone: ${childErr}`);
  return Number(match[1]) * 1024;
}

before(async () => {
  child = spawn(process.execPath, ['--import', 'tsx', SERVE_NODE], { stdio: ['pipe', 'pipe', 'pipe'] });
  // The last of its standard error, to say why should it die.
  child.stderr.on('data', (d: Buffer) => (childErr = (childErr + d.toString()).slice(-4000)));
  const served = await new Promise<{ httpUrl: string; masterKey: string; smtp: number[] }>(
    (resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const newline = out.indexOf('\n');
        if (newline >= 0) resolve(JSON.parse(out.slice(0, newline)));
      });
      child.once('exit', (code) => reject(new Error(`the node process exited early (${code})`)));
    },
  );
  port = served.smtp[0] as number;
  const answer = await fetch(`${served.httpUrl}/v3/users/smtp/add`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-smtp2go-api-key': served.masterKey },
    body: JSON.stringify({ username: 'fuzz-user', email_password: PASSWORD }),
  });
  assert.equal(answer.status, 200);
});

after(async () => {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdin.end();
  await exited;
});

/** A raw connection from a chosen loopback address that records every byte the server sends. */
class Wire {
  readonly socket: Socket;
  received = '';
  closed: Promise<void>;
  private waiter: (() => void) | null = null;

  constructor(localAddress: string) {
    this.socket = connect({ host: '127.0.0.1', port, localAddress });
    this.socket.setEncoding('latin1');
    this.socket.on('data', (d: string) => {
      this.received += d;
      this.waiter?.();
    });
    this.socket.on('error', () => undefined); // resets are part of the game
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
    this.socket.once('close', () => this.waiter?.());
  }

  write(data: string | Buffer): Promise<void> {
    if (this.socket.destroyed || !this.socket.writable) return Promise.resolve();
    return new Promise((resolve) => this.socket.write(data, () => resolve()));
  }

  /** The next complete reply (all its lines) after `from` characters of input; null once closed. */
  async reply(from: number): Promise<{ code: number; end: number } | null> {
    for (;;) {
      const rest = this.received.slice(from);
      const match = /(?:^|\r\n)(\d{3}) [^\r\n]*\r\n/.exec(rest);
      if (match) return { code: Number(match[1]), end: from + match.index + match[0].length };
      if (this.socket.destroyed) return null;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  /** Sends one command line and waits for its reply. */
  async command(line: string): Promise<number | null> {
    const from = this.received.length;
    await this.write(`${line}\r\n`);
    const r = await this.reply(from);
    return r?.code ?? null;
  }
}

/** Every line the server sent is a valid reply, and multi-line replies keep one code. */
function assertValidReplies(received: string, what: string): void {
  const lines = received.split('\r\n');
  assert.equal(
    lines.pop(),
    '',
    `${what}: the server's output ends mid-line: ${JSON.stringify(received.slice(-200))}`,
  );
  let continuing: string | null = null;
  for (const line of lines) {
    const match = REPLY_LINE.exec(line);
    assert.ok(match, `${what}: not an SMTP reply line: ${JSON.stringify(line.slice(0, 200))}`);
    if (continuing !== null) assert.equal(match[1], continuing, `${what}: code changes inside a reply`);
    continuing = match[2] === '-' ? (match[1] as string) : null;
  }
  assert.equal(continuing, null, `${what}: a multi-line reply never ends`);
}

const VERBS = [
  'EHLO',
  'HELO',
  'LHLO',
  'MAIL',
  'RCPT',
  'DATA',
  'RSET',
  'NOOP',
  'VRFY',
  'EXPN',
  'HELP',
  'AUTH',
  'BDAT',
  'ETRN',
  'XCLIENT',
  'STARTTLS',
  'TURN',
  '',
];
const ARGS = [
  'FROM:<a@example.test>',
  'TO:<b@example.test>',
  'FROM:<>',
  'TO:<@@@>',
  'FROM:<a@example.test> SIZE=-1',
  'FROM:<a@example.test> SIZE=99999999999999999999',
  'FROM:<a@example.test> BODY=WEIRD SMTPUTF8',
  'TO:<b@example.test> NOTIFY=NEVER,SUCCESS',
  'PLAIN',
  'PLAIN =',
  'PLAIN !!!notbase64!!!',
  'PLAIN AGZ1enotdXNlcgB3cm9uZw==',
  'LOGIN',
  'LOGIN ????',
  'CRAM-MD5',
  'XOAUTH2 abc',
  '100 LAST',
  'x'.repeat(600),
  'FROM:<' + 'a'.repeat(3000) + '@example.test>',
];

/** One fuzz unit: a command, a fragment or raw bytes, chosen by the PRNG. */
function unit(rand: () => number, hugeLeft: { n: number }): string | Buffer {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const r = rand();
  if (r < 0.45) return `${pick(VERBS)}${rand() < 0.8 ? ' ' + pick(ARGS) : ''}\r\n`;
  if (r < 0.6)
    return Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 300) }, () => Math.floor(rand() * 256)));
  if (r < 0.7)
    return pick([
      '\r\n',
      '\n',
      '\r',
      '.\r\n',
      '\0\r\n',
      '\r\n.\r\n',
      'MAIL FROM:<a@example.test>\nRCPT TO:<b@example.test>\n',
    ]);
  if (r < 0.8)
    return Buffer.from(
      `${pick(VERBS).toLowerCase()} ${Buffer.from(Array.from({ length: 40 }, () => Math.floor(rand() * 256))).toString('base64')}\r\n`,
    );
  if (r < 0.88) return `${pick(VERBS)} ${'A'.repeat(Math.floor(rand() * 20_000))}\r\n`;
  if (r < 0.9 && hugeLeft.n > 0) {
    hugeLeft.n--;
    return Buffer.alloc(MiB, 'Z'); // 1 MiB, no CRLF
  }
  // Out of order and pipelined: a whole transaction's commands, some before any EHLO or AUTH.
  return 'MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n'.slice(
    0,
    Math.floor(rand() * 90),
  );
}

const halfOpen: Wire[] = [];

/** One fuzz session from its own loopback address (so AUTH back-off never reaches the final check). */
async function fuzzSession(index: number, rand: () => number, hugeLeft: { n: number }): Promise<string> {
  const wire = new Wire(`127.0.${1 + (index % 4)}.${10 + (index % 200)}`);
  await wire.reply(0); // the greeting (or the close)
  const style = rand();
  if (style < 0.3) {
    // Logged in first, so that the fuzz reaches MAIL, RCPT and DATA states too.
    await wire.command('EHLO fuzz.test');
    await wire.command(`AUTH PLAIN ${Buffer.from(`\0fuzz-user\0${PASSWORD}`).toString('base64')}`);
  }
  for (let i = 0; i < UNITS_PER_SESSION && !wire.socket.destroyed; i++) {
    const data = unit(rand, hugeLeft);
    // Lock-step for some sessions (each command waits a moment for its answer), pipelined for others.
    if (style < 0.5) await wire.write(data);
    else void wire.write(data);
  }
  const how = rand();
  if (how < 0.15)
    wire.socket.destroy(); // reset mid-dialogue
  else if (how < 0.3) {
    halfOpen.push(wire); // left open, unfinished, until the run ends
    return '';
  } else wire.socket.end(); // half-close: the server sees EOF and must end the session
  const timer = setTimeout(() => wire.socket.destroy(), SESSION_BOUND_MS);
  await wire.closed;
  clearTimeout(timer);
  return wire.received;
}

test(`random and malformed SMTP dialogues never crash the server nor grow it (seed ${SEED})`, async () => {
  // Warm up once (first connection, first AUTH hash) so that the baseline is not the cold process.
  const warm = new Wire('127.0.0.2');
  await warm.reply(0);
  assert.equal(await warm.command('EHLO warm.test'), 250);
  warm.socket.destroy();
  const baseline = rssBytes();
  let peak = baseline;

  const rand = prng(SEED);
  const hugeLeft = { n: 6 };
  const outputs: { index: number; received: string }[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < SESSIONS) {
        const index = next++;
        outputs.push({ index, received: await fuzzSession(index, rand, hugeLeft) });
        peak = Math.max(peak, rssBytes());
      }
    }),
  );
  assert.equal(child.exitCode, null, 'the node process died');
  for (const wire of halfOpen) outputs.push({ index: -1, received: wire.received });
  for (const { index, received } of outputs) assertValidReplies(received, `seed ${SEED} session ${index}`);

  // Still serving, with the half-open connections still held: EHLO and a logged-in message.
  const check = new Wire('127.0.0.250');
  assert.equal((await check.reply(0))?.code, 220);
  assert.equal(await check.command('EHLO after.fuzz.test'), 250);
  assert.equal(
    await check.command(`AUTH PLAIN ${Buffer.from(`\0fuzz-user\0${PASSWORD}`).toString('base64')}`),
    235,
  );
  assert.equal(await check.command('MAIL FROM:<sender@example.test>'), 250);
  assert.equal(await check.command('RCPT TO:<rcpt@example.test>'), 250);
  assert.equal(await check.command('DATA'), 354);
  const from = check.received.length;
  await check.write('Subject: after the fuzz\r\n\r\nStill here.\r\n.\r\n');
  await check.reply(from);
  assert.match(check.received.slice(from), /^250 2\.0\.0 OK id=\S+\r\n$/);
  assert.equal(await check.command('QUIT'), 221);
  assertValidReplies(check.received, 'final check');
  for (const wire of halfOpen) wire.socket.destroy();

  const growth = peak - baseline;
  assert.ok(growth < MAX_RSS_GROWTH, `RSS grew by ${(growth / MiB).toFixed(1)} MiB (seed ${SEED})`);
});
