// Acceptance tests of POST /v3/users/smtp/add (SPEC §1.3, §1.8, §1.9): every field rule, valid and
// invalid, the exact shape of the answer, and that what the answer says is what was stored.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyPassword } from '../../src/security/password-hash.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import {
  SMTP_USER_KEYS,
  UUID,
  assertApiException,
  assertFieldError,
  assertOk,
  nameMaker,
  onlyUser,
  passwordOf,
} from './api-assertions.js';

const POOLS = [
  { id: 1, name: 'Main Pool', ip_addresses: ['127.0.0.2'], accounts: '*' },
  { id: 2, name: 'Reserved Pool', ip_addresses: ['127.0.0.3'], accounts: ['another-account'] },
];

let node: TestNode;
const nextName = nameMaker('add');

before(async () => {
  node = await startTestNode({ PETREL_IP_POOLS: JSON.stringify(POOLS) });
});
after(async () => {
  await node.stop();
});

/** A username of exactly `length` characters that no other case uses. */
function nameOfLength(length: number): string {
  const base = `${nextName()}-`;
  return (base + 'x'.repeat(Math.max(0, length - base.length))).slice(0, length);
}

/** Adds a user with a fresh username unless the body names one. */
function add(body: Record<string, unknown>) {
  return node.call('/users/smtp/add', { username: nextName(), ...body });
}

const TWENTY_FOUR_ALNUM = /^[A-Za-z0-9]{24}$/;

describe('the answer', () => {
  test('a minimal add answers every field of SPEC §1.3 with its default', async () => {
    const username = nextName();
    const answer = await node.call('/users/smtp/add', { username });
    const data = assertOk(answer);
    assert.deepEqual(Object.keys(data), ['results']);
    const user = onlyUser(answer);
    assert.match(passwordOf(user), TWENTY_FOUR_ALNUM);
    assert.deepEqual(user, {
      username,
      email_password: user.email_password,
      sending_allowed: true,
      status: 'allowed',
      custom_ratelimit: false,
      custom_ratelimit_value: null,
      custom_ratelimit_period: '0:00:00',
      default_ratelimit_value: 0,
      default_ratelimit_period: 'unlimited',
      ippool: null,
      description: '',
      comments: '',
      feedback_enabled: false,
      feedback_domain: 'default',
      feedback_html: '',
      feedback_text: '',
      open_tracking_enabled: false,
      click_tracking_enabled: false,
      archive_enabled: false,
      audit_email: null,
      bounce_notifications: 'from',
    });
  });

  test('request_id is a UUID, different for every request, and the answer is JSON', async () => {
    const first = await add({});
    const second = await add({});
    assert.match(first.body.request_id, UUID);
    assert.match(second.body.request_id, UUID);
    assert.notEqual(first.body.request_id, second.body.request_id);
    assert.match(first.headers.get('content-type') ?? '', /^application\/json/);
  });

  test('the SPEC example: every field given is answered with the right type', async () => {
    const username = nextName();
    const user = onlyUser(
      await node.call('/users/smtp/add', {
        username,
        email_password: 'Tr0ub4dor&3x',
        custom_ratelimit: true,
        custom_ratelimit_value: 500,
        custom_ratelimit_period: '1 hour',
        ip_pool: 1,
        description: 'web shop',
        feedback_enabled: true,
        feedback_domain: 'default',
        feedback_html: '<p><a href="%%UNSUBSCRIBE%%">Unsubscribe</a> %%EMAIL%%</p>',
        feedback_text: 'Unsubscribe: %%UNSUBSCRIBE%% (%%EMAIL%%)',
        open_tracking_enabled: true,
        click_tracking_enabled: true,
        archive_enabled: true,
        audit_email: 'audit@example.com',
        bounce_notifications: 'bounces@example.com',
        status: 'sandbox',
      }),
    );
    assert.deepEqual(user, {
      username,
      email_password: 'Tr0ub4dor&3x',
      sending_allowed: true,
      status: 'sandbox',
      custom_ratelimit: true,
      custom_ratelimit_value: 500,
      custom_ratelimit_period: '1:00:00',
      default_ratelimit_value: 0,
      default_ratelimit_period: 'unlimited',
      ippool: 1,
      description: 'web shop',
      comments: 'web shop',
      feedback_enabled: true,
      feedback_domain: 'default',
      feedback_html: '<p><a href="%%UNSUBSCRIBE%%">Unsubscribe</a> %%EMAIL%%</p>',
      feedback_text: 'Unsubscribe: %%UNSUBSCRIBE%% (%%EMAIL%%)',
      open_tracking_enabled: true,
      click_tracking_enabled: true,
      archive_enabled: true,
      audit_email: 'audit@example.com',
      bounce_notifications: 'bounces@example.com',
    });
  });

  test('what add answers is what view answers afterwards, except the password', async () => {
    const added = onlyUser(
      await add({ custom_ratelimit: true, custom_ratelimit_value: 7, custom_ratelimit_period: '2 days' }),
    );
    const viewed = onlyUser(await node.call('/users/smtp/view', { username: added.username }));
    assert.deepEqual(viewed, { ...added, email_password: null });
  });

  test('the password in the answer is the one stored (as a hash, never in clear)', async () => {
    const user = onlyUser(await add({}));
    const stored = await node.ops.repos.smtpUsers.findByLogin(user.username);
    assert.ok(stored);
    const password = passwordOf(user);
    assert.ok(!stored.passwordHash.includes(password));
    assert.equal(await verifyPassword(password, stored.passwordHash), true);
    assert.equal(await verifyPassword(`${password}x`, stored.passwordHash), false);
  });

  test('unknown extra fields are ignored', async () => {
    const user = onlyUser(await add({ version: 1, client: { name: 'x', tags: ['a'] }, extra: null }));
    assert.deepEqual(Object.keys(user).sort(), [...SMTP_USER_KEYS].sort());
  });
});

