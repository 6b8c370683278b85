// /v3/stats/* (SPEC §8) against a real node: events written through the events repository (the path
// intake, delivery and tracking use) are counted in the per-day rollups that the statistics read; field
// names are compared with the reference file; bad input and account isolation.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { newSortableId } from '../../src/security/sortable-id.js';
import type { NewEvent } from '../../src/store/repositories/events.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { assertFieldError, assertOk, insertSubaccount } from './api-assertions.js';
import { answerFields } from './reference.js';

let node: TestNode;
const SUB = `sub${randomBytes(3).toString('hex')}`;

function ev(event: NewEvent['event'], username: string, extra: Partial<NewEvent> = {}): NewEvent {
  return {
    accountId: node.masterAccountId,
    event,
    emailId: newSortableId(),
    username,
    sender: 's@shop.test',
    recipient: 'r@far.test',
    subject: 'x',
    ...extra,
  };
}

before(async () => {
  node = await startTestNode();
  await insertSubaccount(node, SUB);
  const events: NewEvent[] = [];
  for (let i = 0; i < 8; i++) events.push(ev('processed', 'web'));
  for (let i = 0; i < 2; i++) events.push(ev('processed', 'billing'));
  events.push(
    ev('delivered', 'web'),
    ev('delivered', 'web'),
    ev('hard-bounced', 'web'),
    ev('soft-bounced', 'billing'),
    ev('opened', 'web'),
    ev('clicked', 'web'),
    ev('unsubscribed', 'web'),
    ev('spam', 'web'),
    ev('rejected', 'web', { reason: 'suppressed' }),
    ev('rejected', 'web', { reason: 'sandbox' }),
    ev('processed', 'other', { accountId: SUB }),
  );
  await node.ops.repos.events.record(events);
});
after(async () => {
  await node.stop();
});

const stats = <T = Record<string, unknown>>(path: string, body: Record<string, unknown> = {}) =>
  node.call(path, body).then((a) => assertOk<T>(a));

describe('statistics endpoints', () => {
  it("answer SMTP2GO's fields", async () => {
    for (const path of [
      '/stats/email_summary',
      '/stats/email_cycle',
      '/stats/email_bounces',
      '/stats/email_spam',
      '/stats/email_unsubs',
    ]) {
      const data = await stats(path);
      for (const f of answerFields(path)) assert.ok(f in data, `${path} answers ${f}`);
    }
    const history = await stats<{ history: Record<string, unknown>[] }>('/stats/email_history');
    for (const f of answerFields('/stats/email_history')) assert.ok(f in history, `history answers ${f}`);
    for (const f of answerFields('/stats/email_history', ['history', '[]']).filter(
      (f) =>
        f !== 'lastip' &&
        f !== 'domain_verified' &&
        f !== 'description' &&
        f !== 'bytecount' &&
        f !== 'avgsize',
    ))
      assert.ok(f in (history.history[0] ?? {}), `history rows answer ${f}`);
  });

  it('counts the events of the account this month, per username when asked', async () => {
    const summary = await stats('/stats/email_summary');
    assert.equal(summary.email_count, 10);
    assert.equal(summary.cycle_used, 10);
    assert.equal(summary.hardbounces, 1);
    assert.equal(summary.softbounces, 1);
    assert.equal(summary.bounce_percent, '20.00');
    assert.equal(summary.opens, 1);
    assert.equal(summary.clicks, 1);
    assert.equal(summary.unsubscribes, 1);
    assert.equal(summary.spam_emails, 1);
    assert.equal(summary.rejects, 2);
    assert.equal(summary.bounce_rejects, 1);
    const web = await stats('/stats/email_summary', { username: 'WEB' });
    assert.equal(web.email_count, 8);
    assert.equal(web.softbounces, 0);
    assert.equal(web.cycle_used, 10);
    assert.deepEqual(await stats('/stats/email_bounces', { username: 'billing' }), {
      emails: 2,
      hardbounces: 0,
      softbounces: 1,
      rejects: 0,
      bounce_percent: '50.00',
    });
    assert.equal((await stats('/stats/email_unsubs')).unsubscribe_percent, '10.00');
    assert.equal((await stats('/stats/email_spam')).spams, 1);
    assert.equal((await stats('/stats/email_summary', { subaccount_id: SUB })).email_count, 1);
  });

  it('email_history groups by username, subaccount or day', async () => {
    const byUser = await stats<{ history: { username: string; used: number }[] }>('/stats/email_history');
    assert.deepEqual(
      byUser.history.map((h) => [h.username, h.used]),
      [
        ['web', 8],
        ['billing', 2],
      ],
    );
    const byDay = await stats<{ history: { day: string; used: number; delivered: number }[] }>(
      '/stats/email_history',
      { group_by: 'day' },
    );
    assert.deepEqual(
      byDay.history.map((h) => [h.day, h.used, h.delivered]),
      [[new Date().toISOString().slice(0, 10), 10, 2]],
    );
    // Petrel's username filter (the console's per-user chart), case-insensitive as the other stats.
    const billingByDay = await stats<{ history: { used: number; bounces: number }[] }>(
      '/stats/email_history',
      { group_by: 'day', username: 'Billing' },
    );
    assert.deepEqual(
      billingByDay.history.map((h) => [h.used, h.bounces]),
      [[2, 1]],
    );
    const subs = await stats<{ history: { subaccount: string; used: number }[] }>('/stats/email_history', {
      group_by: 'subaccount',
      subaccounts: [SUB],
    });
    assert.deepEqual(
      subs.history.map((h) => [h.subaccount, h.used]),
      [[SUB, 1]],
    );
  });

  it('refuses bad input naming the field', async () => {
    assertFieldError(await node.call('/stats/email_history', { group_by: 'week' }), 'group_by', 'week');
    assertFieldError(await node.call('/stats/email_history', { start_date: 'soon' }), 'start_date', 'soon');
    assertFieldError(await node.call('/stats/email_history', { subaccounts: ['not-mine'] }), 'subaccounts');
    assertFieldError(await node.call('/stats/email_summary', { username: 5 }), 'username');
    assertFieldError(await node.call('/stats/email_summary', { subaccount_id: 'not-mine' }), 'subaccount_id');
  });
});
