import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  USERNAME_MAX,
  USERNAME_MIN,
  USERNAME_PATTERN,
  checkUsername,
  normaliseUsername,
} from '../../src/domain/username.js';

describe('checkUsername', () => {
  const cases: [string, string | null][] = [
    ['acme-web', null],
    ['abcde', null],
    ['a'.repeat(100), null],
    ['User.Name_1+tag@example.com', null],
    ['abc', 'must be 5 to 100 characters long, found 3'],
    ['', 'must be 5 to 100 characters long, found 0'],
    ['a'.repeat(101), 'must be 5 to 100 characters long, found 101'],
    ['a b c', "may contain only letters, digits and . _ @ + -, found ' '"],
    ['abc\tdef', "may contain only letters, digits and . _ @ + -, found '\\t'"],
    ['abc\ndef', "may contain only letters, digits and . _ @ + -, found '\\n'"],
    ['abc"def', `may contain only letters, digits and . _ @ + -, found '\\"'`],
    ['abcdé', "may contain only letters, digits and . _ @ + -, found 'é'"],
    ['ab😀cd', "may contain only letters, digits and . _ @ + -, found '😀'"],
    ['abc\u0000d', "may contain only letters, digits and . _ @ + -, found '\\u0000'"],
    ['abcd!e/f', "may contain only letters, digits and . _ @ + -, found '!'"],
    ['\u212Aelvin', "may contain only letters, digits and . _ @ + -, found '\u212A'"],
  ];
  for (const [username, expected] of cases) {
    it(`${JSON.stringify(username.length > 30 ? `${username.slice(0, 10)}…` : username)}`, () => {
      assert.equal(checkUsername(username), expected);
    });
  }

  it('exports the limits and pattern', () => {
    assert.equal(USERNAME_MIN, 5);
    assert.equal(USERNAME_MAX, 100);
    assert.ok(USERNAME_PATTERN.test('A.b_c@d+e-f9'));
    assert.ok(!USERNAME_PATTERN.test('a b'));
    assert.ok(!USERNAME_PATTERN.test(''));
  });
});

describe('normaliseUsername', () => {
  const cases: [string, string][] = [
    ['Acme-Web', 'acme-web'],
    ['acme-web', 'acme-web'],
    ['USER@EXAMPLE.COM', 'user@example.com'],
    // only ASCII folds, so a lookalike cannot alias a real key
    ['\u212Aelvin', '\u212Aelvin'],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => {
      assert.equal(normaliseUsername(input), expected);
    });
  }
});