describe('username', () => {
  const valid: [string, () => string][] = [
    ['5 characters (the minimum)', () => nameOfLength(5)],
    ['100 characters (the maximum)', () => nameOfLength(100)],
    ['every allowed character A-Z a-z 0-9 . _ @ + -', () => `${nextName()}.Az_09@x+y-z`],
    ['an email address', () => `${nextName()}@mail.example.com`],
  ];
  for (const [name, make] of valid) {
    test(`accepted: ${name}, answered as given`, async () => {
      const username = make();
      assert.equal(onlyUser(await node.call('/users/smtp/add', { username })).username, username);
    });
  }

  test('mixed case is kept as given', async () => {
    const username = `${nextName()}-MiXeD`;
    assert.equal(onlyUser(await node.call('/users/smtp/add', { username })).username, username);
  });

  const invalid: [string, unknown, string][] = [
    ['4 characters', 'abcd', 'found 4'],
    ['101 characters', 'a'.repeat(101), 'found 101'],
    ['empty', '', 'found 0'],
    ['a space', 'acme web', "'acme web'"],
    ['a slash', 'acme/web', "'acme/web'"],
    ['an exclamation mark', 'acme!web', "'acme!web'"],
    ['a non-ASCII letter', 'acmé-web', "'acmé-web'"],
    ['an emoji', 'acme-😀-web', 'acme-'],
    ['a tab', 'acme\tweb', 'found'],
    ['a number', 12345, 'found the integer 12345'],
    ['null', null, 'found null'],
    ['true', true, 'found true'],
    ['an object', { name: 'acme-web' }, 'found an object'],
    ['a list', ['acme-web'], 'found a list'],
  ];
  for (const [name, username, found] of invalid) {
    test(`refused: ${name}`, async () => {
      assertFieldError(await node.call('/users/smtp/add', { username }), 'username', found);
    });
  }

  test('refused: missing', async () => {
    assertFieldError(await node.call('/users/smtp/add', { description: 'no name' }), 'username', 'required');
  });

  test('the length message is the one SPEC §1.2 shows', async () => {
    const answer = await node.call('/users/smtp/add', { username: 'abc' });
    assertFieldError(answer, 'username');
    assert.equal(answer.body.data.error, "The field 'username' must be 5 to 100 characters long, found 3");
  });

  const duplicates: [string, (taken: string) => string][] = [
    ['the same spelling', (taken) => taken],
    ['upper case', (taken) => taken.toUpperCase()],
    ['mixed case', (taken) => taken.replace(/^./, (c) => c.toUpperCase())],
  ];
  for (const [name, variant] of duplicates) {
    test(`a username already taken is refused with API_EXCEPTION: ${name}`, async () => {
      const taken = onlyUser(await add({ description: 'first' })).username;
      const answer = await node.call('/users/smtp/add', { username: variant(taken), description: 'second' });
      assertApiException(answer);
      const message = String(answer.body.data.error);
      assert.ok(message.includes(variant(taken)), message);
      const kept = onlyUser(await node.call('/users/smtp/view', { username: taken }));
      assert.equal(kept.username, taken);
      assert.equal(kept.description, 'first');
    });
  }
});

