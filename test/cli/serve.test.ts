// `petrel serve`: bad configuration stops it with one line; a good one answers /healthz and stops
// cleanly on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { createInstallation, oneLineError } from './cli-harness.js';

/** A port that was free a moment ago: bind to port 0 on loopback, note the port, release it. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

test('a bad PETREL_HTTP_LISTEN stops serve with one line naming it', async (t) => {
  const inst = await createInstallation();
  t.after(() => inst.cleanup());
  const result = await inst.run(['serve'], { env: { PETREL_HTTP_LISTEN: 'not-an-address' } });
  assert.notEqual(result.code, 0);
  assert.match(oneLineError(result.stderr), /PETREL_HTTP_LISTEN/);
});

test('serve answers /healthz on the configured port and exits 0 on SIGTERM', async (t) => {
  const inst = await createInstallation();
  t.after(() => inst.cleanup());
  await inst.init();
  const port = await freePort();
  const child = inst.spawn(['serve'], {
    PETREL_HTTP_LISTEN: `127.0.0.1:${port}`,
    PETREL_SMTP_LISTEN: '127.0.0.1:0',
    PETREL_SMTPS_LISTEN: '127.0.0.1:0',
    PETREL_INBOUND_LISTEN: '127.0.0.1:0',
    PETREL_LOG_LEVEL: 'info',
  });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  // The start-up line carries the HTTP URL; wait for it (or for the process to end early).
  const lines = createInterface({ input: child.stdout! });
  let httpUrl: string | undefined;
  let runtime: { node?: string; sqliteDriver?: string } | undefined;
  for await (const line of lines) {
    const event = JSON.parse(line) as { http?: string; node?: string; sqliteDriver?: string };
    if (event.sqliteDriver) runtime = event;
    if (event.http) {
      httpUrl = event.http;
      break;
    }
  }
  assert.equal(httpUrl, `http://127.0.0.1:${port}`, stderr);
  // One start-up line names the runtime and the SQLite driver it chose (docs/runtime.md).
  assert.equal(runtime?.node, process.version);
  assert.match(runtime.sqliteDriver ?? '', /^(node:sqlite|better-sqlite3)$/);

  const health = await fetch(`${httpUrl}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok' });

  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
});
