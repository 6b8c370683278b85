// Acceptance tests of account isolation (SPEC §1.4, §1.6): a subaccount's key cannot see or touch other
// accounts' SMTP users, subaccount_id works only for the key's own subaccounts, and IP pools granted to
// one account cannot be used by another.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createApiKey } from '../../src/operations/api-keys.js';
import { startTestNode, type TestNode, type ApiAnswer } from '../helpers/node.js';
import {
  assertApiException,
  assertFieldError,
  assertOk,
  insertSubaccount,
  nameMaker,
  onlyUser,
} from './api-assertions.js';

const SUB_A = 'isosuba2345';
const SUB_B = 'isosubb2345';
const POOLS = [
  { id: 1, name: 'Shared Pool', ip_addresses: ['127.0.0.2'], accounts: '*' },
  { id: 2, name: 'Pool of A', ip_addresses: ['127.0.0.3'], accounts: [SUB_A] },
];

let node: TestNode;
let keyA: string;
let keyB: string;
let masterUser: string;
let userOfA: string;
const nextName = nameMaker('iso');

before(async () => {
  node = await startTestNode({ PETREL_IP_POOLS: JSON.stringify(POOLS) });
  await insertSubaccount(node, SUB_A);
  await insertSubaccount(node, SUB_B);
  keyA = (await createApiKey(node.ops, SUB_A)).key;
  keyB = (await createApiKey(node.ops, SUB_B)).key;
  masterUser = onlyUser(
    await node.call('/users/smtp/add', { username: nextName(), description: 'master' }),
  ).username;
  userOfA = onlyUser(
    await node.call('/users/smtp/add', { username: nextName(), description: 'of A' }, { key: keyA }),
  ).username;
});
after(async () => {
  await node.stop();
});

/** The error part of an answer, with one name replaced, so "same error as for X" can be compared. */
function errorWith(answer: ApiAnswer, name: string, placeholder = '<name>') {
  assert.equal(answer.status, 400);
  return JSON.parse(JSON.stringify(answer.body.data).split(name).join(placeholder)) as unknown;
}

async function masterUserUnchanged(): Promise<void> {
  const user = onlyUser(await node.call('/users/smtp/view', { username: masterUser }));
  assert.equal(user.description, 'master');
  assert.equal(user.status, 'allowed');
}

describe("a subaccount's key and the master account's users", () => {
  test("view of a master user's username answers results []", async () => {
    const data = assertOk(await node.call('/users/smtp/view', { username: masterUser }, { key: keyA }));
    assert.deepEqual(data.results, []);
  });

  test("view of all does not list the master's users", async () => {
    const data = assertOk(await node.call('/users/smtp/view', { page_size: 1000 }, { key: keyA }));
    const names = data.results.map((u: { username: string }) => u.username);
    assert.deepEqual(names, [userOfA]);
  });

  for (const method of ['POST', 'PATCH']) {
    test(`${method} edit of a master user answers exactly as for a user that does not exist`, async () => {
      const foreign = await node.call(
        '/users/smtp/edit',
        { username: masterUser, status: 'blocked' },
        { key: keyA, method },
      );
      assertApiException(foreign, `No SMTP user '${masterUser}' in this account`);
      const missing = await node.call(
        '/users/smtp/edit',
        { username: 'iso-ghost', status: 'blocked' },
        { key: keyA, method },
      );
      assert.deepEqual(errorWith(foreign, masterUser), errorWith(missing, 'iso-ghost'));
      await masterUserUnchanged();
    });
  }

  test('remove of a master user answers exactly as for a user that does not exist', async () => {
    const foreign = await node.call('/users/smtp/remove', { username: masterUser }, { key: keyA });
    assertApiException(foreign, `No SMTP user '${masterUser}' in this account`);
    const missing = await node.call('/users/smtp/remove', { username: 'iso-ghost' }, { key: keyA });
    assert.deepEqual(errorWith(foreign, masterUser), errorWith(missing, 'iso-ghost'));
    await masterUserUnchanged();
  });

  test('a sibling subaccount cannot see, edit or remove the other subaccount’s user', async () => {
    assert.deepEqual(
      assertOk(await node.call('/users/smtp/view', { username: userOfA }, { key: keyB })).results,
      [],
    );
    assertApiException(
      await node.call('/users/smtp/edit', { username: userOfA, description: 'B was here' }, { key: keyB }),
      `No SMTP user '${userOfA}' in this account`,
    );
    assertApiException(
      await node.call('/users/smtp/remove', { username: userOfA }, { key: keyB }),
      `No SMTP user '${userOfA}' in this account`,
    );
    assert.equal(
      onlyUser(await node.call('/users/smtp/view', { username: userOfA }, { key: keyA })).description,
      'of A',
    );
  });

  test('usernames stay unique across accounts: another account cannot take a name in use', async () => {
    assertApiException(
      await node.call('/users/smtp/add', { username: userOfA.toUpperCase() }, { key: keyB }),
    );
    assertApiException(await node.call('/users/smtp/add', { username: masterUser }, { key: keyA }));
  });
});

