// Acceptance tests of /v3/users/smtp/view, /edit (POST and PATCH) and /remove (SPEC §1.4): answer shapes,
// paging, partial edits, passwords only in the answer that set them, and removal.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyPassword } from '../../src/security/password-hash.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import {
  SMTP_USER_KEYS,
  assertApiException,
  assertFieldError,
  assertOk,
  insertSubaccount,
  nameMaker,
  onlyUser,
  passwordOf,
  type SmtpUser,
} from './api-assertions.js';

const POOLS = [{ id: 1, name: 'Main Pool', ip_addresses: ['127.0.0.2'], accounts: '*' }];

let node: TestNode;
const nextName = nameMaker('ver');

before(async () => {
  node = await startTestNode({ PETREL_IP_POOLS: JSON.stringify(POOLS) });
});
after(async () => {
  await node.stop();
});

async function addUser(body: Record<string, unknown> = {}) {
  return onlyUser(await node.call('/users/smtp/add', { username: nextName(), ...body }));
}

async function viewUser(username: string) {
  return onlyUser(await node.call('/users/smtp/view', { username }));
}

/** A user with a non-default value in every field, so that "kept" cannot pass by accident. */
const RICH = {
  email_password: 'Tr0ub4dor&3x-rich',
  description: 'rich user',
  custom_ratelimit: true,
  custom_ratelimit_value: 250,
  custom_ratelimit_period: '4 months 5:00:00',
  ip_pool: 1,
  feedback_enabled: true,
  feedback_domain: 'links.example.com',
  feedback_html: '<p>%%UNSUBSCRIBE%%</p>',
  feedback_text: 'bye %%UNSUBSCRIBE%%',
  open_tracking_enabled: true,
  click_tracking_enabled: true,
  archive_enabled: true,
  audit_email: 'audit1@example.com,audit2@example.com',
  bounce_notifications: 'drop',
  status: 'sandbox',
};

describe('view', () => {
  test('view of all answers results, default_ratelimit_* at data level, passwords null', async () => {
    const a = await addUser();
    const b = await addUser({ status: 'blocked' });
    const data = assertOk(await node.call('/users/smtp/view', {}));
    assert.deepEqual(Object.keys(data).sort(), [
      'default_ratelimit_period',
      'default_ratelimit_value',
      'results',
    ]);
    assert.equal(data.default_ratelimit_value, 0);
    assert.equal(data.default_ratelimit_period, 'unlimited');
    const names = data.results.map((u: { username: string }) => u.username);
    assert.ok(names.includes(a.username) && names.includes(b.username), JSON.stringify(names));
    for (const user of data.results) {
      assert.deepEqual(Object.keys(user).sort(), [...SMTP_USER_KEYS].sort());
      assert.equal(user.email_password, null);
    }
    const viewedB = data.results.find((u: { username: string }) => u.username === b.username);
    assert.deepEqual(viewedB, { ...b, email_password: null });
  });

  test('view of one username answers just that user, matched case-insensitively', async () => {
    const user = await addUser(RICH);
    for (const spelling of [user.username, user.username.toUpperCase()]) {
      const data = assertOk(await node.call('/users/smtp/view', { username: spelling }));
      assert.deepEqual(data.results, [{ ...user, email_password: null }]);
      assert.equal(data.default_ratelimit_value, 0);
      assert.equal(data.default_ratelimit_period, 'unlimited');
    }
  });

  test('view of an unknown username answers results []', async () => {
    const data = assertOk(await node.call('/users/smtp/view', { username: 'no-such-user-anywhere' }));
    assert.deepEqual(data.results, []);
    assert.equal(data.default_ratelimit_value, 0);
    assert.equal(data.default_ratelimit_period, 'unlimited');
  });

  test('the password is never shown by view', async () => {
    const user = await addUser({ email_password: 'correcthorsebatterystaple' });
    assert.equal((await viewUser(user.username)).email_password, null);
  });

  const badPaging: [string, Record<string, unknown>, string][] = [
    ['page_size 1001', { page_size: 1001 }, 'page_size'],
    ['page_size 0', { page_size: 0 }, 'page_size'],
    ['page_size "10"', { page_size: '10' }, 'page_size'],
    ['page_size 1.5', { page_size: 1.5 }, 'page_size'],
    ['a continue_token never given out', { continue_token: 'not-a-token' }, 'continue_token'],
    ['a continue_token that is a number', { continue_token: 5 }, 'continue_token'],
    [
      'a forged continue_token holding U+0000',
      { continue_token: Buffer.from(JSON.stringify({ after: 'a\u0000' })).toString('base64url') },
      'continue_token',
    ],
  ];
  for (const [name, body, field] of badPaging) {
    test(`view with ${name} is refused naming ${field}`, async () => {
      assertFieldError(await node.call('/users/smtp/view', body), field);
    });
  }
});

