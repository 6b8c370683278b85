// `petrel user add|list|edit|remove`: the API's SMTP-user operations, validation messages and result
// objects, from the command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode } from '../helpers/node.js';
import { createInstallation, oneLineError, type Installation } from './cli-harness.js';

/** The API's error message for an add request with this body. */
async function apiAddError(body: Record<string, unknown>): Promise<string> {
  const node = await startTestNode();
  try {
    const answer = await node.call('/users/smtp/add', body);
    assert.equal(answer.status, 400);
    return answer.body.data.error as string;
  } finally {
    await node.stop();
  }
}

async function initialised(t: { after(fn: () => Promise<void>): void }): Promise<Installation> {
  const inst = await createInstallation();
  t.after(() => inst.cleanup());
  await inst.init();
  return inst;
}

test('a weak password is refused with the API message, exit 1', async (t) => {
  const inst = await initialised(t);
  const result = await inst.run(['user', 'add', '--username', 'weak-user', '--password', 'abcdefghijk']);
  assert.equal(result.code, 1);
  const line = oneLineError(result.stderr);
  assert.equal(line, 'petrel: email_password has an estimated 52 bits of entropy; at least 64 are required');
  const api = await apiAddError({ username: 'weak-user', email_password: 'abcdefghijk' });
  assert.equal(line, `petrel: ${api}`);
});

test('a non-numeric --ip-pool gets the same validation message as the API', async (t) => {
  const inst = await initialised(t);
  const result = await inst.run(['user', 'add', '--username', 'acme-web', '--ip-pool', 'abc']);
  assert.equal(result.code, 1);
  const api = await apiAddError({ username: 'acme-web', ip_pool: 'abc' });
  assert.match(api, /ip_pool/);
  assert.equal(oneLineError(result.stderr), `petrel: ${api}`);
});

test('a missing --username gets the API message for the missing field', async (t) => {
  const inst = await initialised(t);
  const result = await inst.run(['user', 'add', '--status', 'allowed']);
  assert.equal(result.code, 1);
  assert.equal(oneLineError(result.stderr), "petrel: The field 'username' is required");
});

test('add, list, edit and remove round trip with --json, fields typed as in the API', async (t) => {
  const inst = await initialised(t);
  const env = { PETREL_IP_POOLS: '[{"id":7,"name":"Main Pool","ip_addresses":["127.0.0.2"]}]' };
  const add = await inst.run(
    [
      'user',
      'add',
      '--username',
      'acme-web',
      '--description',
      'web shop',
      '--custom-ratelimit-value',
      '500',
      '--custom-ratelimit-period',
      '1 hour',
      '--ip-pool',
      '7',
      '--open-tracking',
      '--archive',
      '--audit-email',
      'audit@example.com',
      '--bounce-notifications',
      'drop',
      '--json',
    ],
    { env },
  );
  assert.equal(add.code, 0, add.stderr);
  const added = JSON.parse(add.stdout);
  assert.equal(added.username, 'acme-web');
  assert.match(added.email_password, /^[A-Za-z0-9]{24}$/);
  assert.equal(added.custom_ratelimit, true);
  assert.equal(added.custom_ratelimit_value, 500);
  assert.equal(added.custom_ratelimit_period, '1:00:00');
  assert.equal(added.ippool, 7);
  assert.equal(added.open_tracking_enabled, true);
  assert.equal(added.click_tracking_enabled, false);
  assert.equal(added.archive_enabled, true);
  assert.equal(added.audit_email, 'audit@example.com');
  assert.equal(added.bounce_notifications, 'drop');
  assert.equal(added.description, 'web shop');
  assert.equal(added.comments, 'web shop');
  assert.equal(added.status, 'allowed');
  assert.equal(added.sending_allowed, true);

  const list = await inst.run(['user', 'list', '--json'], { env });
  assert.equal(list.code, 0, list.stderr);
  const listed = JSON.parse(list.stdout);
  assert.equal(listed.length, 1);
  assert.deepEqual(listed[0], { ...added, email_password: null });

  const edit = await inst.run(
    [
      'user',
      'edit',
      '--username',
      'acme-web',
      '--no-custom-ratelimit',
      '--status',
      'blocked',
      '--no-archive',
      '--ip-pool',
      'none',
      '--json',
    ],
    { env },
  );
  assert.equal(edit.code, 0, edit.stderr);
  const edited = JSON.parse(edit.stdout);
  assert.equal(edited.custom_ratelimit, false);
  assert.equal(edited.custom_ratelimit_value, null);
  assert.equal(edited.custom_ratelimit_period, '0:00:00');
  assert.equal(edited.status, 'blocked');
  assert.equal(edited.sending_allowed, false);
  assert.equal(edited.archive_enabled, false);
  assert.equal(edited.ippool, null);
  assert.equal(edited.open_tracking_enabled, true, 'fields left out keep their value');
  assert.equal(edited.email_password, null);

  const remove = await inst.run(['user', 'remove', '--username', 'acme-web', '--json'], { env });
  assert.equal(remove.code, 0, remove.stderr);
  assert.deepEqual(JSON.parse(remove.stdout), edited);

  const after = await inst.run(['user', 'list', '--json'], { env });
  assert.deepEqual(JSON.parse(after.stdout), []);
});

