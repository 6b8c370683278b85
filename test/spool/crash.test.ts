// Nothing acknowledged is lost: a child process accepts messages under load and is SIGKILLed right
// after printing accepted ids; every printed id must be in the spool when it is reopened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { buffer } from 'node:stream/consumers';
import { pino } from 'pino';
import { openSpool } from '../../src/spool/index.js';

const SPOOL_MODULE = resolve(import.meta.dirname, '../../src/spool/index.ts');

// The child: eight concurrent "sessions" accepting small (inline) and large (body file) messages
// forever, printing each id only after accept() resolved.
const CHILD = `
import { Readable } from 'node:stream';
import { pino } from 'pino';
import { openSpool } from ${JSON.stringify(SPOOL_MODULE)};
const spool = await openSpool(process.env.SPOOL_DIR, pino({ level: 'silent' }), { inlineMaxBytes: 8192 });
const envelope = {
  mailFrom: 's@example.test', recipients: ['r@example.test'], auditRecipients: ['a@example.test'],
  sandbox: false, senderKind: 'smtp', username: 'u', accountId: 'acct', clientAddress: '127.0.0.1',
  clientHelo: 'crash.test', tls: false,
};
async function session(n) {
  for (let i = 0; ; i++) {
    const size = i % 3 === 0 ? 40000 : 900;
    const body = Buffer.alloc(size, String.fromCharCode(97 + (n % 26)));
    const { id, size: stored } = await spool.accept(envelope, Readable.from([body]), { maxBytes: 1 << 20 });
    process.stdout.write('accepted ' + id + ' ' + stored + ' ' + size + '\\n');
  }
}
for (let n = 0; n < 8; n++) void session(n);
`;

interface Acked {
  id: string;
  stored: number;
  bodySize: number;
}

async function runAndKill(dir: string, killAfter: number): Promise<Acked[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
    env: { ...process.env, SPOOL_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr = buffer(child.stderr);
  const exited = new Promise<NodeJS.Signals | null>((done) =>
    child.on('exit', (_code, signal) => done(signal)),
  );
  const acked: Acked[] = [];
  for await (const line of createInterface({ input: child.stdout })) {
    const [word, id, stored, bodySize] = line.split(' ');
    if (word !== 'accepted' || !id) continue;
    acked.push({ id, stored: Number(stored), bodySize: Number(bodySize) });
    if (acked.length === killAfter) child.kill('SIGKILL');
  }
  const signal = await exited;
  assert.equal(signal, 'SIGKILL', `the child ended on its own: ${(await stderr).toString()}`);
  return acked;
}

test(
  'SIGKILL right after accept() resolved loses no acknowledged message',
  { timeout: 120_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'petrel-crash-'));
    try {
      const everAcked: Acked[] = [];
      for (const killAfter of [25, 60, 140]) {
        everAcked.push(...(await runAndKill(dir, killAfter)));

        const spool = await openSpool(dir, pino({ level: 'silent' }));
        for (const { id, stored, bodySize } of everAcked) {
          const message = spool.queue.getMessage(id);
          assert.ok(message, `message ${id} was acknowledged but is missing`);
          assert.equal(message.size, stored);
          assert.equal(spool.queue.recipientsOf(id).length, 2);
          const body = await buffer(spool.queue.openBody(id));
          assert.equal(body.length, stored);
          assert.equal(
            body
              .subarray(body.length - bodySize)
              .toString()
              .replace(/[a-z]/g, ''),
            '',
          );
        }
        // What the kill interrupted before its commit is gone: no body file without a message.
        const fileBodies = spool.queue.fileBodyIds();
        for (const name of readdirSync(join(dir, 'bodies'))) assert.ok(fileBodies.has(name), name);
        await spool.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
