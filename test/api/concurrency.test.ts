// Acceptance tests of concurrent SMTP-user requests: racing adds of one username (in any case) create
// exactly one user, and the stored user is the one whose request won.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyPassword } from '../../src/security/password-hash.js';
import { startTestNode, type TestNode, type ApiAnswer } from '../helpers/node.js';
import { assertApiException, assertOk, onlyUser } from './api-assertions.js';

let node: TestNode;

before(async () => {
  node = await startTestNode();
});
after(async () => {
  await node.stop();
});

/** `base` with its n-th letter upper-cased when bit n of `mask` is set: distinct masks, distinct spellings. */
function caseVariant(base: string, mask: number): string {
  let letter = 0;
  return [...base].map((c) => (/[a-z]/.test(c) && (mask >> letter++) & 1 ? c.toUpperCase() : c)).join('');
}

async function rowsFor(usernameLower: string) {
  return node.store.db
    .selectFrom('smtp_users')
    .select(['username', 'account_id', 'password_hash'])
    .where('username_lower', '=', usernameLower)
    .execute();
}

const races: [string, (i: number) => string, number][] = [
  ['the same spelling', () => 'race-same', 1],
  ['50 different case variants', (i) => caseVariant('race-cases', i * 7 + 1), 50],
];
for (const [name, usernameOf, spellings] of races) {
  test(`50 concurrent adds of one username (${name}): one 200, 49 × 400 API_EXCEPTION, one row`, async () => {
    const usernames = Array.from({ length: 50 }, (_, i) => usernameOf(i));
    assert.equal(new Set(usernames.map((u) => u.toLowerCase())).size, 1);
    assert.equal(new Set(usernames).size, spellings);
    // Each request carries its own password, so the stored row can be traced to the request that won.
    const passwords = usernames.map((_, i) => `Tr0ub4dor&3x-${i}-race`);
    const answers: ApiAnswer[] = await Promise.all(
      usernames.map((username, i) =>
        node.call('/users/smtp/add', { username, email_password: passwords[i] }),
      ),
    );
    const winners = answers.flatMap((a, i) => (a.status === 200 ? [i] : []));
    assert.equal(winners.length, 1, `statuses: ${answers.map((a) => a.status).join(',')}`);
    for (const [i, answer] of answers.entries()) {
      if (i !== winners[0]) assertApiException(answer);
    }
    const winner = winners[0] as number;
    const user = onlyUser(answers[winner] as ApiAnswer);
    assert.equal(user.username, usernames[winner]);

    const rows = await rowsFor(usernames[0]?.toLowerCase() ?? '');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.username, usernames[winner]);
    assert.equal(rows[0]?.account_id, node.masterAccountId);
    assert.equal(await verifyPassword(passwords[winner] as string, rows[0]?.password_hash ?? ''), true);

    const viewed = assertOk(await node.call('/users/smtp/view', { username: usernames[0] }));
    assert.equal(viewed.results.length, 1);
  });
}

test('50 concurrent adds of different usernames all succeed', async () => {
  const usernames = Array.from({ length: 50 }, (_, i) => `race-distinct-${i}`);
  const answers = await Promise.all(usernames.map((username) => node.call('/users/smtp/add', { username })));
  assert.deepEqual(
    answers.map((a) => a.status),
    usernames.map(() => 200),
  );
  const count = await node.store.db
    .selectFrom('smtp_users')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('username_lower', 'like', 'race-distinct-%')
    .executeTakeFirstOrThrow();
  assert.equal(Number(count.n), 50);
});

test('concurrent edits of one user each answer 200 and leave one of the written values', async () => {
  const username = onlyUser(await node.call('/users/smtp/add', { username: 'race-edit' })).username;
  const descriptions = Array.from({ length: 20 }, (_, i) => `edit ${i}`);
  const answers = await Promise.all(
    descriptions.map((description) => node.call('/users/smtp/edit', { username, description })),
  );
  for (const [i, answer] of answers.entries()) assert.equal(onlyUser(answer).description, descriptions[i]);
  const final = onlyUser(await node.call('/users/smtp/view', { username })).description;
  assert.ok(descriptions.includes(final), final);
});

test('concurrent removes of one user: one answers the record, the others API_EXCEPTION', async () => {
  const username = onlyUser(await node.call('/users/smtp/add', { username: 'race-remove' })).username;
  const answers = await Promise.all(
    Array.from({ length: 20 }, () => node.call('/users/smtp/remove', { username })),
  );
  const ok = answers.filter((a) => a.status === 200);
  assert.equal(ok.length, 1, `statuses: ${answers.map((a) => a.status).join(',')}`);
  assert.equal(onlyUser(ok[0] as ApiAnswer).username, username);
  for (const answer of answers.filter((a) => a.status !== 200)) {
    assertApiException(answer, `No SMTP user '${username}' in this account`);
  }
  assert.equal((await rowsFor(username)).length, 0);
});