describe('paging through 250 users', () => {
  const SUBACCOUNT = 'pagingsub01';
  const created: string[] = [];

  before(async () => {
    await insertSubaccount(node, SUBACCOUNT);
    const names = Array.from({ length: 250 }, (_, i) => `Page-${String(i).padStart(3, '0')}-${i % 7}`);
    // Shuffled so the order of the answer cannot come from the order of insertion.
    names.sort((x, y) => (x.split('-')[2] ?? '').localeCompare(y.split('-')[2] ?? '') || x.localeCompare(y));
    for (let i = 0; i < names.length; i += 25) {
      const batch = names.slice(i, i + 25);
      const answers = await Promise.all(
        batch.map((username) => node.call('/users/smtp/add', { username, subaccount_id: SUBACCOUNT })),
      );
      for (const answer of answers) created.push(onlyUser(answer).username);
    }
  });

  test('pages of 100 walk every user once, in order, with continue_token until the last page', async () => {
    const seen: string[] = [];
    const sizes: number[] = [];
    let token: string | undefined;
    for (let page = 0; page < 10; page++) {
      const body: Record<string, unknown> = { subaccount_id: SUBACCOUNT, page_size: 100 };
      if (token !== undefined) body.continue_token = token;
      const data = assertOk(await node.call('/users/smtp/view', body));
      sizes.push(data.results.length);
      seen.push(...data.results.map((u: { username: string }) => u.username));
      token = data.continue_token ?? undefined;
      if (token === undefined) break;
      assert.equal(typeof token, 'string');
    }
    assert.deepEqual(sizes, [100, 100, 50]);
    assert.equal(new Set(seen).size, 250, 'a user was repeated');
    assert.deepEqual([...seen].sort(), [...created].sort(), 'a user was missed');
    const lower = seen.map((u) => u.toLowerCase());
    assert.deepEqual(lower, [...lower].sort(), 'pages are not in username order');
  });

  test('without page_size a page holds 100 users and says there are more', async () => {
    const data = assertOk(await node.call('/users/smtp/view', { subaccount_id: SUBACCOUNT }));
    assert.equal(data.results.length, 100);
    assert.equal(typeof data.continue_token, 'string');
  });

  test('page_size 1000 answers all 250 with no continue_token', async () => {
    const data = assertOk(
      await node.call('/users/smtp/view', { subaccount_id: SUBACCOUNT, page_size: 1000 }),
    );
    assert.equal(data.results.length, 250);
    assert.equal(data.continue_token ?? null, null);
  });

  test("the master account's own listing does not include the subaccount's users", async () => {
    const data = assertOk(await node.call('/users/smtp/view', { page_size: 1000 }));
    const names = new Set(data.results.map((u: { username: string }) => u.username));
    assert.ok(created.every((u) => !names.has(u)));
  });
});

