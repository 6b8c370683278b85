// `petrel apikey create`: a new key for an existing account, that the API then accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logger.js';
import { startNode } from '../../src/server.js';
import { createInstallation, oneLineError, type Installation } from './cli-harness.js';

/** Starts a node in this process on the installation's database and asks /v3/users/smtp/view with `key`. */
async function viewStatus(inst: Installation, key: string): Promise<number> {
  const config = loadConfig({
    env: {
      ...inst.env,
      PETREL_HTTP_LISTEN: '127.0.0.1:0',
      PETREL_SMTP_LISTEN: '127.0.0.1:0',
      PETREL_SMTPS_LISTEN: '127.0.0.1:0',
      PETREL_INBOUND_LISTEN: '127.0.0.1:0',
      PETREL_LOG_LEVEL: 'silent',
    },
  });
  const node = await startNode(config, createLogger('silent'));
  try {
    const response = await fetch(`${node.httpUrl}/v3/users/smtp/view`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-smtp2go-api-key': key },
      body: '{}',
    });
    await response.body?.cancel();
    return response.status;
  } finally {
    await node.close();
  }
}

test('apikey create --json answers a new key with its endpoints, and the API accepts it', async (t) => {
  const inst = await createInstallation();
  t.after(() => inst.cleanup());
  const master = await inst.init();
  const result = await inst.run([
    'apikey',
    'create',
    '--account',
    master.account_id,
    '--endpoints',
    '/users/smtp/*, /dedicated_ips/view',
    '--description',
    'provisioning',
    '--json',
  ]);
  assert.equal(result.code, 0, result.stderr);
  const key = JSON.parse(result.stdout);
  assert.match(key.api_key, /^api-[A-F0-9]{32}$/);
  assert.notEqual(key.api_key, master.api_key);
  assert.equal(typeof key.id, 'string');
  assert.equal(key.description, 'provisioning');
  assert.deepEqual(key.endpoints, ['/users/smtp/*', '/dedicated_ips/view']);
  assert.equal(key.status, 'allowed');
  assert.equal(await viewStatus(inst, key.api_key), 200);
});

test('a key limited to other endpoints is refused by the API', async (t) => {
  const inst = await createInstallation();
  t.after(() => inst.cleanup());
  const master = await inst.init();
  const result = await inst.run([
    'apikey',
    'create',
    '--account',
    master.account_id,
    '--endpoints',
    '/email/send',
  ]);
  assert.equal(result.code, 0, result.stderr);
  const key = /API key: +(api-[A-F0-9]{32})/.exec(result.stdout)?.[1];
  assert.ok(key, result.stdout);
  assert.match(result.stdout, /shown only now/);
  assert.equal(await viewStatus(inst, key), 403);
});

test('apikey create for an unknown account is one line, exit 1', async (t) => {
  const inst = await createInstallation();
  t.after(() => inst.cleanup());
  await inst.init();
  const result = await inst.run(['apikey', 'create', '--account', 'nosuchaccount']);
  assert.equal(result.code, 1);
  assert.equal(oneLineError(result.stderr), "petrel: There is no account 'nosuchaccount'");
});

test('apikey create without --account is a usage error (exit 2)', async (t) => {
  const inst = await createInstallation();
  t.after(() => inst.cleanup());
  const result = await inst.run(['apikey', 'create']);
  assert.equal(result.code, 2);
  assert.match(oneLineError(result.stderr), /--account/);
});
