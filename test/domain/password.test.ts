import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkChosenPassword,
  estimatePasswordEntropyBits,
  generatePassword,
} from '../../src/domain/password.js';

describe('estimatePasswordEntropyBits', () => {
  // [password, bits rounded to one decimal]
  const cases: [string, number][] = [
    ['abcdefghijk', 51.7],
    ['Tr0ub4dor&3x', 78.8],
    ['correcthorsebatterystaple', 117.5],
    ['', 0],
    ['a', 4.7], // log2(26)
    ['A1', 2 * Math.log2(36)],
    ['0123456789', 10 * Math.log2(10)],
    [' ', Math.log2(33)], // space is in the symbol class
    ['a b', 3 * Math.log2(26 + 33)],
    ['\u0001', Math.log2(33)], // control characters count as symbols
    ['é', Math.log2(100)],
    ['éü', 2 * Math.log2(100)], // non-ASCII adds 100 once
    ['a😀', 2 * Math.log2(126)], // an emoji is one code point
    ['aA1!é', 5 * Math.log2(195)],
  ];
  for (const [password, bits] of cases) {
    it(`${JSON.stringify(password)} → ${bits.toFixed(1)} bits`, () => {
      assert.equal(Math.round(estimatePasswordEntropyBits(password) * 10) / 10, Math.round(bits * 10) / 10);
    });
  }
});

describe('checkChosenPassword', () => {
  const cases: [string, string, string | null][] = [
    [
      'abcdefghijk',
      'acme-web',
      'email_password has an estimated 52 bits of entropy; at least 64 are required',
    ],
    ['Tr0ub4dor&3x', 'acme-web', null],
    ['correcthorsebatterystaple', 'acme-web', null],
    ['', 'acme-web', 'email_password has an estimated 0 bits of entropy; at least 64 are required'],
    ['xXACME-WEBxx!9Q7z', 'acme-web', 'email_password must not contain the username'],
    ['acme-web-Tr0ub4dor&3x', 'Acme-Web', 'email_password must not contain the username'],
    ['correcthorsebatterystaple', '', null],
    // 14 lowercase letters = 65.8 bits, just enough
    ['abcdefghijklmn', 'acme-web', null],
    // 13 lowercase letters = 61.1 bits
    [
      'abcdefghijklm',
      'acme-web',
      'email_password has an estimated 61 bits of entropy; at least 64 are required',
    ],
    ['a'.repeat(1000), 'acme-web', null],
    ['a'.repeat(1001), 'acme-web', 'email_password must be at most 1000 characters long, found 1001'],
    ['😀'.repeat(1000), 'acme-web', null],
    ['😀'.repeat(1001), 'acme-web', 'email_password must be at most 1000 characters long, found 1001'],
  ];
  for (const [password, username, expected] of cases) {
    const shown = password.length > 40 ? `${password.slice(0, 20)}… (${password.length})` : password;
    it(`${JSON.stringify(shown)} for ${JSON.stringify(username)}`, () => {
      assert.equal(checkChosenPassword(password, username), expected);
    });
  }
});

describe('generatePassword', () => {
  it('makes 24 alphanumeric characters with at least 128 bits', () => {
    for (let i = 0; i < 50; i++) {
      const password = generatePassword();
      assert.match(password, /^[A-Za-z0-9]{24}$/);
    }
    assert.ok(24 * Math.log2(62) >= 128);
  });

  it('does not repeat itself', () => {
    const seen = new Set(Array.from({ length: 200 }, () => generatePassword()));
    assert.equal(seen.size, 200);
  });

  it('draws from the whole alphabet', () => {
    const chars = new Set(Array.from({ length: 200 }, () => generatePassword()).join(''));
    assert.equal(chars.size, 62);
  });
});