describe('email_password', () => {
  test('"abcdefghijk" (51.7 bits) is refused with the estimate rounded to the bit', async () => {
    const answer = await add({ email_password: 'abcdefghijk' });
    assertFieldError(answer, 'email_password');
    assert.equal(
      answer.body.data.error,
      'email_password has an estimated 52 bits of entropy; at least 64 are required',
    );
  });

  for (const password of ['Tr0ub4dor&3x', 'correcthorsebatterystaple']) {
    test(`${JSON.stringify(password)} is accepted, returned once and stored`, async () => {
      const user = onlyUser(await add({ email_password: password }));
      assert.equal(user.email_password, password);
      const stored = await node.ops.repos.smtpUsers.findByLogin(user.username);
      assert.ok(stored);
      assert.equal(await verifyPassword(password, stored.passwordHash), true);
    });
  }

  const containing: [string, (u: string) => string][] = [
    ['as written', (u) => `Xq9!${u}#Zr7$`],
    ['in another case', (u) => `Xq9!${u.toUpperCase()}#Zr7$`],
  ];
  for (const [name, make] of containing) {
    test(`a password containing the username is refused (${name})`, async () => {
      const username = nextName();
      const answer = await node.call('/users/smtp/add', { username, email_password: make(username) });
      assertFieldError(answer, 'email_password', 'username');
    });
  }

  const generated: [string, Record<string, unknown>][] = [
    ['absent', {}],
    ['blank', { email_password: '' }],
    ['null', { email_password: null }],
  ];
  for (const [name, body] of generated) {
    test(`${name}: a 24-character [A-Za-z0-9] password is generated and stored`, async () => {
      const user = onlyUser(await add(body));
      const password = passwordOf(user);
      assert.match(password, TWENTY_FOUR_ALNUM);
      const stored = await node.ops.repos.smtpUsers.findByLogin(user.username);
      assert.ok(stored);
      assert.equal(await verifyPassword(password, stored.passwordHash), true);
    });
  }

  test('generated passwords differ from user to user', async () => {
    const passwords = new Set<string>();
    for (let i = 0; i < 5; i++) passwords.add(passwordOf(onlyUser(await add({}))));
    assert.equal(passwords.size, 5);
  });

  test('a number is refused naming the field', async () => {
    assertFieldError(await add({ email_password: 12345678901234 }), 'email_password', 'found the integer');
  });
});

describe('description and comments', () => {
  const ok: [string, Record<string, unknown>, string][] = [
    ['description of 1000 characters', { description: 'd'.repeat(1000) }, 'd'.repeat(1000)],
    ['comments of 1000 characters (alias)', { comments: 'c'.repeat(1000) }, 'c'.repeat(1000)],
    ['description with non-ASCII text', { description: 'Büro – 東京 😀' }, 'Büro – 東京 😀'],
    ['comments alias', { comments: 'from comments' }, 'from comments'],
  ];
  for (const [name, body, expected] of ok) {
    test(`accepted: ${name}, answered in both description and comments`, async () => {
      const user = onlyUser(await add(body));
      assert.equal(user.description, expected);
      assert.equal(user.comments, expected);
    });
  }

  const bad: [string, Record<string, unknown>, string][] = [
    ['description of 1001 characters', { description: 'd'.repeat(1001) }, 'description'],
    ['comments of 1001 characters', { comments: 'c'.repeat(1001) }, 'comments'],
  ];
  for (const [name, body, field] of bad) {
    test(`refused: ${name}`, async () => {
      assertFieldError(await add(body), field, 'found 1001');
    });
  }

  test('a description holding U+0000 is refused naming the field (PostgreSQL cannot store it)', async () => {
    assertFieldError(await add({ description: 'a\u0000b' }), 'description', 'NUL');
  });

  test('a number as description is refused naming the field', async () => {
    assertFieldError(await add({ description: 42 }), 'description', 'found the integer 42');
  });
});

