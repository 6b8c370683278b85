// Listeners and TLS (SPEC §2.1): STARTTLS and implicit-TLS listeners, the advertised extensions, the
// certificate (generated into the data directory and reused, or configured), AUTH only after TLS except
// on loopback, and real clients end to end: nodemailer, Python's smtplib and swaks.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { generate } from 'selfsigned';
import { loadTlsCredentials } from '../../src/smtp/tls-credentials.js';
import { createLogger } from '../../src/logger.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { PASSWORD, acceptedId, addUser, dialogue, line, run, sendSteps } from './clients.js';

/** Resolves with the text received on `socket` up to the end of the first complete reply with `code`. */
function readReply(socket: Socket | TLSSocket, code: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      if (new RegExp(`(^|\\n)${code} [^\\n]*\\r\\n$`).test(text)) {
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

/**
 * One TLS handshake with a listener (STARTTLS first unless implicit), offering `session` when given.
 * Returns whether the server resumed it and the session ticket to offer next time (TLS 1.3 sends it
 * after the handshake, so one EHLO round trip is made before it is read).
 */
async function handshake(
  port: number,
  implicit: boolean,
  session?: Buffer,
): Promise<{ reused: boolean; session: Buffer | undefined }> {
  let secure: TLSSocket;
  const options = { rejectUnauthorized: false, ...(session ? { session } : {}) };
  if (implicit) {
    secure = tlsConnect({ host: '127.0.0.1', port, ...options });
    await readReply(secure, '220');
  } else {
    const plain = netConnect({ host: '127.0.0.1', port });
    await readReply(plain, '220');
    plain.write('EHLO resume.test\r\n');
    await readReply(plain, '250');
    plain.write('STARTTLS\r\n');
    await readReply(plain, '220');
    secure = tlsConnect({ socket: plain, ...options });
    await new Promise((resolve) => secure.once('secureConnect', resolve));
  }
  let ticket: Buffer | undefined;
  secure.on('session', (value: Buffer) => (ticket = value));
  secure.write('EHLO resume.test\r\n');
  await readReply(secure, '250');
  const reused = secure.isSessionReused();
  secure.end('QUIT\r\n');
  return { reused, session: ticket ?? secure.getSession() };
}

/** DER of a PEM certificate, as hex: what smtplib reports as the peer's certificate. */
function derHex(pem: string): string {
  return Buffer.from(new X509Certificate(pem).raw).toString('hex');
}

describe('SMTP listeners with the generated certificate', () => {
  let node: TestNode;
  let port: number;
  let tlsPort: number;

  before(async () => {
    node = await startTestNode();
    port = node.smtp.ports.smtp[0] as number;
    tlsPort = node.smtp.ports.smtps[0] as number;
    await addUser(node, 'tls-user');
  });
  after(() => node.stop());

  test('EHLO advertises the extensions of SPEC §2.1, with SIZE at 50 MiB', async () => {
    const result = await dialogue(port, [{ do: 'ehlo' }]);
    assert.equal(result.steps[0]?.code, 250);
    for (const keyword of ['pipelining', '8bitmime', 'smtputf8', 'enhancedstatuscodes', 'starttls']) {
      assert.ok(keyword in result.features, `${keyword} is advertised`);
    }
    assert.equal(result.features.size?.trim(), String(50 * 1024 * 1024));
    assert.equal(result.features.auth?.trim(), 'PLAIN LOGIN');
  });

  test('a self-signed certificate is generated into <dataDir>/tls and served on both kinds of listener', async () => {
    const certPem = readFileSync(join(node.config.dataDir, 'tls', 'cert.pem'), 'utf8');
    assert.equal(statSync(join(node.config.dataDir, 'tls', 'key.pem')).mode & 0o077, 0, 'the key is private');
    const cert = new X509Certificate(certPem);
    assert.match(cert.subject, /CN=petrel\.test/);
    assert.ok(cert.checkHost('petrel.test'));

    const starttls = await dialogue(port, [{ do: 'ehlo' }, { do: 'starttls' }]);
    assert.equal(line(starttls.steps[1]).slice(0, 9), '220 2.0.0');
    assert.equal(starttls.peer_cert, derHex(certPem));
    const implicit = await dialogue(tlsPort, [{ do: 'ehlo' }], { implicitTls: true });
    assert.equal(implicit.peer_cert, derHex(certPem));

    // A later start finds and reuses the same pair instead of making a new one.
    const again = await loadTlsCredentials(node.config, createLogger('silent'));
    assert.equal(again.source, 'reused');
    assert.equal(again.cert, certPem);
  });

  test('a client offering its last TLS session resumes it, after STARTTLS and on implicit TLS', async () => {
    for (const [listener, implicit] of [
      [port, false],
      [tlsPort, true],
    ] as const) {
      const first = await handshake(listener, implicit);
      assert.equal(first.reused, false, 'a first handshake is a full one');
      assert.ok(first.session, 'the server issued a session ticket');
      const second = await handshake(listener, implicit, first.session);
      assert.equal(second.reused, true, `resumed (${implicit ? 'implicit TLS' : 'STARTTLS'})`);
    }
  });

  test('nodemailer sends over STARTTLS and over implicit TLS', async () => {
    for (const secure of [false, true]) {
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: secure ? tlsPort : port,
        secure,
        requireTLS: !secure,
        auth: { user: 'tls-user', pass: PASSWORD },
        // The certificate is self-signed; that TLS is in use is what is checked (requireTLS/secure).
        tls: { rejectUnauthorized: false },
      });
      const info = await transport.sendMail({
        from: 'sender@example.com',
        to: ['one@example.com', 'two@example.com'],
        subject: 'Hello',
        text: 'Hello from nodemailer',
      });
      transport.close();
      const match = /^250 2\.0\.0 OK id=(\S+)$/.exec(info.response);
      assert.ok(match, info.response);
      const message = node.spool.queue.getMessage(match[1] as string);
      assert.equal(message?.tls, true);
      assert.equal(message?.username, 'tls-user');
      assert.deepEqual(info.accepted, ['one@example.com', 'two@example.com']);
    }
  });

  test('Python smtplib sends after STARTTLS', async () => {
    const result = await dialogue(port, [
      { do: 'ehlo' },
      { do: 'starttls' },
      ...sendSteps('tls-user', ['one@example.com']),
    ]);
    const id = acceptedId(result.steps[6]);
    assert.equal(node.spool.queue.getMessage(id)?.tls, true);
  });

  test('swaks sends with STARTTLS and AUTH PLAIN', async () => {
    const swaks = await run('swaks', [
      '--server',
      '127.0.0.1',
      '--port',
      String(port),
      '--tls',
      '--auth',
      'PLAIN',
      '--auth-user',
      'tls-user',
      '--auth-password',
      PASSWORD,
      '--from',
      'sender@example.com',
      '--to',
      'one@example.com',
      '--helo',
      'swaks.test',
    ]);
    assert.equal(swaks.code, 0, swaks.stdout + swaks.stderr);
    const match = /<~ +250 2\.0\.0 OK id=(\S+)/.exec(swaks.stdout);
    assert.ok(match, swaks.stdout);
    assert.equal(node.spool.queue.getMessage(match[1] as string)?.clientHelo, 'swaks.test');
  });
});

