// Every recipient counts (SPEC §10, §2.3–§2.4): audit copies count against the monthly and rate limits,
// through SMTP and through email/send alike, and in sandbox status they are still queued and counted.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { monthOf } from '../../src/domain/rate-window.js';
import { assertOk } from '../api/api-assertions.js';
import { addKey, readStored, type SendData } from '../api/email-helpers.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { acceptedId, addUser, dialogue, line, sendSteps } from '../smtp/clients.js';

const TEN_AUDITS = Array.from({ length: 10 }, (_, i) => `audit${i}@example.org`).join(',');

let node: TestNode;
let port: number;

before(async () => {
  node = await startTestNode();
  port = node.smtp.ports.smtp[0] as number;
});
after(() => node.stop());

async function subaccount(limit: number): Promise<string> {
  const answer = await node.call('/subaccount/add', { fullname: 'Audit Sub', limit });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.data.id as string;
}

function counted(accountId: string): Promise<number> {
  return node.ops.repos.sendingLimits.monthlyCount(accountId, monthOf(Date.now()));
}

describe('audit copies count against the limits', () => {
  test('SMTP: a monthly limit of 1 with 10 audit addresses can no longer send 11 recipients', async () => {
    const sub = await subaccount(1);
    await addUser(node, 'audit-monthly', { subaccount_id: sub, audit_email: TEN_AUDITS });
    const before = node.spool.queue.messageCount();
    const result = await dialogue(port, sendSteps('audit-monthly', ['one@example.com']));
    assert.equal(
      line(result.steps[3]),
      "452 4.5.3 Monthly limit of 1 emails reached for the account of SMTP user 'audit-monthly'; try again next month",
    );
    // No recipient, so no DATA: nothing was stored, no audit copy goes out, nothing stays counted.
    assert.equal(result.steps[4]?.code, 503);
    assert.equal(node.spool.queue.messageCount(), before);
    assert.equal(await counted(sub), 0);
  });

  test('SMTP: the audit copies are counted once per message, beside each recipient', async () => {
    const sub = await subaccount(12);
    await addUser(node, 'audit-exact', { subaccount_id: sub, audit_email: TEN_AUDITS });
    const result = await dialogue(
      port,
      sendSteps('audit-exact', ['one@example.com', 'two@example.com', 'three@example.com']),
    );
    assert.equal(line(result.steps[3]), '250 2.1.5 Accepted');
    assert.equal(line(result.steps[4]), '250 2.1.5 Accepted');
    assert.match(line(result.steps[5]), /^452 4\.5\.3 Monthly limit of 12 emails reached/);
    const id = acceptedId(result.steps[6]);
    assert.equal(node.spool.queue.recipientsOf(id).length, 12);
    assert.equal(await counted(sub), 12);
  });

  test('SMTP: a rate limit counts audit copies too', async () => {
    await addUser(node, 'audit-rate', {
      audit_email: 'a1@example.org,a2@example.org',
      custom_ratelimit: true,
      custom_ratelimit_value: 3,
      custom_ratelimit_period: '1 hour',
    });
    const result = await dialogue(port, sendSteps('audit-rate', ['one@example.com', 'two@example.com']));
    assert.equal(line(result.steps[3]), '250 2.1.5 Accepted');
    assert.equal(
      line(result.steps[4]),
      "451 4.7.1 Rate limit exceeded for SMTP user 'audit-rate' (3 per 1:00:00); try again later",
    );
    acceptedId(result.steps[5]);
  });

  test('email/send: a monthly limit of 1 with 10 audit addresses sends nothing', async () => {
    const sub = await subaccount(1);
    const key = await addKey(node, { subaccount_id: sub, audit_email: TEN_AUDITS });
    const answer = await node.call(
      '/email/send',
      { sender: 'app@example.com', to: ['one@example.com'], subject: 'Audit', text_body: 'Hello' },
      { key: key.key },
    );
    const data = assertOk<SendData>(answer);
    assert.equal(data.succeeded, 0);
    assert.equal(data.email_id, null);
    assert.match(data.failures[0] ?? '', /^one@example\.com: monthly limit of 1 emails reached/);
    assert.equal(await counted(sub), 0);
  });

  test('email/send in sandbox: audit copies are still queued, and still counted', async () => {
    const sub = await subaccount(3);
    const key = await addKey(node, {
      subaccount_id: sub,
      status: 'sandbox',
      audit_email: 'audit@example.org',
    });
    const data = assertOk<SendData>(
      await node.call(
        '/email/send',
        {
          sender: 'app@example.com',
          to: ['one@example.com', 'two@example.com', 'three@example.com'],
          subject: 'Sandbox',
          text_body: 'Hello',
        },
        { key: key.key },
      ),
    );
    assert.equal(data.succeeded, 2);
    assert.match(data.failures[0] ?? '', /^three@example\.com: monthly limit of 3 emails reached/);
    const stored = await readStored(node, data.email_id as string);
    assert.deepEqual(stored.recipients, [
      'audit:audit@example.org:queued',
      'recipient:one@example.com:held',
      'recipient:two@example.com:held',
    ]);
    assert.equal(await counted(sub), 3);
  });
});
