// What each SMTP user status does at SMTP time (SPEC §2.3), read fresh at every MAIL FROM, and the
// subaccount rules (SPEC §1.6): a closed subaccount cannot send, and its monthly limit answers 452.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestNode, type TestNode } from '../helpers/node.js';
import {
  PASSWORD,
  SmtpSession,
  acceptedId,
  addUser,
  dialogue,
  editUser,
  line,
  sendSteps,
} from './clients.js';

async function createSubaccount(node: TestNode, fields: Record<string, unknown> = {}): Promise<string> {
  const answer = await node.call('/subaccount/add', { fullname: 'Sub Account', ...fields });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  const id = answer.body.data.id as string;
  assert.ok(id);
  return id;
}

describe('SMTP user status', () => {
  let node: TestNode;
  let port: number;

  before(async () => {
    node = await startTestNode();
    port = node.smtp.ports.smtp[0] as number;
  });
  after(() => node.stop());

  test('allowed: accepted and queued for the recipients and the audit copies', async () => {
    await addUser(node, 'allowed-user', { audit_email: 'audit1@example.org, audit2@example.org' });
    const result = await dialogue(port, sendSteps('allowed-user', ['one@example.com', 'two@example.com']));
    const id = acceptedId(result.steps[5]);
    const message = node.spool.queue.getMessage(id);
    assert.equal(message?.sandbox, false);
    assert.equal(message?.username, 'allowed-user');
    const recipients = node.spool.queue.recipientsOf(id).map((r) => `${r.kind}:${r.address}:${r.state}`);
    assert.deepEqual(recipients.sort(), [
      'audit:audit1@example.org:queued',
      'audit:audit2@example.org:queued',
      'recipient:one@example.com:queued',
      'recipient:two@example.com:queued',
    ]);
  });

  test('blocked: the login succeeds and MAIL FROM answers 550 5.7.1', async () => {
    await addUser(node, 'blocked-user', { status: 'blocked' });
    const result = await dialogue(port, sendSteps('blocked-user', ['one@example.com']));
    assert.equal(line(result.steps[1]), '235 2.7.0 Authentication successful');
    assert.equal(line(result.steps[2]), "550 5.7.1 Sending is blocked for SMTP user 'blocked-user'");
  });

  test('sandbox: accepted with 250, held rather than queued, audit copies still queued', async () => {
    await addUser(node, 'sandbox-user', { status: 'sandbox', audit_email: 'audit@example.org' });
    const result = await dialogue(port, sendSteps('sandbox-user', ['one@example.com']));
    const id = acceptedId(result.steps[4]);
    assert.equal(node.spool.queue.getMessage(id)?.sandbox, true);
    const recipients = node.spool.queue.recipientsOf(id).map((r) => `${r.kind}:${r.address}:${r.state}`);
    assert.deepEqual(recipients.sort(), ['audit:audit@example.org:queued', 'recipient:one@example.com:held']);
  });

  test('a block through the API applies to the next transaction of an open session, and lifting it too', async () => {
    await addUser(node, 'toggle-user');
    const session = new SmtpSession(port);
    try {
      await session.step({ do: 'ehlo' });
      await session.step({ do: 'auth', user: 'toggle-user', password: PASSWORD });
      await session.step({ do: 'cmd', line: 'MAIL FROM:<sender@example.com>' });
      await session.step({ do: 'cmd', line: 'RCPT TO:<one@example.com>' });
      acceptedId(await session.step({ do: 'data' }));

      await editUser(node, 'toggle-user', { status: 'blocked' });
      assert.equal(
        line(await session.step({ do: 'cmd', line: 'MAIL FROM:<sender@example.com>' })),
        "550 5.7.1 Sending is blocked for SMTP user 'toggle-user'",
      );

      await editUser(node, 'toggle-user', { status: 'allowed' });
      assert.equal(
        line(await session.step({ do: 'cmd', line: 'MAIL FROM:<sender@example.com>' })),
        '250 2.1.0 Accepted',
      );
      await session.step({ do: 'cmd', line: 'RCPT TO:<one@example.com>' });
      acceptedId(await session.step({ do: 'data' }));
    } finally {
      await session.close();
    }
  });
});

describe('Subaccount rules at SMTP time', () => {
  let node: TestNode;
  let port: number;

  before(async () => {
    node = await startTestNode();
    port = node.smtp.ports.smtp[0] as number;
  });
  after(() => node.stop());

  test("a closed subaccount's users get 550 5.7.1 at MAIL FROM; reopened, they send again", async () => {
    const sub = await createSubaccount(node);
    await addUser(node, 'closed-sub-user', { subaccount_id: sub });
    const closed = await node.call('/subaccount/close', { id: sub });
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    const result = await dialogue(port, sendSteps('closed-sub-user', ['one@example.com']));
    assert.equal(line(result.steps[1]), '235 2.7.0 Authentication successful');
    assert.equal(
      line(result.steps[2]),
      "550 5.7.1 Sending is not allowed for SMTP user 'closed-sub-user': its subaccount is closed",
    );
    const reopened = await node.call('/subaccount/reopen', { id: sub });
    assert.equal(reopened.status, 200, JSON.stringify(reopened.body));
    const again = await dialogue(port, sendSteps('closed-sub-user', ['one@example.com']));
    acceptedId(again.steps[4]);
  });

  test('the monthly limit counts accepted recipients and then answers 452 4.5.3', async () => {
    const sub = await createSubaccount(node, { limit: 3 });
    await addUser(node, 'monthly-a', { subaccount_id: sub });
    await addUser(node, 'monthly-b', { subaccount_id: sub });
    // Two recipients from one user, then the account's third and last from another user.
    const first = await dialogue(port, sendSteps('monthly-a', ['one@example.com', 'two@example.com']));
    acceptedId(first.steps[5]);
    const second = await dialogue(port, sendSteps('monthly-b', ['three@example.com', 'four@example.com']));
    assert.equal(line(second.steps[3]), '250 2.1.5 Accepted');
    assert.equal(
      line(second.steps[4]),
      "452 4.5.3 Monthly limit of 3 emails reached for the account of SMTP user 'monthly-b'; try again next month",
    );
    // The recipient accepted before the limit stays accepted: the message goes to it alone.
    const id = acceptedId(second.steps[5]);
    assert.deepEqual(
      node.spool.queue.recipientsOf(id).map((r) => r.address),
      ['three@example.com'],
    );
  });

  test('recipients of a transaction that is abandoned do not count against the monthly limit', async () => {
    const sub = await createSubaccount(node, { limit: 2 });
    await addUser(node, 'monthly-rset', { subaccount_id: sub });
    const result = await dialogue(port, [
      { do: 'ehlo' },
      { do: 'auth', user: 'monthly-rset', password: PASSWORD },
      { do: 'cmd', line: 'MAIL FROM:<sender@example.com>' },
      { do: 'cmd', line: 'RCPT TO:<one@example.com>' },
      { do: 'cmd', line: 'RCPT TO:<two@example.com>' },
      { do: 'cmd', line: 'RSET' },
      { do: 'cmd', line: 'MAIL FROM:<sender@example.com>' },
      { do: 'cmd', line: 'RCPT TO:<three@example.com>' },
      { do: 'cmd', line: 'RCPT TO:<four@example.com>' },
      { do: 'data' },
    ]);
    assert.equal(line(result.steps[7]), '250 2.1.5 Accepted');
    assert.equal(line(result.steps[8]), '250 2.1.5 Accepted');
    acceptedId(result.steps[9]);
  });
});