describe('AUTH requires TLS (PETREL_SMTP_AUTH_REQUIRES_TLS=always), tried on loopback', () => {
  let node: TestNode;
  let port: number;

  before(async () => {
    node = await startTestNode({ PETREL_SMTP_AUTH_REQUIRES_TLS: 'always' });
    port = node.smtp.ports.smtp[0] as number;
    await addUser(node, 'always-user');
  });
  after(() => node.stop());

  test('AUTH is neither advertised nor accepted before STARTTLS, and both after', async () => {
    const result = await dialogue(port, [
      { do: 'ehlo' },
      { do: 'auth', user: 'always-user', password: PASSWORD },
      { do: 'starttls' },
      { do: 'ehlo' },
      { do: 'auth', user: 'always-user', password: PASSWORD },
      { do: 'cmd', line: 'MAIL FROM:<sender@example.com>' },
      { do: 'cmd', line: 'RCPT TO:<one@example.com>' },
      { do: 'data' },
    ]);
    assert.ok((result.steps[1]?.code ?? 0) >= 500, `AUTH before TLS refused: ${line(result.steps[1])}`);
    assert.equal(result.features.auth?.trim(), 'PLAIN LOGIN', 'advertised after STARTTLS');
    assert.equal(line(result.steps[4]), '235 2.7.0 Authentication successful');
    acceptedId(result.steps[7]);
  });

  test('before STARTTLS the EHLO has no AUTH and MAIL FROM answers 530 5.7.0', async () => {
    const result = await dialogue(port, [
      { do: 'ehlo' },
      { do: 'cmd', line: 'MAIL FROM:<sender@example.com>' },
    ]);
    assert.ok(!('auth' in result.features), 'AUTH is not advertised');
    assert.ok('starttls' in result.features);
    assert.equal(line(result.steps[1]), '530 5.7.0 Authentication required');
  });
});

