// SMTP AUTH (SPEC §2.2): logins against SMTP users, one 535 for unknown users and wrong passwords, no
// relay without authentication (530), API changes effective at the next login, IP authentication, and
// the per-address back-off (421).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword } from '../../src/security/password-hash.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { PASSWORD, acceptedId, addUser, dialogue, editUser, line, sendSteps } from './clients.js';

describe('SMTP AUTH', () => {
  let node: TestNode;
  let port: number;

  before(async () => {
    node = await startTestNode();
    port = node.smtp.ports.smtp[0] as number;
    await addUser(node, 'auth-user');
  });
  after(() => node.stop());

  test('PLAIN and LOGIN log in and the message is accepted', async () => {
    for (const mechanism of ['PLAIN', 'LOGIN'] as const) {
      const result = await dialogue(port, [
        { do: 'ehlo' },
        { do: 'auth', user: 'auth-user', password: PASSWORD, mechanism },
        { do: 'cmd', line: 'MAIL FROM:<sender@example.com>' },
        { do: 'cmd', line: 'RCPT TO:<rcpt@example.com>' },
        { do: 'data' },
      ]);
      assert.equal(line(result.steps[1]), '235 2.7.0 Authentication successful', mechanism);
      acceptedId(result.steps[4]);
    }
  });

  test('the username is case-insensitive', async () => {
    const result = await dialogue(port, [
      { do: 'ehlo' },
      { do: 'auth', user: 'AUTH-User', password: PASSWORD },
    ]);
    assert.equal(line(result.steps[1]), '235 2.7.0 Authentication successful');
  });

  test('a wrong password and an unknown user get the same 535 5.7.8', async () => {
    const result = await dialogue(port, [
      { do: 'ehlo' },
      { do: 'auth', user: 'auth-user', password: 'not-the-password' },
      { do: 'auth', user: 'no-such-user', password: PASSWORD, mechanism: 'LOGIN' },
    ]);
    assert.equal(line(result.steps[1]), '535 5.7.8 Authentication credentials invalid');
    assert.equal(line(result.steps[2]), '535 5.7.8 Authentication credentials invalid');
  });

  test('without authentication MAIL FROM and RCPT TO answer 530 5.7.0', async () => {
    const result = await dialogue(port, [
      { do: 'ehlo' },
      { do: 'cmd', line: 'MAIL FROM:<sender@example.com>' },
      { do: 'cmd', line: 'RCPT TO:<rcpt@example.com>' },
    ]);
    assert.equal(line(result.steps[1]), '530 5.7.0 Authentication required');
    assert.equal(line(result.steps[2]), '530 5.7.0 Authentication required');
  });

  test('a password changed through the API applies at the very next login', async () => {
    await addUser(node, 'rotating-user');
    // The first login puts the credentials in the cache; the change must not be hidden by it.
    const before = await dialogue(port, [
      { do: 'ehlo' },
      { do: 'auth', user: 'rotating-user', password: PASSWORD },
    ]);
    assert.equal(line(before.steps[1]), '235 2.7.0 Authentication successful');
    const newPassword = 'N3w-Passw0rd!rotated';
    await editUser(node, 'rotating-user', { email_password: newPassword });
    const result = await dialogue(port, [
      { do: 'ehlo' },
      { do: 'auth', user: 'rotating-user', password: PASSWORD },
      { do: 'auth', user: 'rotating-user', password: newPassword },
    ]);
    assert.equal(line(result.steps[1]), '535 5.7.8 Authentication credentials invalid');
    assert.equal(line(result.steps[2]), '235 2.7.0 Authentication successful');
  });

  test('a password changed on another node (same database, no notification) applies at the next login', async () => {
    await addUser(node, 'elsewhere-user');
    const first = await dialogue(port, [
      { do: 'ehlo' },
      { do: 'auth', user: 'elsewhere-user', password: PASSWORD },
    ]);
    assert.equal(line(first.steps[1]), '235 2.7.0 Authentication successful');
    // Written straight to the store, as another node's API would: this node's listeners hear nothing.
    const user = await node.ops.repos.smtpUsers.findByLogin('elsewhere-user');
    assert.ok(user);
    await node.ops.repos.smtpUsers.update({ ...user, passwordHash: await hashPassword('0ther-N0de-pass!') });
    const result = await dialogue(port, [
      { do: 'ehlo' },
      { do: 'auth', user: 'elsewhere-user', password: PASSWORD },
    ]);
    assert.equal(line(result.steps[1]), '535 5.7.8 Authentication credentials invalid');
  });

  test('a removed user can no longer log in', async () => {
    await addUser(node, 'removed-user');
    const ok = await dialogue(port, [
      { do: 'ehlo' },
      { do: 'auth', user: 'removed-user', password: PASSWORD },
    ]);
    assert.equal(line(ok.steps[1]), '235 2.7.0 Authentication successful');
    const removed = await node.call('/users/smtp/remove', { username: 'removed-user' });
    assert.equal(removed.status, 200);
    const result = await dialogue(port, [
      { do: 'ehlo' },
      { do: 'auth', user: 'removed-user', password: PASSWORD },
    ]);
    assert.equal(line(result.steps[1]), '535 5.7.8 Authentication credentials invalid');
  });
});