test('human output: the generated password once, a table for list', async (t) => {
  const inst = await initialised(t);
  const add = await inst.run(['user', 'add', '--username', 'acme-shop']);
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stdout, /^email_password: +[A-Za-z0-9]{24}$/m);
  assert.match(add.stdout, /shown only now/);

  const list = await inst.run(['user', 'list']);
  assert.equal(list.code, 0, list.stderr);
  const [header, row] = list.stdout.split('\n');
  assert.match(header ?? '', /^USERNAME +STATUS +SENDING/);
  assert.match(row ?? '', /^acme-shop +allowed +yes/);
  assert.doesNotMatch(list.stdout, /email_password|[A-Za-z0-9]{24}/);
});

test('--password-stdin reads the password from stdin', async (t) => {
  const inst = await initialised(t);
  const result = await inst.run(['user', 'add', '--username', 'stdin-user', '--password-stdin', '--json'], {
    input: 'Tr0ub4dor&3x-long\n',
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout).email_password, 'Tr0ub4dor&3x-long');
});

test('list pages with --page-size and --continue-token', async (t) => {
  const inst = await initialised(t);
  for (const username of ['page-one', 'page-two']) {
    const r = await inst.run(['user', 'add', '--username', username]);
    assert.equal(r.code, 0, r.stderr);
  }
  const first = await inst.run(['user', 'list', '--page-size', '1', '--json']);
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(
    (JSON.parse(first.stdout) as { username: string }[]).map((u) => u.username),
    ['page-one'],
  );
  const token = /--continue-token (\S+)/.exec(first.stderr)?.[1];
  assert.ok(token, first.stderr);
  const second = await inst.run(['user', 'list', '--page-size', '1', '--continue-token', token, '--json']);
  assert.deepEqual(
    (JSON.parse(second.stdout) as { username: string }[]).map((u) => u.username),
    ['page-two'],
  );
  assert.equal(second.stderr, '');
});

test('editing an unknown user is the API exception, one line, exit 1', async (t) => {
  const inst = await initialised(t);
  const result = await inst.run(['user', 'edit', '--username', 'ghost-user', '--status', 'sandbox']);
  assert.equal(result.code, 1);
  assert.equal(oneLineError(result.stderr), "petrel: No SMTP user 'ghost-user' in this account");
});

test('user commands before init say to run petrel init', async (t) => {
  const inst = await createInstallation();
  t.after(() => inst.cleanup());
  const result = await inst.run(['user', 'list']);
  assert.equal(result.code, 1);
  assert.match(oneLineError(result.stderr), /petrel init/);
});

test('--account names an account that must exist', async (t) => {
  const inst = await initialised(t);
  const result = await inst.run(['user', 'list', '--account', 'nosuchaccount']);
  assert.equal(result.code, 1);
  assert.equal(oneLineError(result.stderr), "petrel: There is no account 'nosuchaccount'");
});
