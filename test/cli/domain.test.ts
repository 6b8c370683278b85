// `petrel domain add|list|verify|remove` (SPEC §5) against a real installation and DNS server: the same
// use cases and validation as /v3/domain/*, records printed to publish, errors on one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsServer } from '../helpers/dns-server.js';
import { createInstallation, oneLineError } from './cli-harness.js';

test('domain add / verify / list / remove, and bad input on one line', async (t) => {
  const inst = await createInstallation();
  const dns = await startDnsServer({});
  t.after(async () => {
    await inst.cleanup();
    await dns.close();
  });
  await inst.init();
  const env = { env: { PETREL_DNS_SERVERS: dns.server, PETREL_RETURN_PATH_HOST: 'rp.petrel.test' } };

  const added = await inst.run(['domain', 'add', 'cli.example', '--json'], env);
  assert.equal(added.code, 0, added.stderr);
  const entry = JSON.parse(added.stdout).domains[0];
  assert.equal(entry.domain.fulldomain, 'cli.example');
  assert.equal(entry.domain.dkim_verified, false);

  dns.zone[`${entry.domain.dkim_selector}._domainkey.cli.example`] = { TXT: [entry.domain.dkim_value] };
  const verified = await inst.run(['domain', 'verify', 'cli.example'], env);
  assert.equal(verified.code, 0, verified.stderr);
  assert.match(verified.stdout, /cli\.example: publish these records/);
  assert.match(
    verified.stdout,
    new RegExp(`${entry.domain.dkim_selector}\\._domainkey\\.cli\\.example\\s+TXT\\s+v=DKIM1;.*verified`),
  );

  const list = await inst.run(['domain', 'list'], env);
  assert.match(list.stdout, /cli\.example\s+verified\s+not verified\s+not verified/);

  const suffix = await inst.run(['domain', 'add', 'co.uk'], env);
  assert.notEqual(suffix.code, 0);
  assert.match(
    oneLineError(suffix.stderr),
    /The field 'domain' must be a domain under a public suffix, found 'co\.uk'/,
  );
  const dup = await inst.run(['domain', 'add', 'cli.example', '--no-verify'], env);
  assert.match(oneLineError(dup.stderr), /already a sender domain of this account/);

  const removed = await inst.run(['domain', 'remove', 'cli.example'], env);
  assert.equal(removed.stdout.trim(), 'Removed cli.example.');
  assert.match((await inst.run(['domain', 'list'], env)).stdout, /No sender domains\./);
  assert.match((await inst.run(['domain', 'add', '--help'], env)).stdout, /Usage: petrel domain add/);
});
