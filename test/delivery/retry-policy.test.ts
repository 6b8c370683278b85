// Retry policy: exponential back-off from the first delay up to the cap, a last try at the maximum age,
// then give up; jitter stays within its bounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_RETRY_POLICY,
  backoffDelay,
  checkRetryPolicy,
  nextAttempt,
  type RetryPolicy,
} from '../../src/delivery/retry-policy.js';

const policy: RetryPolicy = {
  firstDelayMs: 1_000,
  factor: 2,
  maxDelayMs: 8_000,
  maxAgeMs: 60_000,
  jitter: 0,
};

test('the defaults follow SPEC §3.3: about a minute first, at most an hour apart, three days in all', () => {
  assert.equal(DEFAULT_RETRY_POLICY.firstDelayMs, 60_000);
  assert.equal(DEFAULT_RETRY_POLICY.maxDelayMs, 3_600_000);
  assert.equal(DEFAULT_RETRY_POLICY.maxAgeMs, 3 * 24 * 3_600_000);
  assert.equal(checkRetryPolicy(DEFAULT_RETRY_POLICY), null);
  const delays = [1, 2, 3, 4, 5, 6, 7, 8, 20].map((n) => backoffDelay(DEFAULT_RETRY_POLICY, n));
  assert.deepEqual(delays.slice(0, 7), [60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000]);
  assert.ok(delays.every((d) => d <= 3_600_000));
});

test('the delay doubles from the first delay and stops at the cap', () => {
  const at = (failedAttempts: number) => nextAttempt(policy, { arrivedAt: 0, failedAttempts, now: 10_000 });
  assert.deepEqual(at(1), { kind: 'retry', at: 11_000 });
  assert.deepEqual(at(2), { kind: 'retry', at: 12_000 });
  assert.deepEqual(at(3), { kind: 'retry', at: 14_000 });
  assert.deepEqual(at(4), { kind: 'retry', at: 18_000 });
  assert.deepEqual(at(5), { kind: 'retry', at: 18_000 });
  assert.deepEqual(at(500), { kind: 'retry', at: 18_000 });
});

test('the last try falls on the maximum age, and after it the policy gives up', () => {
  assert.deepEqual(nextAttempt(policy, { arrivedAt: 0, failedAttempts: 9, now: 57_000 }), {
    kind: 'retry',
    at: 60_000,
  });
  assert.deepEqual(nextAttempt(policy, { arrivedAt: 0, failedAttempts: 10, now: 60_000 }), {
    kind: 'give-up',
  });
  assert.deepEqual(nextAttempt(policy, { arrivedAt: 0, failedAttempts: 1, now: 90_000 }), {
    kind: 'give-up',
  });
});

test('jitter spreads the delay either side within its fraction, never past the cap', () => {
  const jittery = { ...policy, jitter: 0.1 };
  const history = { arrivedAt: 0, failedAttempts: 2, now: 0 };
  assert.deepEqual(
    nextAttempt(jittery, history, () => 0),
    { kind: 'retry', at: 1_800 },
  );
  assert.deepEqual(
    nextAttempt(jittery, history, () => 0.5),
    { kind: 'retry', at: 2_000 },
  );
  assert.deepEqual(
    nextAttempt(jittery, history, () => 0.999999),
    { kind: 'retry', at: 2_200 },
  );
  const capped = nextAttempt(jittery, { ...history, failedAttempts: 9 }, () => 0.999999);
  assert.deepEqual(capped, { kind: 'retry', at: 8_000 });
});

test('a nonsensical policy is named', () => {
  assert.match(checkRetryPolicy({ ...policy, firstDelayMs: 0 }) ?? '', /firstDelayMs/);
  assert.match(checkRetryPolicy({ ...policy, maxDelayMs: 10 }) ?? '', /maxDelayMs/);
  assert.match(checkRetryPolicy({ ...policy, jitter: 1.5 }) ?? '', /jitter/);
});
