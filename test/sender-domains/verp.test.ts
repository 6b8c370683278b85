import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { newSortableId } from '../../src/security/sortable-id.js';
import {
  parseVerpLocalPart,
  verpAddress,
  verpLocalPart,
  verpNamesRecipient,
} from '../../src/sender-domains/verp.js';

const key = randomBytes(32);

test('a VERP address names its message and recipient, and no other recipient', () => {
  const id = newSortableId();
  const address = verpAddress(key, id, 'Alice@Example.net', 'RP.Example.com');
  assert.match(address, /^b-[0-9a-z]{19}-[a-z2-7]{13}@rp\.example\.com$/);
  const token = parseVerpLocalPart(address.split('@')[0] ?? '');
  assert.ok(token);
  assert.equal(token.emailId, id);
  assert.equal(verpNamesRecipient(key, token, 'alice@example.net'), true);
  assert.equal(verpNamesRecipient(key, token, 'bob@example.net'), false);
  assert.equal(verpNamesRecipient(randomBytes(32), token, 'alice@example.net'), false);
});

test('the local part fits RFC 5321 and survives a case change by a remote MTA', () => {
  const local = verpLocalPart(key, newSortableId(), 'x@example.net');
  assert.ok(local.length <= 64);
  assert.ok(parseVerpLocalPart(local.toUpperCase()));
});

test('anything not shaped like a token is not one', () => {
  for (const bad of [
    '',
    'postmaster',
    'b-',
    'b-abc-def',
    `b-${newSortableId()}-0000000000000`,
    `b-${newSortableId()}`,
  ])
    assert.equal(parseVerpLocalPart(bad), null, bad);
  assert.throws(() => verpLocalPart(key, 'not-an-id', 'x@example.net'));
});