describe('SMTP AUTH back-off', () => {
  let node: TestNode;
  let port: number;

  before(async () => {
    // The default numbers: 10 failures within 5 minutes.
    node = await startTestNode();
    port = node.smtp.ports.smtp[0] as number;
    await addUser(node, 'backoff-user');
  });
  after(() => node.stop());

  test('after 10 failures from an address the next attempt answers 421 4.7.0, disconnects, and the address is refused', async () => {
    const failures = Array.from({ length: 11 }, () => ({
      do: 'auth' as const,
      user: 'backoff-user',
      password: 'wrong-password',
    }));
    const result = await dialogue(port, [{ do: 'ehlo' }, ...failures, { do: 'cmd', line: 'NOOP' }]);
    for (let i = 1; i <= 10; i++) {
      assert.equal(line(result.steps[i]), '535 5.7.8 Authentication credentials invalid', `attempt ${i}`);
    }
    assert.match(line(result.steps[11]), /^421 4\.7\.0 /);
    assert.equal(result.steps[12]?.code, -1, 'the server hung up after 421');

    // Even the right password is refused now: the address is turned away at the greeting.
    const again = await dialogue(port, [
      { do: 'ehlo' },
      { do: 'auth', user: 'backoff-user', password: PASSWORD },
    ]);
    assert.match(line(again.steps[0]), /^421 4\.7\.0 /);
  });
});

describe('IP authentication', () => {
  let node: TestNode;
  let port: number;

  before(async () => {
    node = await startTestNode({ PETREL_IP_AUTH: JSON.stringify({ '127.0.0.0/8': 'device-user' }) });
    port = node.smtp.ports.smtp[0] as number;
  });
  after(() => node.stop());

  test('a client from a mapped address sends without AUTH, as the mapped user', async () => {
    // Before the user exists, the mapping authenticates nobody.
    const before = await dialogue(port, [
      { do: 'ehlo' },
      { do: 'cmd', line: 'MAIL FROM:<device@example.com>' },
    ]);
    assert.equal(line(before.steps[1]), '530 5.7.0 Authentication required');

    await addUser(node, 'device-user');
    const result = await dialogue(port, [
      { do: 'ehlo' },
      { do: 'cmd', line: 'MAIL FROM:<device@example.com>' },
      { do: 'cmd', line: 'RCPT TO:<rcpt@example.com>' },
      { do: 'data' },
    ]);
    assert.equal(line(result.steps[1]), '250 2.1.0 Accepted');
    const id = acceptedId(result.steps[3]);
    assert.equal(node.spool.queue.getMessage(id)?.username, 'device-user');
  });

  test('IP authentication survives STARTTLS and the mapped user’s status still applies', async () => {
    await editUser(node, 'device-user', { status: 'blocked' });
    const result = await dialogue(port, [
      { do: 'ehlo' },
      { do: 'starttls' },
      { do: 'ehlo' },
      { do: 'cmd', line: 'MAIL FROM:<device@example.com>' },
    ]);
    assert.equal(line(result.steps[3]), "550 5.7.1 Sending is blocked for SMTP user 'device-user'");
    await editUser(node, 'device-user', { status: 'allowed' });
    const ok = await dialogue(port, [
      ...sendSteps('unused', ['rcpt@example.com']).filter((s) => s.do !== 'auth'),
    ]);
    acceptedId(ok.steps[3]);
  });
});
