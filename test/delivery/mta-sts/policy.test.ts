// The pure MTA-STS rules against RFC 8461's own examples: the TXT record (§3.1), the policy file (§3.2)
// and MX matching with wildcards (§4.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_AGE_LIMIT_SECONDS,
  StsPolicyError,
  mxMatches,
  parsePolicy,
  parseStsRecord,
  policyAllowsMx,
} from '../../../src/delivery/mta-sts/policy.js';

test('the TXT record of RFC 8461 §3.1 gives its id', () => {
  assert.deepEqual(parseStsRecord([['v=STSv1; id=20160831085700Z;']]), { id: '20160831085700Z' });
  // Split into character-strings on the wire, joined back before parsing.
  assert.deepEqual(parseStsRecord([['v=STSv1; id=2016', '0831085700Z']]), { id: '20160831085700Z' });
  assert.deepEqual(parseStsRecord([['v=STSv1;id=abc']]), { id: 'abc' });
});

test('records that are not STSv1 are ignored; two STSv1 records or a bad id mean no policy', () => {
  assert.deepEqual(parseStsRecord([['v=spf1 -all'], ['v=STSv1; id=1']]), { id: '1' });
  assert.equal(parseStsRecord([['v=STSv1; id=1'], ['v=STSv1; id=2']]), null);
  assert.equal(parseStsRecord([['v=STSv1;']]), null);
  assert.equal(parseStsRecord([['v=STSv1; id=not-alnum']]), null);
  assert.equal(parseStsRecord([['v=STSv1; id=' + 'a'.repeat(33)]]), null);
  assert.equal(parseStsRecord([['v=STSv10; id=1']]), null);
  assert.equal(parseStsRecord([]), null);
});

const RFC_POLICY =
  'version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\n' +
  'mx: backupmx.example.com\r\nmax_age: 604800\r\n';

test('the policy of RFC 8461 §3.2 parses, and its MX patterns match as §4.1 says', () => {
  const policy = parsePolicy(RFC_POLICY);
  assert.deepEqual(policy, {
    mode: 'enforce',
    mx: ['mail.example.com', '*.example.net', 'backupmx.example.com'],
    maxAgeSeconds: 604800,
  });
  assert.ok(policyAllowsMx(policy, 'mail.example.com'));
  assert.ok(policyAllowsMx(policy, 'MAIL.Example.com.'));
  assert.ok(policyAllowsMx(policy, 'mx1.example.net'));
  assert.ok(policyAllowsMx(policy, 'backupmx.example.com'));
  assert.ok(!policyAllowsMx(policy, 'other.example.com'));
  assert.ok(!policyAllowsMx(policy, 'example.net'));
});

test('a wildcard stands for exactly one label (RFC 8461 §4.1)', () => {
  assert.ok(mxMatches('*.example.com', 'mail.example.com'));
  assert.ok(!mxMatches('*.example.com', 'example.com'));
  assert.ok(!mxMatches('*.example.com', 'foo.mail.example.com'));
  assert.ok(!mxMatches('*.example.com', 'mailexample.com'));
  assert.ok(!mxMatches('mail.example.com', 'mx.mail.example.com'));
});

test('LF line ends, unknown keys and the first of repeated keys are taken as RFC 8461 allows', () => {
  const policy = parsePolicy(
    'version: STSv1\nmode: testing\nfoo: bar\nmx: a.test\nmax_age: 86400\nmode: none\n',
  );
  assert.equal(policy.mode, 'testing');
  assert.deepEqual(policy.mx, ['a.test']);
  assert.equal(parsePolicy('version: STSv1\nmode: none\nmax_age: 1\n').mode, 'none');
});

test('a policy that must not be applied is refused', () => {
  const bad = [
    'mode: enforce\nmx: a.test\nmax_age: 1\n',
    'version: STSv2\nmode: enforce\nmx: a.test\nmax_age: 1\n',
    'version: STSv1\nmode: strict\nmx: a.test\nmax_age: 1\n',
    'version: STSv1\nmode: enforce\nmax_age: 1\n',
    'version: STSv1\nmode: enforce\nmx: a.test\n',
    'version: STSv1\nmode: enforce\nmx: a.test\nmax_age: -5\n',
    '<html>not a policy</html>',
  ];
  for (const text of bad) assert.throws(() => parsePolicy(text), StsPolicyError, text);
});

test('max_age is capped at the RFC limit of about a year', () => {
  const policy = parsePolicy('version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 999999999\n');
  assert.equal(policy.maxAgeSeconds, MAX_AGE_LIMIT_SECONDS);
});