/** A non-loopback address of this machine, if it has one, to connect from. */
function externalAddress(): string | null {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}

describe('AUTH requires TLS except on loopback (the default)', { skip: externalAddress() === null }, () => {
  let node: TestNode;
  let port: number;
  const address = externalAddress() as string;

  before(async () => {
    node = await startTestNode({ PETREL_SMTP_LISTEN: `${address}:0` });
    port = node.smtp.ports.smtp[0] as number;
    await addUser(node, 'remote-user');
  });
  after(() => node.stop());

  test('from a non-loopback address AUTH appears only after STARTTLS', async () => {
    // smtplib connects to the external address, so the server sees a non-loopback client.
    const program = `
import json, smtplib, ssl, sys
s = smtplib.SMTP(${JSON.stringify(address)}, ${port}, local_hostname="client.test", timeout=60)
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s.ehlo(); before = dict(s.esmtp_features)
s.starttls(context=ctx); s.ehlo(); after = dict(s.esmtp_features)
code, text = s.login(${JSON.stringify('remote-user')}, ${JSON.stringify(PASSWORD)})
print(json.dumps({"before": before, "after": after, "login": code}))
s.quit()
`;
    const result = await run('python3', ['-c', program]);
    assert.equal(result.code, 0, result.stderr);
    const seen = JSON.parse(result.stdout) as {
      before: object;
      after: Record<string, string>;
      login: number;
    };
    assert.ok(!('auth' in seen.before), 'AUTH is not advertised before TLS');
    assert.equal(seen.after.auth?.trim(), 'PLAIN LOGIN');
    assert.equal(seen.login, 235);
  });
});

describe('configured certificate (PETREL_TLS_CERT / PETREL_TLS_KEY)', () => {
  let node: TestNode;
  let dir: string;
  let certPem: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'petrel-cert-'));
    const pems = await generate([{ name: 'commonName', value: 'configured.example' }], {
      algorithm: 'sha256',
    });
    certPem = pems.cert;
    writeFileSync(join(dir, 'cert.pem'), pems.cert);
    writeFileSync(join(dir, 'key.pem'), pems.private);
    node = await startTestNode({
      PETREL_TLS_CERT: join(dir, 'cert.pem'),
      PETREL_TLS_KEY: join(dir, 'key.pem'),
    });
  });
  after(async () => {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the configured certificate is served and none is generated', async () => {
    const result = await dialogue(node.smtp.ports.smtp[0] as number, [{ do: 'ehlo' }, { do: 'starttls' }]);
    assert.equal(result.peer_cert, derHex(certPem));
    const implicit = await dialogue(node.smtp.ports.smtps[0] as number, [{ do: 'ehlo' }], {
      implicitTls: true,
    });
    assert.equal(implicit.peer_cert, derHex(certPem));
    assert.throws(() => statSync(join(node.config.dataDir, 'tls', 'cert.pem')), { code: 'ENOENT' });
  });
});
