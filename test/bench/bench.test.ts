// `petrel bench` against a real SMTP server (nodemailer's smtp-server) on loopback: the counts it
// reports match what the server saw and answered, over plain, STARTTLS and implicit TLS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { generate } from 'selfsigned';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { runBench, type BenchOptions, type BenchResult } from '../../src/bench/run.js';

interface Seen {
  users: Set<string>;
  messages: number;
  secure: number;
  /** TLS handshakes that resumed an earlier session. */
  resumed: number;
  recipients: number[];
  sizes: number[];
}

async function startServer(
  extra: Partial<SMTPServerOptions> = {},
  reject: (n: number) => number | null = () => null,
): Promise<{ port: number; seen: Seen; close: () => Promise<void> }> {
  const seen: Seen = { users: new Set(), messages: 0, secure: 0, resumed: 0, recipients: [], sizes: [] };
  const server = new SMTPServer({
    logger: false,
    allowInsecureAuth: true,
    authMethods: ['PLAIN'],
    onSecure(socket, _session, callback) {
      if ('isSessionReused' in socket && socket.isSessionReused()) seen.resumed++;
      callback();
    },
    onAuth(auth, _session, callback) {
      if (auth.password !== 'secret') return callback(new Error('Authentication credentials invalid'));
      seen.users.add(auth.username ?? '');
      callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      void buffer(stream).then((data) => {
        const n = ++seen.messages;
        seen.sizes.push(data.length);
        seen.recipients.push(session.envelope.rcptTo.length);
        if (session.secure) seen.secure++;
        const code = reject(n);
        if (code === null) return callback(null, 'OK queued');
        callback(Object.assign(new Error('Try again later'), { responseCode: code }));
      });
    },
    ...extra,
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.server.address() as AddressInfo).port;
  return { port, seen, close: () => new Promise((done) => server.close(() => done())) };
}

function options(port: number, overrides: Partial<BenchOptions> = {}): BenchOptions {
  return {
    host: '127.0.0.1',
    port,
    tls: 'none',
    verifyCertificate: false,
    user: 'bench',
    password: 'secret',
    sessions: 4,
    messages: 60,
    size: 1024,
    recipients: 1,
    durationSeconds: 60,
    from: 'bench@example.test',
    to: 'rcpt@example.test',
    helo: 'bench.test',
    ...overrides,
  };
}

test('every message is counted: accepted, and failures by the reply code the server gave', async () => {
  // The server refuses every fifth message at the end of DATA with 451.
  const server = await startServer({ disabledCommands: ['STARTTLS'] }, (n) => (n % 5 === 0 ? 451 : null));
  try {
    const result = await runBench(options(server.port, { recipients: 3, size: 2000 }));
    assert.equal(result.accepted, 48);
    assert.equal(result.failed, 12);
    assert.deepEqual(result.failures, { '451': 12 });
    assert.deepEqual(result.setupFailures, {});
    assert.equal(result.timedOut, false);
    assert.equal(server.seen.messages, 60);
    assert.deepEqual([...server.seen.users], ['bench']);
    assert.ok(server.seen.recipients.every((n) => n === 3));
    // The size asked for is the size the server received (within the final line's rounding).
    assert.ok(
      server.seen.sizes.every((s) => s >= 1998 && s <= 2000),
      String(server.seen.sizes[0]),
    );
    assert.ok(result.acceptedPerSecond > 0);
    const { dataEnd, transaction } = result.latencyMs;
    assert.ok(dataEnd.p50 <= dataEnd.p90 && dataEnd.p90 <= dataEnd.p99 && dataEnd.p99 <= dataEnd.max);
    assert.ok(transaction.max >= dataEnd.max);
  } finally {
    await server.close();
  }
});

test('STARTTLS and implicit TLS sessions are encrypted and resumed, and a wrong password is reported per stage', async () => {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048 });
  const tlsOptions = { key: pems.private, cert: pems.cert };
  const starttls = await startServer(tlsOptions);
  const implicit = await startServer({ ...tlsOptions, secure: true });
  try {
    let result: BenchResult = await runBench(options(starttls.port, { tls: 'starttls', messages: 20 }));
    assert.equal(result.accepted, 20);
    assert.equal(starttls.seen.secure, 20);

    result = await runBench(options(implicit.port, { tls: 'implicit', messages: 20 }));
    assert.equal(result.accepted, 20);
    assert.equal(implicit.seen.secure, 20);

    // The runs above open their sessions side by side, so how many of those resumed depends on timing;
    // count only this run's, whose three tries follow one another.
    const resumedBefore = starttls.seen.resumed;
    result = await runBench(options(starttls.port, { tls: 'starttls', password: 'wrong', sessions: 1 }));
    assert.equal(result.accepted, 0);
    assert.deepEqual(result.setupFailures, { 'AUTH:535': 3 }); // 3 tries
    // Each new connection offers the session ticket of the last one, as an MTA's session cache does.
    assert.equal(starttls.seen.resumed - resumedBefore, 2);
  } finally {
    await starttls.close();
    await implicit.close();
  }
});

test('--rate offers the load: message n starts no sooner than n / rate seconds into the run', async () => {
  const mailAt: number[] = [];
  const server = await startServer({
    disabledCommands: ['STARTTLS'],
    onMailFrom(_address, _session, callback) {
      mailAt.push(performance.now());
      callback();
    },
  });
  try {
    const t0 = performance.now();
    const result = await runBench(options(server.port, { messages: 20, ratePerSecond: 40 }));
    assert.equal(result.accepted, 20);
    // Lower bounds only: however slow the machine, the k-th MAIL FROM to arrive cannot come before the
    // turn of message k (k messages with earlier turns must have started first).
    mailAt.sort((a, b) => a - b);
    mailAt.forEach((at, k) => assert.ok(at >= t0 + (k * 1000) / 40, `MAIL ${k} came ${at - t0} ms in`));
  } finally {
    await server.close();
  }
});

test('--duration is a hard bound: a server that never answers DATA leaves the run stopped, not hung', async () => {
  const server = await startServer({
    disabledCommands: ['STARTTLS'],
    onData(stream) {
      stream.resume(); // never calls back: the 250 never comes
    },
  });
  try {
    const result = await runBench(options(server.port, { durationSeconds: 1 }));
    assert.equal(result.timedOut, true);
    assert.equal(result.accepted, 0);
    assert.equal(result.unfinished, 4);
    assert.equal(result.failed, 0);
  } finally {
    await server.close();
  }
});

test('`petrel bench` prints the same counts as JSON', async () => {
  const server = await startServer({ disabledCommands: ['STARTTLS'] }, (n) => (n === 7 ? 554 : null));
  try {
    const cli = resolve(import.meta.dirname, '../../src/cli/main.ts');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        cli,
        'bench',
        '--port',
        String(server.port),
        '--user',
        'bench',
        '--password',
        'secret',
        '--sessions',
        '3',
        '--messages',
        '25',
        '--json',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const [stdout, code] = await Promise.all([
      buffer(child.stdout),
      new Promise<number | null>((done) => child.on('exit', done)),
    ]);
    assert.equal(code, 0);
    const result = JSON.parse(stdout.toString()) as BenchResult;
    assert.equal(result.accepted, 24);
    assert.deepEqual(result.failures, { '554': 1 });
    assert.equal(result.sessions, 3);
    assert.equal(server.seen.messages, 25);
  } finally {
    await server.close();
  }
});