describe('custom rate limit', () => {
  const limit = (value: unknown, period: unknown) => ({
    custom_ratelimit: true,
    custom_ratelimit_value: value,
    custom_ratelimit_period: period,
  });

  test('custom_ratelimit true without a value is refused naming custom_ratelimit_value', async () => {
    assertFieldError(
      await add({ custom_ratelimit: true, custom_ratelimit_period: '1 hour' }),
      'custom_ratelimit_value',
    );
  });

  test('custom_ratelimit true without a period is refused naming custom_ratelimit_period', async () => {
    assertFieldError(
      await add({ custom_ratelimit: true, custom_ratelimit_value: 10 }),
      'custom_ratelimit_period',
    );
  });

  for (const value of [1, 500, 2147483647]) {
    test(`custom_ratelimit_value ${value} is accepted and answered`, async () => {
      const user = onlyUser(await add(limit(value, '1 hour')));
      assert.equal(user.custom_ratelimit, true);
      assert.equal(user.custom_ratelimit_value, value);
      assert.equal(user.custom_ratelimit_period, '1:00:00');
    });
  }

  const badValues: [unknown, string][] = [
    [0, 'found 0'],
    [-1, 'found -1'],
    [2147483648, 'found 2147483648'],
    [1.5, 'found the number 1.5'],
    ['100', "found '100'"],
    [true, 'found true'],
  ];
  for (const [value, found] of badValues) {
    test(`custom_ratelimit_value ${JSON.stringify(value)} is refused`, async () => {
      assertFieldError(await add(limit(value, '1 hour')), 'custom_ratelimit_value', found);
    });
  }

  // SPEC §1.9: input → canonical output.
  const validPeriods: [string, string][] = [
    ['0:30:00', '0:30:00'],
    ['1 hour', '1:00:00'],
    ['2 hours', '2:00:00'],
    ['25 hours', '1 day 1:00:00'],
    ['1 day', '1 day'],
    ['2 days', '2 days'],
    ['1 week', '7 days'],
    ['2 weeks', '14 days'],
    ['1 month', '1 month'],
    ['3 months', '3 months'],
    ['12 months', '12 months'],
    ['4 months 5:00:00', '4 months 5:00:00'],
    ['1 day, 23:00:00', '1 day 23:00:00'],
    ['1 day 23:00:00', '1 day 23:00:00'],
    ['36:00:00', '1 day 12:00:00'],
    ['3600', '1:00:00'],
    ['86400', '1 day'],
    ['1', '0:00:01'],
    ['0:00:01', '0:00:01'],
    ['0:30:00.750', '0:30:00'],
    ['360 days', '360 days'],
    ['8640:00:00', '360 days'],
    ['  1   HOUR  ', '1:00:00'],
    ['2 Days', '2 days'],
    ['1 MONTHS', '1 month'],
  ];
  for (const [period, canonical] of validPeriods) {
    test(`period ${JSON.stringify(period)} is accepted and answered as ${JSON.stringify(canonical)}`, async () => {
      const user = onlyUser(await add(limit(10, period)));
      assert.equal(user.custom_ratelimit_period, canonical);
      assert.equal(user.custom_ratelimit_value, 10);
    });
  }

  const invalidPeriods: unknown[] = [
    '',
    '   ',
    '1 fortnight',
    '-1 day',
    '1:60:00',
    '1:00:60',
    '0:00:00',
    '0',
    '13 months',
    '361 days',
    '8641:00:00',
    'hour',
    '1.5 hours',
    'one hour',
  ];
  for (const period of invalidPeriods) {
    test(`period ${JSON.stringify(period)} is refused, showing what was found`, async () => {
      assertFieldError(await add(limit(10, period)), 'custom_ratelimit_period', `found '${String(period)}'`);
    });
  }

  test('a period given as a number is refused naming the field', async () => {
    assertFieldError(await add(limit(10, 3600)), 'custom_ratelimit_period', 'found the integer 3600');
  });

  const ignored: [string, Record<string, unknown>][] = [
    [
      'custom_ratelimit false with a valid value and period',
      { custom_ratelimit: false, custom_ratelimit_value: 5, custom_ratelimit_period: '1 hour' },
    ],
    [
      'custom_ratelimit false with an out-of-range value and a bad period',
      { custom_ratelimit: false, custom_ratelimit_value: 0, custom_ratelimit_period: '1 fortnight' },
    ],
    [
      'custom_ratelimit absent with a value and period',
      { custom_ratelimit_value: 5, custom_ratelimit_period: '1 hour' },
    ],
  ];
  for (const [name, body] of ignored) {
    test(`${name}: value and period are ignored, answered as null and "0:00:00"`, async () => {
      const user = onlyUser(await add(body));
      assert.equal(user.custom_ratelimit, false);
      assert.equal(user.custom_ratelimit_value, null);
      assert.equal(user.custom_ratelimit_period, '0:00:00');
      const stored = await node.ops.repos.smtpUsers.findByLogin(user.username);
      assert.equal(stored?.settings.custom_ratelimit_value, null);
      assert.equal(stored?.settings.custom_ratelimit_period, null);
    });
  }
});