describe('edit', () => {
  test('POST answers data.results with the one edited user', async () => {
    const user = await addUser();
    const answer = await node.call('/users/smtp/edit', { username: user.username, description: 'posted' });
    const data = assertOk(answer);
    assert.deepEqual(Object.keys(data), ['results']);
    assert.deepEqual(onlyUser(answer), {
      ...user,
      email_password: null,
      description: 'posted',
      comments: 'posted',
    });
  });

  test('PATCH answers data as a plain one-element list', async () => {
    const user = await addUser();
    const answer = await node.call(
      '/users/smtp/edit',
      { username: user.username, description: 'patched' },
      { method: 'PATCH' },
    );
    const data = assertOk<SmtpUser[]>(answer);
    assert.ok(Array.isArray(data), `data is not a list: ${JSON.stringify(data)}`);
    assert.equal(data.length, 1);
    assert.deepEqual(Object.keys(data[0] ?? {}).sort(), [...SMTP_USER_KEYS].sort());
    assert.deepEqual(data[0], { ...user, email_password: null, description: 'patched', comments: 'patched' });
  });

  for (const method of ['POST', 'PATCH']) {
    test(`${method}: fields left out keep their stored value`, async () => {
      const user = await addUser(RICH);
      const answer = await node.call('/users/smtp/edit', { username: user.username }, { method });
      const edited = method === 'PATCH' ? assertOk<SmtpUser[]>(answer)[0] : onlyUser(answer);
      const expected = { ...user, email_password: null };
      assert.deepEqual(edited, expected);
      assert.deepEqual(await viewUser(user.username), expected);
      const stored = await node.ops.repos.smtpUsers.findByLogin(user.username);
      assert.ok(stored);
      assert.equal(await verifyPassword(RICH.email_password, stored.passwordHash), true);
    });
  }

  // One field changed at a time on a fully customised user: only that field (and what it implies) moves.
  const changes: [string, Record<string, unknown>, Record<string, unknown>][] = [
    ['description', { description: 'new text' }, { description: 'new text', comments: 'new text' }],
    ['comments (alias)', { comments: 'via alias' }, { description: 'via alias', comments: 'via alias' }],
    ['custom_ratelimit_value only', { custom_ratelimit_value: 9 }, { custom_ratelimit_value: 9 }],
    [
      'custom_ratelimit_period only',
      { custom_ratelimit_period: '2 weeks' },
      { custom_ratelimit_period: '14 days' },
    ],
    ['ip_pool to null', { ip_pool: null }, { ippool: null }],
    ['feedback_enabled', { feedback_enabled: false }, { feedback_enabled: false }],
    ['feedback_domain', { feedback_domain: 'default' }, { feedback_domain: 'default' }],
    ['feedback_html', { feedback_html: '' }, { feedback_html: '' }],
    ['feedback_text', { feedback_text: 'x %%EMAIL%%' }, { feedback_text: 'x %%EMAIL%%' }],
    ['open_tracking_enabled', { open_tracking_enabled: false }, { open_tracking_enabled: false }],
    ['click_tracking_enabled', { click_tracking_enabled: false }, { click_tracking_enabled: false }],
    ['archive_enabled', { archive_enabled: false }, { archive_enabled: false }],
    ['audit_email', { audit_email: ' new@example.com ' }, { audit_email: 'new@example.com' }],
    ['audit_email cleared', { audit_email: '' }, { audit_email: null }],
    ['bounce_notifications', { bounce_notifications: 'from' }, { bounce_notifications: 'from' }],
    ['status blocked', { status: 'blocked' }, { status: 'blocked', sending_allowed: false }],
    ['status allowed', { status: 'allowed' }, { status: 'allowed' }],
  ];
  for (const [name, change, effect] of changes) {
    test(`editing ${name} changes only that, and it is stored`, async () => {
      const user = await addUser(RICH);
      const edited = onlyUser(await node.call('/users/smtp/edit', { username: user.username, ...change }));
      const expected = { ...user, email_password: null, ...effect };
      assert.deepEqual(edited, expected);
      assert.deepEqual(await viewUser(user.username), expected);
    });
  }

  test('turning custom_ratelimit off clears the stored value and period', async () => {
    const user = await addUser(RICH);
    const edited = onlyUser(
      await node.call('/users/smtp/edit', { username: user.username, custom_ratelimit: false }),
    );
    assert.equal(edited.custom_ratelimit, false);
    assert.equal(edited.custom_ratelimit_value, null);
    assert.equal(edited.custom_ratelimit_period, '0:00:00');
    const stored = await node.ops.repos.smtpUsers.findByLogin(user.username);
    assert.equal(stored?.settings.custom_ratelimit_value, null);
    assert.equal(stored?.settings.custom_ratelimit_period, null);
    // Cleared, not hidden: turning it on again needs a new value and period.
    assertFieldError(
      await node.call('/users/smtp/edit', { username: user.username, custom_ratelimit: true }),
      'custom_ratelimit_value',
    );
    const again = onlyUser(
      await node.call('/users/smtp/edit', {
        username: user.username,
        custom_ratelimit: true,
        custom_ratelimit_value: 3,
        custom_ratelimit_period: '1 day',
      }),
    );
    assert.equal(again.custom_ratelimit_value, 3);
    assert.equal(again.custom_ratelimit_period, '1 day');
  });

  test('turning custom_ratelimit on needs a period too', async () => {
    const user = await addUser();
    assertFieldError(
      await node.call('/users/smtp/edit', {
        username: user.username,
        custom_ratelimit: true,
        custom_ratelimit_value: 5,
      }),
      'custom_ratelimit_period',
    );
  });

  test('email_password is answered only when the edit set one, and the new one is stored', async () => {
    const user = await addUser();
    const unchanged = onlyUser(
      await node.call('/users/smtp/edit', { username: user.username, status: 'allowed' }),
    );
    assert.equal(unchanged.email_password, null);
    const blank = onlyUser(
      await node.call('/users/smtp/edit', { username: user.username, email_password: '' }),
    );
    assert.equal(blank.email_password, null);
    let stored = await node.ops.repos.smtpUsers.findByLogin(user.username);
    assert.ok(stored);
    assert.equal(
      await verifyPassword(passwordOf(user), stored.passwordHash),
      true,
      'blank changed the password',
    );

    const changed = onlyUser(
      await node.call('/users/smtp/edit', {
        username: user.username,
        email_password: 'correcthorsebatterystaple',
      }),
    );
    assert.equal(changed.email_password, 'correcthorsebatterystaple');
    stored = await node.ops.repos.smtpUsers.findByLogin(user.username);
    assert.ok(stored);
    assert.equal(await verifyPassword('correcthorsebatterystaple', stored.passwordHash), true);
    assert.equal(await verifyPassword(passwordOf(user), stored.passwordHash), false);
    assert.equal((await viewUser(user.username)).email_password, null);
  });

  const refused: [string, (u: string) => Record<string, unknown>, string][] = [
    ['a weak password', () => ({ email_password: 'abcdefghijk' }), 'email_password'],
    [
      'a password containing the username',
      (u) => ({ email_password: `Zz9!${u.toUpperCase()}!` }),
      'email_password',
    ],
    ['a bad status', () => ({ status: 'paused' }), 'status'],
    ['a bad period', () => ({ custom_ratelimit_period: '1 fortnight' }), 'custom_ratelimit_period'],
    ['value 0', () => ({ custom_ratelimit_value: 0 }), 'custom_ratelimit_value'],
    ['an unknown pool', () => ({ ip_pool: 42 }), 'ip_pool'],
    [
      '11 audit addresses',
      () => ({ audit_email: Array.from({ length: 11 }, (_, i) => `a${i}@example.com`).join(',') }),
      'audit_email',
    ],
    ['bad bounce_notifications', () => ({ bounce_notifications: 'nowhere' }), 'bounce_notifications'],
    ['a description of 1001 characters', () => ({ description: 'x'.repeat(1001) }), 'description'],
    ['a boolean as a string', () => ({ archive_enabled: 'false' }), 'archive_enabled'],
    ['an unknown subaccount', () => ({ subaccount_id: 'nope-nope' }), 'subaccount_id'],
  ];
  for (const [name, change, field] of refused) {
    test(`edit with ${name} is refused naming ${field} and changes nothing`, async () => {
      const user = await addUser(RICH);
      assertFieldError(
        await node.call('/users/smtp/edit', { username: user.username, ...change(user.username) }),
        field,
      );
      assert.deepEqual(await viewUser(user.username), { ...user, email_password: null });
      const stored = await node.ops.repos.smtpUsers.findByLogin(user.username);
      assert.ok(stored);
      assert.equal(await verifyPassword(RICH.email_password, stored.passwordHash), true);
    });
  }

  for (const method of ['POST', 'PATCH']) {
    test(`${method} edit of an unknown username is 400 API_EXCEPTION "No SMTP user 'x' in this account"`, async () => {
      assertApiException(
        await node.call('/users/smtp/edit', { username: 'ghost-user', status: 'blocked' }, { method }),
        "No SMTP user 'ghost-user' in this account",
      );
    });
  }

  test('edit without a username is refused naming username', async () => {
    assertFieldError(await node.call('/users/smtp/edit', { status: 'blocked' }), 'username', 'required');
  });

  test('edit names the user case-insensitively and keeps its spelling', async () => {
    const user = await addUser();
    const edited = onlyUser(
      await node.call('/users/smtp/edit', { username: user.username.toUpperCase(), description: 'found' }),
    );
    assert.equal(edited.username, user.username);
    assert.equal(edited.description, 'found');
  });
});

