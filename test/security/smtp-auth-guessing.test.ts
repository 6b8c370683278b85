// Parallel AUTH guessing gains nothing (SPEC §10, §2.2): an attempt counts against the back-off when it
// starts, not when its slow hash finishes; connections and AUTH attempts in progress per client address
// are capped. Every refused client still gets a reply before the connection closes.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { PASSWORD, addUser } from '../smtp/clients.js';

/** A raw SMTP client on loopback: each call sends one line (or nothing) and reads one whole reply. */
class RawClient {
  readonly #socket: Socket;
  #buffer = '';
  #closed = false;
  readonly #waiting: (() => void)[] = [];

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.#buffer += d;
      this.#waiting.splice(0).forEach((w) => w());
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#waiting.splice(0).forEach((w) => w());
    });
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** The next complete reply ("code text" of its last line), or null when the server closed first. */
  async reply(): Promise<string | null> {
    for (;;) {
      const match = /^(?:\d{3}-[^\n]*\n)*(\d{3} [^\r\n]*)\r?\n/.exec(this.#buffer);
      if (match) {
        this.#buffer = this.#buffer.slice(match[0].length);
        return match[1] as string;
      }
      if (this.#closed) return null;
      await new Promise<void>((r) => this.#waiting.push(r));
    }
  }

  async command(line: string): Promise<string | null> {
    if (!this.#closed) this.#socket.write(line + '\r\n');
    return this.reply();
  }

  /** Resolves once the server has closed the connection. */
  async closedByServer(): Promise<boolean> {
    while (!this.#closed) await new Promise<void>((r) => this.#waiting.push(r));
    return true;
  }

  end(): void {
    this.#socket.destroy();
  }
}

function plain(user: string, password: string): string {
  return Buffer.from(`\0${user}\0${password}`).toString('base64');
}

/** Greeting, EHLO and one AUTH PLAIN: the reply to AUTH (or the greeting's refusal). */
async function tryLogin(port: number, user: string, password: string): Promise<string | null> {
  const client = await RawClient.open(port);
  try {
    const greeting = await client.reply();
    if (!greeting?.startsWith('220')) return greeting;
    await client.command('EHLO guesser.test');
    return await client.command(`AUTH PLAIN ${plain(user, password)}`);
  } finally {
    client.end();
  }
}

describe('AUTH back-off counts attempts when they start', () => {
  let node: TestNode;
  let port: number;
  before(async () => {
    node = await startTestNode();
    port = node.smtp.ports.smtp[0] as number;
    await addUser(node, 'guess-target');
  });
  after(() => node.stop());

  test('40 parallel wrong passwords: at most 10 get 535, the others are refused with 421/454', async () => {
    const replies = await Promise.all(
      Array.from({ length: 40 }, (_, i) => tryLogin(port, 'guess-target', `wrong-${i}`)),
    );
    const invalid = replies.filter((r) => r === '535 5.7.8 Authentication credentials invalid');
    assert.ok(invalid.length <= 10, `${invalid.length} attempts were checked: ${replies.join(' | ')}`);
    for (const r of replies) {
      assert.match(r ?? 'no reply', /^(535 5\.7\.8|421 4\.7\.0|454 4\.7\.0) /);
    }
    // The back-off now holds: even the right password is refused from this address.
    assert.match((await tryLogin(port, 'guess-target', PASSWORD)) ?? '', /^421 4\.7\.0 /);
  });
});

describe('connections per client address are capped', () => {
  let node: TestNode;
  let port: number;
  before(async () => {
    node = await startTestNode({ PETREL_SMTP_MAX_CONNECTIONS_PER_IP: '3' });
    port = node.smtp.ports.smtp[0] as number;
  });
  after(() => node.stop());

  test('beyond the cap: 421 4.7.0 and close; a freed slot is usable again', async () => {
    const open = await Promise.all([1, 2, 3].map(() => RawClient.open(port)));
    for (const c of open) assert.match((await c.reply()) ?? '', /^220 /);
    const extra = await RawClient.open(port);
    assert.equal(await extra.reply(), '421 4.7.0 Too many connections from your address; try again later');
    assert.equal(await extra.closedByServer(), true);
    open[0]?.end();
    // The freed slot is counted back once the server has seen the close.
    let again: string | null = null;
    for (let i = 0; i < 50 && !again?.startsWith('220'); i++) {
      const client = await RawClient.open(port);
      again = await client.reply();
      client.end();
      if (!again?.startsWith('220')) await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(again ?? '', /^220 /);
    for (const c of open) c.end();
  });
});

describe('concurrent AUTH per client address is capped', () => {
  let node: TestNode;
  let port: number;
  before(async () => {
    node = await startTestNode({
      PETREL_SMTP_MAX_CONCURRENT_AUTH_PER_IP: '2',
      PETREL_SMTP_AUTH_FAILURE_LIMIT: '1000',
    });
    port = node.smtp.ports.smtp[0] as number;
    await addUser(node, 'busy-target');
  });
  after(() => node.stop());

  test('attempts beyond the cap are answered 454 4.7.0 without being checked', async () => {
    const replies = await Promise.all(
      Array.from({ length: 12 }, (_, i) => tryLogin(port, 'busy-target', `wrong-${i}`)),
    );
    const busy = replies.filter(
      (r) =>
        r === '454 4.7.0 Too many authentication attempts in progress from your address; try again later',
    );
    assert.ok(busy.length >= 1, replies.join(' | '));
    for (const r of replies) assert.match(r ?? 'no reply', /^(535 5\.7\.8|454 4\.7\.0) /);
  });
});
