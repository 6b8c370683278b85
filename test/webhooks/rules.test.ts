// The webhook rules that need no server: the production back-off schedule (SPEC §7: first retry within
// 30 s, ≥ 30 tries, given up after 48 h), the address checks, and the Standard Webhooks signature.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { checkWebhookUrl, refusalOf } from '../../src/webhooks/destination.js';
import {
  nextAttemptAt,
  parseRetrySchedule,
  PRODUCTION_RETRY_SCHEDULE,
} from '../../src/webhooks/retry-schedule.js';
import { MAX_HEADER_VALUE_CHARS, withMessageHeaders } from '../../src/webhooks/event-payload.js';
import { newWebhookSecret, signatureHeaders } from '../../src/webhooks/signature.js';

describe('production retry schedule', () => {
  /** The times (seconds after creation) of every try, the first one at 0. */
  function tries(): number[] {
    const times = [0];
    let now = 0;
    for (let failed = 1; ; failed++) {
      const next = nextAttemptAt(PRODUCTION_RETRY_SCHEDULE, 0, failed, now * 1000);
      if (next === null) return times;
      now = next / 1000;
      times.push(now);
    }
  }

  it('retries first within 30 s, at least 30 times, for 48 hours, then gives up', () => {
    const t = tries();
    assert.ok(t[1]! > 0 && t[1]! <= 30, `first retry after ${t[1]} s`);
    assert.ok(t.length >= 30, `${t.length} tries`);
    const last = t[t.length - 1]!;
    assert.ok(last <= 48 * 3600 && last > 46 * 3600, `last try at ${last / 3600} h`);
    for (let i = 1; i < t.length; i++) assert.ok(t[i]! > t[i - 1]!, 'tries move forward');
  });

  it('parses a test schedule', () => {
    assert.deepEqual(parseRetrySchedule('0.5,1/10'), { delays: [0.5, 1], maxAgeSeconds: 10 });
    assert.throws(() => parseRetrySchedule('soon'));
  });
});

describe('webhook destinations', () => {
  it('refuses non-public addresses unless allowed', () => {
    for (const a of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '::1',
      'fe80::1',
      'fc00::1',
      '::ffff:127.0.0.1',
      '0.0.0.0',
      '100.64.0.1',
    ])
      assert.ok(refusalOf(a, false), a);
    for (const a of ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'])
      assert.equal(refusalOf(a, false), null, a);
    assert.equal(refusalOf('127.0.0.1', true), null);
  });

  it('takes only http and https URLs', () => {
    assert.ok('problem' in checkWebhookUrl('ftp://example.com/', false));
    assert.ok('problem' in checkWebhookUrl('file:///etc/passwd', false));
    assert.ok('problem' in checkWebhookUrl('https://user:pw@example.com/', false));
    assert.ok('url' in checkWebhookUrl('https://example.com/hook', false));
  });
});

describe('signature', () => {
  it('is what the standardwebhooks package verifies', () => {
    const secret = newWebhookSecret();
    const body = JSON.stringify({ event: 'delivered' });
    const headers = signatureHeaders(secret, 'msg_1', body);
    assert.deepEqual(new Webhook(secret).verify(body, { ...headers }), { event: 'delivered' });
    assert.throws(() => new Webhook(newWebhookSecret()).verify(body, { ...headers }));
  });
});

describe('message headers in the payload', () => {
  const block = [
    'From: a@example.com',
    'Subject: Hi',
    'Message-ID: <abc@example.com>',
    'X-Campaign: spring',
    '\tsecond line',
    `X-Long: ${'y'.repeat(3000)}`,
  ].join('\r\n');

  it('adds message-id and the requested headers, unfolded and cut, never over a payload field', () => {
    const payload = withMessageHeaders({ event: 'delivered', subject: 'Hi' }, block, [
      'X-Campaign',
      'x-long',
      'Subject',
      'X-Missing',
    ]);
    assert.equal(payload['message-id'], '<abc@example.com>');
    assert.match(String(payload['X-Campaign']), /^spring\s+second line$/);
    assert.equal(String(payload['x-long']).length, MAX_HEADER_VALUE_CHARS);
    assert.equal(payload.subject, 'Hi');
    assert.ok(!('Subject' in payload) && !('X-Missing' in payload));
  });

  it('adds nothing when the message facts are unknown', () => {
    assert.deepEqual(withMessageHeaders({ event: 'open' }, undefined, ['X-Campaign']), { event: 'open' });
  });
});