describe('remove', () => {
  test('remove answers the removed record; the user is gone; a second remove is API_EXCEPTION', async () => {
    const user = await addUser(RICH);
    const removed = onlyUser(await node.call('/users/smtp/remove', { username: user.username }));
    assert.deepEqual(removed, { ...user, email_password: null });
    assert.deepEqual(assertOk(await node.call('/users/smtp/view', { username: user.username })).results, []);
    assert.equal(await node.ops.repos.smtpUsers.findByLogin(user.username), undefined);
    assertApiException(
      await node.call('/users/smtp/remove', { username: user.username }),
      `No SMTP user '${user.username}' in this account`,
    );
  });

  test('remove names the user case-insensitively', async () => {
    const user = await addUser();
    assert.equal(
      onlyUser(await node.call('/users/smtp/remove', { username: user.username.toUpperCase() })).username,
      user.username,
    );
    assert.deepEqual(assertOk(await node.call('/users/smtp/view', { username: user.username })).results, []);
  });

  test('a removed username can be added again, as a new user', async () => {
    const user = await addUser({ description: 'old' });
    onlyUser(await node.call('/users/smtp/remove', { username: user.username }));
    const again = onlyUser(await node.call('/users/smtp/add', { username: user.username }));
    assert.equal(again.description, '');
    assert.notEqual(again.email_password, user.email_password);
  });

  test('remove of an unknown username is 400 API_EXCEPTION', async () => {
    assertApiException(
      await node.call('/users/smtp/remove', { username: 'never-existed' }),
      "No SMTP user 'never-existed' in this account",
    );
  });

  test('remove without a username is refused naming username', async () => {
    assertFieldError(await node.call('/users/smtp/remove', {}), 'username', 'required');
  });

  test('remove leaves the other users alone', async () => {
    const keep = await addUser();
    const drop = await addUser();
    onlyUser(await node.call('/users/smtp/remove', { username: drop.username }));
    assert.deepEqual(await viewUser(keep.username), { ...keep, email_password: null });
  });
});