describe('ip_pool', () => {
  test('a pool this account may use is accepted and answered as ippool', async () => {
    const user = onlyUser(await add({ ip_pool: 1 }));
    assert.equal(user.ippool, 1);
    assert.equal(Object.hasOwn(user, 'ip_pool'), false);
  });

  test('null means no pool', async () => {
    assert.equal(onlyUser(await add({ ip_pool: null })).ippool, null);
  });

  const bad: [string, unknown, string][] = [
    ['an unknown pool', 99, 'found 99'],
    ['a pool granted only to another account', 2, 'found 2'],
    ['zero', 0, 'found 0'],
    ['a string', '1', "found '1'"],
    ['a fraction', 1.5, 'found the number 1.5'],
  ];
  for (const [name, value, found] of bad) {
    test(`refused naming ip_pool: ${name}`, async () => {
      assertFieldError(await add({ ip_pool: value }), 'ip_pool', found);
    });
  }
});

describe('feedback, tracking and archive', () => {
  test('feedback_domain other than "default" is accepted and answered', async () => {
    const user = onlyUser(await add({ feedback_domain: 'links.example.com' }));
    assert.equal(user.feedback_domain, 'links.example.com');
  });

  test('feedback_html and feedback_text are answered as given', async () => {
    const user = onlyUser(
      await add({
        feedback_enabled: true,
        feedback_html: '<b>%%UNSUBSCRIBE%%</b>',
        feedback_text: '%%EMAIL%%',
      }),
    );
    assert.equal(user.feedback_enabled, true);
    assert.equal(user.feedback_html, '<b>%%UNSUBSCRIBE%%</b>');
    assert.equal(user.feedback_text, '%%EMAIL%%');
  });

  const strings = ['feedback_domain', 'feedback_html', 'feedback_text'];
  for (const field of strings) {
    test(`${field} given as a number is refused naming the field`, async () => {
      assertFieldError(await add({ [field]: 7 }), field, 'found the integer 7');
    });
  }

  const booleans = [
    'custom_ratelimit',
    'feedback_enabled',
    'open_tracking_enabled',
    'click_tracking_enabled',
    'archive_enabled',
  ];
  const notBooleans: [unknown, string][] = [
    ['true', "found 'true'"],
    ['false', "found 'false'"],
    [1, 'found the integer 1'],
    [0, 'found the integer 0'],
    [null, 'found null'],
    [{}, 'found an object'],
  ];
  for (const field of booleans) {
    for (const [value, found] of notBooleans) {
      test(`${field} given as ${JSON.stringify(value)} is refused naming the field`, async () => {
        assertFieldError(await add({ [field]: value }), field, found);
      });
    }
  }

  for (const field of booleans.filter((f) => f !== 'custom_ratelimit')) {
    for (const value of [true, false]) {
      test(`${field} ${value} is accepted and answered`, async () => {
        assert.equal(onlyUser(await add({ [field]: value }))[field], value);
      });
    }
  }
});

