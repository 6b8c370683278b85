// The pure rules under the SMTP policy: the rolling window's buckets, the calendar month, the back-off's
// address keys, loopback detection and the IP-authentication map.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthBackoff, backoffKey } from '../../src/smtp/auth-backoff.js';
import { IpAuthMap, authNeedsTls, isLoopback } from '../../src/smtp/client-address.js';
import { CredentialCache } from '../../src/smtp/credential-cache.js';
import {
  CLOCK_SKEW_ALLOWANCE_MS,
  bucketLengthMs,
  monthOf,
  rateWindow,
} from '../../src/domain/rate-window.js';

test('buckets are P/60 long but never shorter than a second, and the window counts whole buckets', () => {
  assert.equal(bucketLengthMs(4), 1000);
  assert.equal(bucketLengthMs(3600), 60_000);
  assert.equal(bucketLengthMs(90), 1500);
  const w = rateWindow(1_000_500, 3600);
  assert.deepEqual(w, {
    bucketStart: 960_000,
    bucketEnd: 1_020_000,
    cutoff: 1_000_500 - 3_600_000 - CLOCK_SKEW_ALLOWANCE_MS,
  });
});

test('the month is the UTC calendar month', () => {
  assert.equal(monthOf(Date.UTC(2026, 0, 31, 23, 59, 59)), '2026-01');
  assert.equal(monthOf(Date.UTC(2026, 1, 1, 0, 0, 0)), '2026-02');
});

test('IPv6 clients are counted per /64, IPv4 per address', () => {
  assert.equal(backoffKey('192.0.2.7'), '192.0.2.7');
  assert.equal(backoffKey('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
  assert.equal(backoffKey('2001:db8:1:2::99'), '2001:db8:1:2::/64');
  assert.equal(backoffKey('2001:DB8::1'), '2001:db8:0:0::/64');
  assert.equal(backoffKey('64:ff9b::192.0.2.1'), '64:ff9b:0:0::/64');
});

test('the back-off blocks at the limit within the window, and only then', () => {
  let now = 0;
  const backoff = new AuthBackoff({ limit: 3, windowMs: 1000, blockMs: 5000, now: () => now });
  assert.equal(backoff.recordFailure('192.0.2.1'), false);
  now = 1500; // the first failure has left the window
  assert.equal(backoff.recordFailure('192.0.2.1'), false);
  assert.equal(backoff.recordFailure('192.0.2.1'), false);
  assert.equal(backoff.isBlocked('192.0.2.1'), false);
  assert.equal(backoff.recordFailure('192.0.2.1'), true);
  assert.equal(backoff.isBlocked('192.0.2.1'), true);
  assert.equal(backoff.isBlocked('192.0.2.2'), false);
  now = 1500 + 5000;
  assert.equal(backoff.isBlocked('192.0.2.1'), false);
});

test('loopback and the AUTH-needs-TLS modes', () => {
  assert.ok(
    isLoopback('127.0.0.1') && isLoopback('127.5.6.7') && isLoopback('::1') && isLoopback('::ffff:127.0.0.1'),
  );
  assert.ok(!isLoopback('192.0.2.1') && !isLoopback('::2'));
  assert.equal(authNeedsTls('except-loopback', '127.0.0.1'), false);
  assert.equal(authNeedsTls('except-loopback', '192.0.2.1'), true);
  assert.equal(authNeedsTls('always', '127.0.0.1'), true);
  assert.equal(authNeedsTls('never', '192.0.2.1'), false);
});

test('IP authentication picks the most specific matching block', () => {
  const map = new IpAuthMap([
    { network: '192.0.2.0/24', username: 'office' },
    { network: '192.0.2.50', username: 'printer' },
    { network: '2001:db8::/32', username: 'v6-office' },
  ]);
  assert.equal(map.usernameFor('192.0.2.50'), 'printer');
  assert.equal(map.usernameFor('192.0.2.51'), 'office');
  assert.equal(map.usernameFor('::ffff:192.0.2.9'), 'office');
  assert.equal(map.usernameFor('2001:db8:5::1'), 'v6-office');
  assert.equal(map.usernameFor('198.51.100.1'), null);
});

test('the credential cache vouches only for the hash it verified against, until it expires', () => {
  let now = 0;
  const cache = new CredentialCache({ ttlMs: 1000, maxEntries: 2, now: () => now });
  const key = cache.keyFor('user', 'secret');
  assert.notEqual(key, cache.keyFor('user', 'secret2'));
  assert.ok(!key.includes('secret'));
  cache.remember(key, 'user', 'hash-1');
  assert.ok(cache.has(key, 'hash-1'));
  assert.ok(!cache.has(key, 'hash-2'), 'a changed stored hash makes the entry useless');
  cache.remember(key, 'user', 'hash-1');
  cache.forgetUser('user');
  assert.ok(!cache.has(key, 'hash-1'));
  cache.remember(key, 'user', 'hash-1');
  now = 1000;
  assert.ok(!cache.has(key, 'hash-1'), 'expired');
  cache.remember(cache.keyFor('a', '1'), 'a', 'h');
  cache.remember(cache.keyFor('b', '1'), 'b', 'h');
  cache.remember(cache.keyFor('c', '1'), 'c', 'h');
  assert.equal(cache.size, 2, 'bounded');
});
