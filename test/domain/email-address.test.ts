import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkBounceNotifications,
  isValidEmailAddress,
  parseAuditEmailList,
} from '../../src/domain/email-address.js';

describe('isValidEmailAddress', () => {
  const valid = [
    'a@b.co',
    'user@example.com',
    'first.last@example.com',
    'user+tag@sub.example.co.uk',
    "o'brien@example.ie",
    "!#$%&'*+/=?^_`{|}~-@example.com",
    'x@xn--bcher-kva.de',
    'a@my-host.example',
    '"quoted@local"@example.com',
    '"a\\"b"@example.com',
    'user@[192.0.2.1]',
    'user@[IPv6:2001:db8::1]',
    'jörg@bücher.de',
    '用户@例子.广告',
    'a'.repeat(64) + '@example.com',
    'a@' + ['b'.repeat(63), 'c'.repeat(63), 'd'.repeat(63), 'e'.repeat(60)].join('.'), // 254
    'user@123.example.com',
  ];
  const invalid = [
    '',
    'not-an-address',
    '@example.com',
    'user@',
    'user@localhost',
    'user@@example.com',
    'a@b@example.com',
    '.user@example.com',
    'user.@example.com',
    'us..er@example.com',
    'us er@example.com',
    ' user@example.com',
    'user@example.com ',
    'user\n@example.com',
    'user@exa\tmple.com',
    'user@example.com\r\nBcc: victim@example.com',
    'user@-example.com',
    'user@example-.com',
    'user@exa_mple.com',
    'user@example..com',
    'user@.example.com',
    'user@example.com.',
    'user@' + 'a'.repeat(64) + '.com',
    'a'.repeat(65) + '@example.com',
    'a@' + ['b'.repeat(63), 'c'.repeat(63), 'd'.repeat(63), 'e'.repeat(61)].join('.'), // 255
    'ü'.repeat(33) + '@example.com', // 66 octets in the local part
    'user@1.2.3.4',
    'user@[256.0.0.1]',
    'user@[1.2.3]',
    'user@[IPv6:nonsense]',
    'user@[example.com]',
    '"a b"@example.com',
    '""@example.com',
    '"unterminated@example.com',
    'user@exam ple.com',
    'user@example.com,other@example.com',
    'user@\u00a0example.com',
    'us\u0085er@example.com',
    'Name <user@example.com>',
  ];
  for (const s of valid) {
    it(`accepts ${JSON.stringify(s.length > 60 ? `${s.slice(0, 30)}…` : s)}`, () => {
      assert.equal(isValidEmailAddress(s), true);
    });
  }
  for (const s of invalid) {
    it(`rejects ${JSON.stringify(s.length > 60 ? `${s.slice(0, 30)}…` : s)}`, () => {
      assert.equal(isValidEmailAddress(s), false);
    });
  }
});

describe('parseAuditEmailList', () => {
  const ten = Array.from({ length: 10 }, (_, i) => `audit${i}@example.com`);
  const ok: [string, string[]][] = [
    ['', []],
    ['   ', []],
    ['audit@example.com', ['audit@example.com']],
    ['a@x.com,b@y.com', ['a@x.com', 'b@y.com']],
    ['  a@x.com ,  b@y.com  ', ['a@x.com', 'b@y.com']],
    ['a@x.com, A@X.COM, b@y.com', ['a@x.com', 'b@y.com']],
    [ten.join(','), ten],
    // the eleventh is a repeat, so ten distinct addresses remain
    [[...ten, 'AUDIT0@example.com'].join(', '), ten],
  ];
  for (const [input, addresses] of ok) {
    it(`accepts ${JSON.stringify(input.length > 60 ? `${input.slice(0, 30)}…` : input)}`, () => {
      assert.deepEqual(parseAuditEmailList(input), { ok: true, addresses });
    });
  }

  const bad: [string, string | RegExp][] = [
    ['not-an-address', "must list only valid email addresses, found 'not-an-address'"],
    ['a@x.com, not-an-address', "must list only valid email addresses, found 'not-an-address'"],
    ['a@x.com; b@y.com', "must list only valid email addresses, found 'a@x.com; b@y.com'"],
    ['a@x.com,,b@y.com', /^must not contain an empty entry/],
    ['a@x.com,', /^must not contain an empty entry/],
    [',a@x.com', /^must not contain an empty entry/],
    ['a@x.com, ,b@y.com', /^must not contain an empty entry/],
    [[...ten, 'extra@example.com'].join(','), 'must list at most 10 addresses, found 11'],
    ['a@x.com, bad\naddress', "must list only valid email addresses, found 'bad\\naddress'"],
  ];
  for (const [input, reason] of bad) {
    it(`rejects ${JSON.stringify(input.length > 60 ? `${input.slice(0, 30)}…` : input)}`, () => {
      const result = parseAuditEmailList(input);
      assert.equal(result.ok, false);
      if (result.ok) return;
      if (typeof reason === 'string') assert.equal(result.reason, reason);
      else assert.match(result.reason, reason);
    });
  }
});

describe('checkBounceNotifications', () => {
  const cases: [string, string | null][] = [
    ['from', null],
    ['drop', null],
    ['bounces@example.com', null],
    ['FROM', `must be "from", "drop" or one valid email address, found 'FROM'`],
    ['Drop', `must be "from", "drop" or one valid email address, found 'Drop'`],
    ['', `must be "from", "drop" or one valid email address, found ''`],
    ['x', `must be "from", "drop" or one valid email address, found 'x'`],
    [' from', `must be "from", "drop" or one valid email address, found ' from'`],
    ['a@x.com,b@y.com', `must be "from", "drop" or one valid email address, found 'a@x.com,b@y.com'`],
  ];
  for (const [input, expected] of cases) {
    it(JSON.stringify(input), () => {
      assert.equal(checkBounceNotifications(input), expected);
    });
  }
});
