// The Ed25519 second signature (RFC 8463) on its own: the key made for a sender domain is sealed and
// published as `k=ed25519` with the bare 32-byte key; a copy signed with both keys carries two
// DKIM-Signature fields over one shared body hash, and mailauth's independent verifier passes both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { signedCopy, type DkimKey } from '../../src/sender-domains/dkim-signer.js';
import { dkimRecordValue, newDkimKey, newEd25519Key, openDkimKey } from '../../src/sender-domains/keys.js';
import { SecretBox } from '../../src/security/secret-box.js';

const box = new SecretBox(SecretBox.newKey());
const rsa = await newDkimKey(box, 'two.example');
const ed = await newEd25519Key(box, 'two.example');
const KEYS: DkimKey[] = [
  { domain: 'two.example', selector: 's111111', privateKey: openDkimKey(box, 'two.example', rsa.sealed) },
  {
    domain: 'two.example',
    selector: 'ed222222',
    privateKey: openDkimKey(box, 'two.example', ed.sealed, 'ed25519'),
    algorithm: 'ed25519',
  },
];
const ZONE: Record<string, string> = {
  's111111._domainkey.two.example': dkimRecordValue(rsa.publicKey),
  'ed222222._domainkey.two.example': dkimRecordValue(ed.publicKey, 'ed25519'),
};
const resolver = (name: string) => {
  const record = ZONE[name];
  if (record === undefined)
    return Promise.reject(Object.assign(new Error('no record'), { code: 'ENOTFOUND' }));
  return Promise.resolve([[record]]);
};

const MESSAGE =
  'From: Two <a@two.example>\r\nTo: b@far.example\r\nSubject: two signatures\r\n' +
  'Date: Fri, 04 Dec 2026 09:00:00 +0000\r\n\r\nHello  there \r\n\r\n';

async function read(stream: Readable): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += (chunk as Buffer).toString('latin1');
  return text;
}

test('the Ed25519 key is sealed, opens only with its own context, and publishes the bare 32-byte key', () => {
  assert.ok(SecretBox.isSealed(ed.sealed));
  assert.ok(!ed.sealed.includes('PRIVATE'));
  assert.equal(Buffer.from(ed.publicKey, 'base64').length, 32);
  assert.match(dkimRecordValue(ed.publicKey, 'ed25519'), /^v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=$/);
  // Sealed for its algorithm: the RSA context (or another domain) does not open it.
  assert.throws(() => openDkimKey(box, 'two.example', ed.sealed), /cannot be opened/);
  assert.throws(() => openDkimKey(box, 'other.example', ed.sealed, 'ed25519'), /cannot be opened/);
});

test('a copy signed with both keys carries rsa-sha256 and ed25519-sha256, one body hash, both pass', async () => {
  const signed = await read(signedCopy(() => Readable.from([Buffer.from(MESSAGE)]), KEYS));
  const fields = signed.match(/^DKIM-Signature:/gm) ?? [];
  assert.equal(fields.length, 2);
  assert.match(signed, /a=rsa-sha256;[\s\S]*a=ed25519-sha256;/);
  const hashes = [...signed.matchAll(/bh=([^;]+);/g)].map((m) => m[1]);
  assert.equal(hashes.length, 2);
  assert.equal(hashes[0], hashes[1]);
  assert.ok(signed.endsWith(MESSAGE));

  const result = await dkimVerify(Buffer.from(signed), { resolver });
  const byAlgo = new Map(result.results.map((r) => [r.selector ?? '', r.status.result]));
  assert.deepEqual(Object.fromEntries(byAlgo), { s111111: 'pass', ed222222: 'pass' });

  // A changed body breaks both; a wrong Ed25519 record breaks only that one.
  const changed = await dkimVerify(Buffer.from(signed.replace('Hello', 'Hallo')), { resolver });
  assert.equal(changed.results.length, 2);
  for (const r of changed.results) assert.notEqual(r.status.result, 'pass');
  const other = await newEd25519Key(box, 'two.example');
  ZONE['ed222222._domainkey.two.example'] = dkimRecordValue(other.publicKey, 'ed25519');
  try {
    const wrongKey = await dkimVerify(Buffer.from(signed), { resolver });
    const results = Object.fromEntries(wrongKey.results.map((r) => [r.selector ?? '', r.status.result]));
    assert.equal(results.s111111, 'pass');
    assert.notEqual(results.ed222222, 'pass');
    assert.ok(results.ed222222 !== undefined);
  } finally {
    ZONE['ed222222._domainkey.two.example'] = dkimRecordValue(ed.publicKey, 'ed25519');
  }
});