describe('the master account acting with subaccount_id', () => {
  test("view with subaccount_id lists the subaccount's users and not its own", async () => {
    const data = assertOk(await node.call('/users/smtp/view', { subaccount_id: SUB_A, page_size: 1000 }));
    assert.deepEqual(
      data.results.map((u: { username: string }) => u.username),
      [userOfA],
    );
  });

  test("view without subaccount_id does not list the subaccount's users", async () => {
    assert.deepEqual(assertOk(await node.call('/users/smtp/view', { username: userOfA })).results, []);
  });

  test("add, edit and remove inside the subaccount; the subaccount's key sees the result", async () => {
    const username = nextName();
    onlyUser(await node.call('/users/smtp/add', { username, subaccount_id: SUB_B }));
    assert.equal(
      onlyUser(await node.call('/users/smtp/view', { username }, { key: keyB })).username,
      username,
    );
    assert.deepEqual(assertOk(await node.call('/users/smtp/view', { username })).results, []);

    assertApiException(
      await node.call('/users/smtp/edit', { username, description: 'x' }),
      `No SMTP user '${username}' in this account`,
    );
    const edited = onlyUser(
      await node.call('/users/smtp/edit', { username, subaccount_id: SUB_B, description: 'by master' }),
    );
    assert.equal(edited.description, 'by master');
    assert.equal(
      onlyUser(await node.call('/users/smtp/view', { username }, { key: keyB })).description,
      'by master',
    );

    assertApiException(
      await node.call('/users/smtp/remove', { username }),
      `No SMTP user '${username}' in this account`,
    );
    onlyUser(await node.call('/users/smtp/remove', { username, subaccount_id: SUB_B }));
    assert.deepEqual(assertOk(await node.call('/users/smtp/view', { username }, { key: keyB })).results, []);
  });
});

describe('subaccount_id of another account is the same as an unknown one', () => {
  const cases: [string, () => string, () => string][] = [
    ["B's key naming subaccount A", () => keyB, () => SUB_A],
    ["A's key naming subaccount B", () => keyA, () => SUB_B],
    ["A's key naming the master account", () => keyA, () => node.masterAccountId],
  ];
  const calls: [string, (sub: string) => Record<string, unknown>][] = [
    ['/users/smtp/view', (sub) => ({ subaccount_id: sub })],
    ['/users/smtp/add', (sub) => ({ subaccount_id: sub, username: nextName() })],
    ['/users/smtp/edit', (sub) => ({ subaccount_id: sub, username: userOfA, description: 'hijacked' })],
    ['/users/smtp/remove', (sub) => ({ subaccount_id: sub, username: userOfA })],
    ['/dedicated_ips/view', (sub) => ({ subaccount_id: sub })],
  ];
  for (const [name, key, sub] of cases) {
    for (const [path, body] of calls) {
      test(`${name}: ${path} → 400 subaccount_id, as for an unknown id`, async () => {
        const foreign = await node.call(path, body(sub()), { key: key() });
        assertFieldError(foreign, 'subaccount_id');
        const unknown = await node.call(path, body('nosuchsub99'), { key: key() });
        assertFieldError(unknown, 'subaccount_id');
        assert.deepEqual(errorWith(foreign, sub()), errorWith(unknown, 'nosuchsub99'));
      });
    }
  }

  test('nothing was changed by the refused calls', async () => {
    const user = onlyUser(await node.call('/users/smtp/view', { username: userOfA }, { key: keyA }));
    assert.equal(user.description, 'of A');
  });
});

describe('IP pools granted to one account', () => {
  test('dedicated_ips/view lists only the pools each account may use', async () => {
    const ids = async (key: string) =>
      assertOk<{ id: number }[]>(await node.call('/dedicated_ips/view', {}, { key })).map((p) => p.id);
    assert.deepEqual(await ids(keyA), [1, 2]);
    assert.deepEqual(await ids(keyB), [1]);
    assert.deepEqual(await ids(node.masterKey), [1]);
  });

  const cases: [string, () => string | undefined, () => string | undefined, number, boolean][] = [
    ["A's key, A's pool", () => keyA, () => undefined, 2, true],
    ["A's key, the shared pool", () => keyA, () => undefined, 1, true],
    ["B's key, A's pool", () => keyB, () => undefined, 2, false],
    ["B's key, the shared pool", () => keyB, () => undefined, 1, true],
    ['the master acting for A, A’s pool', () => undefined, () => SUB_A, 2, true],
    ['the master acting for B, A’s pool', () => undefined, () => SUB_B, 2, false],
    ['the master itself, A’s pool', () => undefined, () => undefined, 2, false],
  ];
  for (const [name, key, sub, pool, allowed] of cases) {
    test(`${name} (${pool}): ${allowed ? 'accepted' : 'refused as if the pool did not exist'}`, async () => {
      const body: Record<string, unknown> = { username: nextName(), ip_pool: pool };
      const subaccount = sub();
      if (subaccount !== undefined) body.subaccount_id = subaccount;
      const answer = await node.call('/users/smtp/add', body, { key: key() ?? node.masterKey });
      if (allowed) {
        assert.equal(onlyUser(answer).ippool, pool);
        return;
      }
      assertFieldError(answer, 'ip_pool', `found ${pool}`);
      const unknown = await node.call(
        '/users/smtp/add',
        { ...body, username: nextName(), ip_pool: 77 },
        { key: key() ?? node.masterKey },
      );
      assert.deepEqual(
        errorWith(answer, `found ${pool}`, 'found N'),
        errorWith(unknown, 'found 77', 'found N'),
      );
    });
  }

  test("B cannot move its user to A's pool by edit", async () => {
    const username = nextName();
    onlyUser(await node.call('/users/smtp/add', { username, ip_pool: 1 }, { key: keyB }));
    assertFieldError(await node.call('/users/smtp/edit', { username, ip_pool: 2 }, { key: keyB }), 'ip_pool');
    assert.equal(onlyUser(await node.call('/users/smtp/view', { username }, { key: keyB })).ippool, 1);
  });
});
