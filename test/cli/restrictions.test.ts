// `petrel allowed-senders|allowed-recipients|ip-allow|ip-auth`: the restriction operations of SPEC §8 from
// the command line — the API's answers with --json, its validation messages, and --help on each command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createInstallation, oneLineError } from './cli-harness.js';

test('restriction commands: --help, lists, IP allow list, IP auth, and the API’s errors', async (t) => {
  const inst = await createInstallation();
  t.after(() => inst.cleanup());
  await inst.init();
  const ok = async (args: string[]) => {
    const result = await inst.run(args);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout;
  };

  for (const [args, expected] of [
    [
      ['allowed-senders', 'set', '--help'],
      ['--mode <mode>', '--subaccount-id <id>', '--json', 'Example'],
    ],
    [
      ['allowed-recipients', 'add', '--help'],
      ['--enable', '<entries...>', 'Example'],
    ],
    [
      ['ip-allow', '--help'],
      ['list', 'enable', 'disable', 'add', 'edit', 'remove'],
    ],
    [
      ['ip-allow', 'add', '--help'],
      ['--type <type>', '--description <text>', 'Example'],
    ],
    [
      ['ip-auth', 'set', '--help'],
      ['--status <status>', '--description <text>', 'Example'],
    ],
  ] as [string[], string[]][]) {
    const help = await ok(args);
    for (const word of expected) assert.ok(help.includes(word), `${args.join(' ')} --help lacks ${word}`);
  }

  assert.deepEqual(
    JSON.parse(await ok(['allowed-senders', 'set', '--mode', 'whitelist', 'Shop.Example', '--json'])),
    {
      allowed_senders: ['shop.example'],
      mode: 'whitelist',
    },
  );
  assert.deepEqual(
    JSON.parse(await ok(['allowed-recipients', 'add', '--enable', 'team.example', '--json'])),
    {
      allowed_recipients: ['team.example'],
      enabled: true,
    },
  );
  const badEntry = await inst.run(['allowed-senders', 'add', 'not an address']);
  assert.equal(badEntry.code, 1);
  assert.match(
    oneLineError(badEntry.stderr),
    /^petrel: The field 'allowed_senders' entry 1 must be an email address/,
  );

  await ok(['ip-allow', 'add', '2001:DB8::/48', '--type', 'api', '--description', 'office']);
  await ok(['ip-allow', 'enable', '--type', 'api']);
  assert.deepEqual(JSON.parse(await ok(['ip-allow', 'list', '--type', 'api', '--json'])), {
    enabled: true,
    ip_addresses: [{ ip_address: '2001:db8::/48', description: 'office' }],
  });
  const overlap = await inst.run(['ip-allow', 'add', '2001:db8:0:1::/64', '--type', 'api']);
  assert.equal(overlap.code, 1);
  assert.match(oneLineError(overlap.stderr), /overlaps '2001:db8::\/48'/);
  const malformed = await inst.run(['ip-allow', 'add', '10.0.0.0/40']);
  assert.equal(malformed.code, 1);
  assert.match(
    oneLineError(malformed.stderr),
    /^petrel: The field 'ip_address' has a prefix length outside 0 to 32/,
  );

  const set = JSON.parse(await ok(['ip-auth', 'set', '192.0.2.10', '--status', 'sandbox', '--json']));
  assert.equal(set.ip_address, '192.0.2.10');
  assert.equal(set.status, 'sandbox');
  assert.match(await ok(['ip-auth', 'list']), /192\.0\.2\.10\s+sandbox/);
  assert.match(await ok(['ip-auth', 'remove', '192.0.2.10']), /Removed IP auth entry 192\.0\.2\.10/);
  const gone = await inst.run(['ip-auth', 'remove', '192.0.2.10']);
  assert.equal(gone.code, 1);
  assert.equal(oneLineError(gone.stderr), "petrel: No IP auth entry '192.0.2.10' in this account");
});
