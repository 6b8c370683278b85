// Configuration: defaults ← file ← environment, and one clear error naming a bad setting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/load.js';

function configFile(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'petrel-config-')), 'petrel.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

test('embedded defaults match SPEC §4.2', () => {
  const c = loadConfig({ env: {} });
  assert.equal(c.dataDir, './data');
  assert.equal(c.databaseUrl, null);
  assert.deepEqual(c.httpListen, { host: '127.0.0.1', port: 8080 });
  assert.deepEqual(c.smtpListen, [{ host: '127.0.0.1', port: 2525 }]);
  assert.deepEqual(c.smtpsListen, [{ host: '127.0.0.1', port: 8465 }]);
  assert.equal(c.publicUrl, 'http://127.0.0.1:8080');
  assert.equal(c.smarthost, null);
  assert.deepEqual(c.dnsServers, []);
  assert.deepEqual(c.ipPools, []);
  assert.equal(c.logLevel, 'info');
  assert.equal(c.apiRequestsPerMinute, 600);
  assert.equal(c.smtpMaxMessageBytes, 50 * 1024 * 1024);
});

test('the environment overrides the file, which overrides the defaults', () => {
  const file = configFile({ dataDir: '/from/file', logLevel: 'debug', PETREL_HOSTNAME: 'file.example' });
  const c = loadConfig({ file, env: { PETREL_LOG_LEVEL: 'warn' } });
  assert.equal(c.dataDir, '/from/file');
  assert.equal(c.logLevel, 'warn');
  assert.equal(c.hostname, 'file.example');
});

test('lists and JSON settings are parsed', () => {
  const c = loadConfig({
    env: {
      PETREL_SMTP_LISTEN: '127.0.0.1:25, 127.0.0.1:587',
      PETREL_DNS_SERVERS: '127.0.0.1:5353,::1',
      PETREL_SMARTHOST: 'relay.example:2525',
      PETREL_IP_POOLS:
        '[{"id":1,"name":"Main Pool","ip_addresses":["127.0.0.2"],"ehlo":"mta1.example","accounts":"*"}]',
      PETREL_DATABASE_URL: 'postgres://u@127.0.0.1/db',
    },
  });
  assert.deepEqual(c.smtpListen, [
    { host: '127.0.0.1', port: 25 },
    { host: '127.0.0.1', port: 587 },
  ]);
  assert.deepEqual(c.dnsServers, ['127.0.0.1:5353', '::1']);
  assert.deepEqual(c.smarthost, { host: 'relay.example', port: 2525 });
  assert.deepEqual(c.ipPools, [
    { id: 1, name: 'Main Pool', ip_addresses: ['127.0.0.2'], ehlo: 'mta1.example', accounts: '*' },
  ]);
  assert.equal(c.databaseUrl, 'postgres://u@127.0.0.1/db');
});

const BAD: [string, Record<string, string>, RegExp][] = [
  ['listen address', { PETREL_HTTP_LISTEN: 'nonsense' }, /PETREL_HTTP_LISTEN must look like host:port/],
  ['port out of range', { PETREL_SMTP_LISTEN: '127.0.0.1:70000' }, /PETREL_SMTP_LISTEN/],
  ['database URL', { PETREL_DATABASE_URL: 'mysql://x' }, /PETREL_DATABASE_URL must be a postgres:\/\/ URL/],
  ['log level', { PETREL_LOG_LEVEL: 'loud' }, /PETREL_LOG_LEVEL must be one of/],
  ['pools JSON', { PETREL_IP_POOLS: '[{' }, /PETREL_IP_POOLS is not valid JSON/],
  [
    'pool address',
    { PETREL_IP_POOLS: '[{"id":1,"name":"x","ip_addresses":["nope"]}]' },
    /PETREL_IP_POOLS\[0\]\.ip_addresses/,
  ],
  ['public URL', { PETREL_PUBLIC_URL: 'ftp://x' }, /PETREL_PUBLIC_URL must be an http\(s\) URL/],
  ['DNS server', { PETREL_DNS_SERVERS: 'dns.example' }, /PETREL_DNS_SERVERS has 'dns.example'/],
  [
    'request limit',
    { PETREL_API_REQUESTS_PER_MINUTE: '0' },
    /PETREL_API_REQUESTS_PER_MINUTE must be a positive integer/,
  ],
  ['half a TLS pair', { PETREL_TLS_CERT: '/x.pem' }, /PETREL_TLS_CERT\/PETREL_TLS_KEY must be set together/],
];

for (const [name, env, message] of BAD) {
  test(`a bad ${name} stops with one line naming the setting`, () => {
    assert.throws(
      () => loadConfig({ env }),
      (err: unknown) =>
        err instanceof ConfigError && message.test(err.message) && !err.message.includes('\n'),
    );
  });
}

test('an unknown setting in the file is refused by name', () => {
  const file = configFile({ dataDri: '/typo' });
  assert.throws(() => loadConfig({ file, env: {} }), /'dataDri' in .* is not a known setting/);
});

test('a config file that is not JSON is refused', () => {
  const file = configFile('{ nope');
  assert.throws(() => loadConfig({ file, env: {} }), /is not valid JSON/);
});
