// `petrel serve` runs the inbound listener (SPEC §6) on every node, with its settings: it answers on
// PETREL_INBOUND_LISTEN, offers STARTTLS and no AUTH, and stops with the node; a bad or busy
// address stops start-up with one line naming the setting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { loadConfig } from '../../src/config/load.js';
import { createInstallation, oneLineError } from '../cli/cli-harness.js';
import { freePorts, startPetrel } from '../helpers/petrel-process.js';
import { dialogue } from '../smtp/clients.js';

test('the settings: defaults, and one clear line for a bad value', () => {
  const config = loadConfig({ env: {} });
  assert.deepEqual(config.inboundListen, { host: '127.0.0.1', port: 2625 });
  assert.equal(config.returnPathHost, null);
  const set = loadConfig({
    env: { PETREL_INBOUND_LISTEN: '0.0.0.0:25', PETREL_RETURN_PATH_HOST: 'Bounces.Example.NET' },
  });
  assert.deepEqual(set.inboundListen, { host: '0.0.0.0', port: 25 });
  assert.equal(set.returnPathHost, 'bounces.example.net');
  assert.throws(
    () => loadConfig({ env: { PETREL_RETURN_PATH_HOST: 'not a host' } }),
    /Invalid configuration: PETREL_RETURN_PATH_HOST must be a host name, found 'not a host'/,
  );
  assert.throws(() => loadConfig({ env: { PETREL_INBOUND_LISTEN: 'nowhere' } }), /PETREL_INBOUND_LISTEN/);
});

test('petrel serve answers on PETREL_INBOUND_LISTEN and closes it on SIGTERM', async (t) => {
  const inst = await createInstallation();
  t.after(() => inst.cleanup());
  await inst.init();
  const [http = 0, smtp = 0, smtps = 0, inbound = 0] = await freePorts(4);
  const node = await startPetrel(
    { ...inst.env, PETREL_INBOUND_LISTEN: `127.0.0.1:${inbound}`, PETREL_RETURN_PATH_HOST: 'rp.serve.test' },
    { http, smtp, smtps },
  );
  t.after(() => node.kill('SIGKILL'));
  const session = await dialogue(inbound, [
    { do: 'ehlo' },
    { do: 'cmd', line: 'MAIL FROM:<>' },
    { do: 'cmd', line: 'RCPT TO:<someone@rp.serve.test>' },
    { do: 'cmd', line: 'RCPT TO:<postmaster@rp.serve.test>' },
  ]);
  assert.ok('starttls' in session.features, JSON.stringify(session.features));
  assert.ok(!('auth' in session.features));
  assert.deepEqual(
    session.steps.map((s) => s.code),
    [250, 250, 550, 250],
  );
  assert.match(session.steps[2]?.text ?? '', /^5\.1\.1 /);
  const exit = await node.kill('SIGTERM');
  assert.equal(exit.code, 0, node.output());
  // Closed with the node: a new connection is refused.
  const refused = await new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(inbound, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
  assert.ok(refused, 'the inbound port is free again');
});

test('a busy PETREL_INBOUND_LISTEN stops serve with one line naming it', async (t) => {
  const inst = await createInstallation();
  t.after(() => inst.cleanup());
  await inst.init();
  const busy: Server = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', () => resolve()));
  t.after(() => busy.close());
  const address = busy.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const result = await inst.run(['serve'], {
    env: {
      PETREL_HTTP_LISTEN: '127.0.0.1:0',
      PETREL_SMTP_LISTEN: '127.0.0.1:0',
      PETREL_SMTPS_LISTEN: '127.0.0.1:0',
      PETREL_INBOUND_LISTEN: `127.0.0.1:${port}`,
    },
  });
  assert.notEqual(result.code, 0);
  assert.match(
    oneLineError(result.stderr),
    /PETREL_INBOUND_LISTEN cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)/,
  );
});