describe('audit_email', () => {
  const ten = Array.from({ length: 10 }, (_, i) => `audit${i}@example.com`);
  const ok: [string, string, string | null][] = [
    ['one address', 'audit@example.com', 'audit@example.com'],
    ['ten addresses', ten.join(','), ten.join(',')],
    [
      'spaces around addresses are dropped',
      ' a@example.com ,  b@example.org ',
      'a@example.com,b@example.org',
    ],
    ['an address repeated in another case is listed once', 'a@example.com,A@EXAMPLE.COM', 'a@example.com'],
    ['blank means none', '', null],
  ];
  for (const [name, value, expected] of ok) {
    test(`accepted: ${name}, answered normalised`, async () => {
      assert.equal(onlyUser(await add({ audit_email: value })).audit_email, expected);
    });
  }

  test('null means none', async () => {
    assert.equal(onlyUser(await add({ audit_email: null })).audit_email, null);
  });

  const bad: [string, unknown, string][] = [
    ['eleven addresses', [...ten, 'audit10@example.com'].join(','), 'found 11'],
    ['a bad address', 'not-an-address', 'not-an-address'],
    ['a good and a bad address', 'a@example.com,bad@', 'bad@'],
    ['an empty entry', 'a@example.com,,b@example.com', 'a@example.com,,b@example.com'],
    ['a list instead of a string', ['a@example.com'], 'found a list'],
  ];
  for (const [name, value, found] of bad) {
    test(`refused naming audit_email: ${name}`, async () => {
      assertFieldError(await add({ audit_email: value }), 'audit_email', found);
    });
  }
});

describe('bounce_notifications', () => {
  for (const value of ['from', 'drop', 'bounces@example.com']) {
    test(`${JSON.stringify(value)} is accepted and answered`, async () => {
      assert.equal(onlyUser(await add({ bounce_notifications: value })).bounce_notifications, value);
    });
  }

  const bad: [unknown, string][] = [
    ['garbage', "found 'garbage'"],
    ['', "found ''"],
    ['a@example.com,b@example.com', 'a@example.com,b@example.com'],
    [1, 'found the integer 1'],
  ];
  for (const [value, found] of bad) {
    test(`${JSON.stringify(value)} is refused naming bounce_notifications`, async () => {
      assertFieldError(await add({ bounce_notifications: value }), 'bounce_notifications', found);
    });
  }
});

describe('status', () => {
  const ok: [string, boolean][] = [
    ['allowed', true],
    ['blocked', false],
    ['sandbox', true],
  ];
  for (const [status, sendingAllowed] of ok) {
    test(`${status} is accepted; sending_allowed is ${sendingAllowed}`, async () => {
      const user = onlyUser(await add({ status }));
      assert.equal(user.status, status);
      assert.equal(user.sending_allowed, sendingAllowed);
    });
  }

  for (const [value, found] of [
    ['paused', "found 'paused'"],
    ['', "found ''"],
    [null, 'found null'],
    [1, 'found the integer 1'],
  ] as [unknown, string][]) {
    test(`${JSON.stringify(value)} is refused naming status`, async () => {
      assertFieldError(await add({ status: value }), 'status', found);
    });
  }
});

describe('subaccount_id', () => {
  test('an unknown subaccount is refused naming subaccount_id', async () => {
    assertFieldError(
      await add({ subaccount_id: 'no-such-subaccount' }),
      'subaccount_id',
      'no-such-subaccount',
    );
  });
});
