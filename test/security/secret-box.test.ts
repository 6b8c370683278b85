import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SecretBox } from '../../src/security/secret-box.js';

test('a sealed secret opens with its key and context only', () => {
  const box = new SecretBox(SecretBox.newKey());
  const sealed = box.seal('dkim private key', 'dkim:example.com');
  assert.ok(SecretBox.isSealed(sealed));
  assert.ok(!sealed.includes('dkim private key'));
  assert.equal(box.open(sealed, 'dkim:example.com').toString(), 'dkim private key');
  assert.throws(() => box.open(sealed, 'dkim:other.com'), /cannot be opened/);
  assert.throws(() => new SecretBox(SecretBox.newKey()).open(sealed, 'dkim:example.com'), /cannot be opened/);
  assert.throws(() => box.open('plain value'), /Not a sealed secret/);
  assert.notEqual(box.seal('x'), box.seal('x'), 'a fresh IV each time');
});

test('keys of the wrong length are refused', () => {
  assert.throws(() => new SecretBox(Buffer.alloc(16)), /32 bytes/);
});
