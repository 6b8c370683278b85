// Access restrictions in real SMTP sessions (SPEC §8 "Restrictions", §2.2): allowed senders at MAIL FROM
// and allowed recipients at RCPT TO (550 5.7.1 naming the address), the SMTP IP allow list at AUTH (535),
// and IP-authenticated senders managed through /v3/ip_auth/* — each change effective at once, without a
// restart. Clients: Python smtplib for exact replies, nodemailer bound to other loopback addresses.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertOk } from '../api/api-assertions.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { PASSWORD, SmtpSession, acceptedId, addUser, dialogue, line } from '../smtp/clients.js';
import { smtpFrom } from './from-address.js';

let node: TestNode;
let port: number;
let subId: string;
let subKey: string;

const sub = () => ({ key: subKey });

before(async () => {
  node = await startTestNode();
  port = node.smtp.ports.smtp[0] as number;
  subId = assertOk<{ id: string }>(await node.call('/subaccount/add', { fullname: 'SMTP restricted' })).id;
  subKey = assertOk<{ api_key: string }>(
    await node.call('/api_keys/add', { subaccount_id: subId, endpoints: ['*'] }),
  ).api_key;
  await addUser(node, 'restricted-user', { subaccount_id: subId });
  await addUser(node, 'free-user');
});
after(() => node.stop());

const transaction = (user: string, from: string, to: string[]) => [
  { do: 'ehlo' as const },
  { do: 'auth' as const, user, password: PASSWORD },
  { do: 'cmd' as const, line: `MAIL FROM:<${from}>` },
  ...to.map((r) => ({ do: 'cmd' as const, line: `RCPT TO:<${r}>` })),
];

describe('allowed senders and recipients', () => {
  test('MAIL FROM off the whitelist: 550 5.7.1 naming it; a listed domain is accepted', async () => {
    assertOk(
      await node.call(
        '/allowed_senders/update',
        { allowed_senders: ['shop.example', 'boss@corp.example'], mode: 'whitelist' },
        sub(),
      ),
    );
    const refused = await dialogue(port, transaction('restricted-user', 'mallory@evil.example', []));
    assert.equal(
      line(refused.steps[2]),
      '550 5.7.1 Sender <mallory@evil.example> is not allowed for this account',
    );
    const accepted = await dialogue(port, [
      ...transaction('restricted-user', 'News@Shop.Example', ['a@example.net']),
      { do: 'data' },
    ]);
    assert.equal(accepted.steps[2]?.code, 250);
    acceptedId(accepted.steps[4]);
    // Another account's users are not affected.
    const other = await dialogue(port, transaction('free-user', 'mallory@evil.example', []));
    assert.equal(other.steps[2]?.code, 250);
    // A change holds at the next MAIL FROM of an open session.
    const session = new SmtpSession(port);
    await session.step({ do: 'ehlo' });
    await session.step({ do: 'auth', user: 'restricted-user', password: PASSWORD });
    assert.equal((await session.step({ do: 'cmd', line: 'MAIL FROM:<boss@corp.example>' })).code, 250);
    await session.step({ do: 'cmd', line: 'RSET' });
    assertOk(await node.call('/allowed_senders/remove', { allowed_senders: ['boss@corp.example'] }, sub()));
    const after = await session.step({ do: 'cmd', line: 'MAIL FROM:<boss@corp.example>' });
    assert.equal(
      `${after.code} ${after.text}`,
      '550 5.7.1 Sender <boss@corp.example> is not allowed for this account',
    );
    await session.close();
    assertOk(await node.call('/allowed_senders/update', { allowed_senders: [], mode: 'disabled' }, sub()));
  });

  test('RCPT TO off the enabled list: 550 5.7.1 naming it; the others of the message are accepted', async () => {
    assertOk(
      await node.call(
        '/allowed_recipients/update',
        { allowed_recipients: ['team.example'], enabled: true },
        sub(),
      ),
    );
    const result = await dialogue(port, [
      ...transaction('restricted-user', 'a@shop.example', ['x@team.example', 'outsider@example.org']),
      { do: 'data' },
    ]);
    assert.equal(result.steps[3]?.code, 250);
    assert.equal(
      line(result.steps[4]),
      '550 5.7.1 Recipient <outsider@example.org> is not allowed for this account',
    );
    const id = acceptedId(result.steps[5]);
    assert.deepEqual(
      node.spool.queue.recipientsOf(id).map((r) => r.address),
      ['x@team.example'],
    );
    assertOk(
      await node.call('/allowed_recipients/update', { allowed_recipients: [], enabled: false }, sub()),
    );
    const open = await dialogue(
      port,
      transaction('restricted-user', 'a@shop.example', ['outsider@example.org']),
    );
    assert.equal(open.steps[3]?.code, 250);
  });
});

