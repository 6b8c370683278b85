// `petrel suppression add|list|remove` (SPEC §8): the same list as /v3/suppression/*, on a real store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createInstallation, oneLineError } from './cli-harness.js';

test('suppression add, list and remove work on the account and answer like the API', async (t) => {
  const inst = await createInstallation();
  t.after(() => inst.cleanup());
  await inst.init();

  const added = await inst.run([
    'suppression',
    'add',
    'Bad.Example',
    '--description',
    'whole domain',
    '--json',
  ]);
  assert.equal(added.code, 0, added.stderr);
  assert.deepEqual(JSON.parse(added.stdout), {
    added: true,
    email_address: 'bad.example',
    block_description: 'whole domain',
  });
  const again = await inst.run(['suppression', 'add', 'bad.example']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /bad\.example was already suppressed/);
  assert.equal((await inst.run(['suppression', 'add', 'carol@example.org'])).code, 0);

  const listed = await inst.run(['suppression', 'list', '--json']);
  assert.equal(listed.code, 0, listed.stderr);
  const page = JSON.parse(listed.stdout) as {
    results: { email_address: string; reason: string }[];
    total_results: number;
  };
  assert.equal(page.total_results, 2);
  assert.deepEqual(page.results.map((r) => [r.email_address, r.reason]).sort(), [
    ['bad.example', 'manual'],
    ['carol@example.org', 'manual'],
  ]);
  const table = await inst.run(['suppression', 'list', '--search', 'bad']);
  assert.match(table.stdout, /ADDRESS\s+REASON/);
  assert.match(table.stdout, /bad\.example\s+manual/);
  assert.doesNotMatch(table.stdout, /carol/);

  const removed = await inst.run(['suppression', 'remove', 'bad.example', '--json']);
  assert.equal(removed.code, 0, removed.stderr);
  assert.deepEqual(JSON.parse(removed.stdout), {
    suppressions: [{ email_address: 'bad.example', reason: 'manual', removed: true }],
  });
  const left = JSON.parse((await inst.run(['suppression', 'list', '--json'])).stdout) as {
    total_results: number;
  };
  assert.equal(left.total_results, 1);

  const bad = await inst.run(['suppression', 'add', 'not an address']);
  assert.equal(bad.code, 1);
  assert.match(oneLineError(bad.stderr), /email_address.*not an address/);
  const badType = await inst.run(['suppression', 'list', '--types', 'nice']);
  assert.notEqual(badType.code, 0);
  assert.match(oneLineError(badType.stderr), /suppression_types/);
});

test('suppression --help documents each command', async (t) => {
  const inst = await createInstallation();
  t.after(() => inst.cleanup());
  for (const [args, words] of [
    [['suppression'], ['add', 'list', 'remove']],
    [
      ['suppression', 'add'],
      ['<address-or-domain>', '--description <text>', '--subaccount-id <id>', '--json', 'Example'],
    ],
    [
      ['suppression', 'list'],
      ['--search <text>', '--types <list>', '--limit <n>', '--continue-token <token>', 'Example'],
    ],
    [
      ['suppression', 'remove'],
      ['<address-or-domain>', '--types <list>', 'Example'],
    ],
  ] as [string[], string[]][]) {
    const help = await inst.run([...args, '--help']);
    assert.equal(help.code, 0, help.stderr);
    for (const word of words) assert.ok(help.stdout.includes(word), `${args.join(' ')} --help lacks ${word}`);
  }
});