describe('SMTP IP allow list', () => {
  test('logins from outside the enabled list get 535; from inside they work; disabling lifts it', async () => {
    const mail = { from: 'a@shop.example', to: ['b@example.net'] };
    const auth = { user: 'restricted-user', pass: PASSWORD };
    assertOk(await node.call('/ip_allow_list/add', { ip_address: '127.0.0.2', description: 'relay' }, sub()));
    assertOk(await node.call('/ip_allow_list/add', { ip_address: 'fd00::/8', description: 'v6 lan' }, sub()));
    // Not yet enabled: any address.
    assert.equal((await smtpFrom(port, '127.0.0.5', mail, auth)).ok, true);
    assertOk(await node.call('/ip_allow_list', { enabled: true, type: 'smtp' }, sub()));
    const outside = await smtpFrom(port, '127.0.0.5', mail, auth);
    assert.equal(outside.ok, false);
    assert.match(outside.response, /^535 5\.7\.8 Authentication credentials invalid/);
    const inside = await smtpFrom(port, '127.0.0.2', mail, auth);
    assert.equal(inside.ok, true, inside.response);
    // The list is the subaccount's: the master account's users log in from anywhere.
    assert.equal((await smtpFrom(port, '127.0.0.5', mail, { user: 'free-user', pass: PASSWORD })).ok, true);
    // The api list is another list: it does not touch SMTP.
    assertOk(await node.call('/ip_allow_list', { enabled: false, type: 'smtp' }, sub()));
    assert.equal((await smtpFrom(port, '127.0.0.5', mail, auth)).ok, true);
  });
});

describe('IP auth through the API', () => {
  test('an entry added with PATCH sends without a login at once; removal ends it at once', async () => {
    const mail = { from: 'printer@shop.example', to: ['c@example.net'] };
    assert.match((await smtpFrom(port, '127.0.0.3', mail)).response, /^530 5\.7\.0 Authentication required/);
    assertOk(
      await node.call(
        '/ip_auth/edit',
        { ip_address: '127.0.0.3', description: 'printer' },
        { ...sub(), method: 'PATCH' },
      ),
    );
    const sent = await smtpFrom(port, '127.0.0.3', mail);
    assert.equal(sent.ok, true, sent.response);
    const id = /id=(\S+)/.exec(sent.response)?.[1] as string;
    const message = node.spool.queue.getMessage(id);
    assert.equal(message?.username, '127.0.0.3');
    assert.equal(message?.accountId, subId);
    // Its neighbour is not covered.
    assert.match((await smtpFrom(port, '127.0.0.4', mail)).response, /^530 /);
    // Its settings apply: blocked refuses at MAIL FROM.
    assertOk(
      await node.call(
        '/ip_auth/edit',
        { ip_address: '127.0.0.3', status: 'blocked' },
        { ...sub(), method: 'PATCH' },
      ),
    );
    assert.match(
      (await smtpFrom(port, '127.0.0.3', mail)).response,
      /^550 5\.7\.1 Sending is blocked for SMTP user '127\.0\.0\.3'/,
    );
    assertOk(await node.call('/ip_auth/edit', { ip_address: '127.0.0.3', status: 'allowed' }, sub()));
    // The account's allowed senders hold for IP-authenticated mail too.
    assertOk(
      await node.call(
        '/allowed_senders/update',
        { allowed_senders: ['other.example'], mode: 'whitelist' },
        sub(),
      ),
    );
    assert.match(
      (await smtpFrom(port, '127.0.0.3', mail)).response,
      /^550 5\.7\.1 Sender <printer@shop\.example>/,
    );
    assertOk(await node.call('/allowed_senders/update', { allowed_senders: [], mode: 'disabled' }, sub()));
    assertOk(await node.call('/ip_auth/remove', { ip_address: '127.0.0.3' }, sub()));
    assert.match((await smtpFrom(port, '127.0.0.3', mail)).response, /^530 5\.7\.0 Authentication required/);
  });
});
