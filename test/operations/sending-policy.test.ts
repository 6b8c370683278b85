// The sending policy shared by SMTP and the HTTP send API (operations/sending-policy.ts), on the real
// store (SQLite, or PostgreSQL when PETREL_TEST_DATABASE_URL is set): who may send, and how recipients
// count against the rolling rate limit and the monthly limit.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_SENDING_SETTINGS, type SendingSettings } from '../../src/domain/sending-settings.js';
import {
  apiKeyLimiterKey,
  checkSender,
  releaseRecipients,
  reserveRecipient,
  type SenderPolicy,
} from '../../src/operations/sending-policy.js';
import { monthOf } from '../../src/domain/rate-window.js';
import {
  sendingLimitsRepository,
  type Reservation,
  type SendingLimitsRepository,
} from '../../src/store/repositories/sending-limits.js';
import { startTestNode, type TestNode } from '../helpers/node.js';

let node: TestNode;
let limits: SendingLimitsRepository;

before(async () => {
  node = await startTestNode();
  limits = sendingLimitsRepository(node.store.db, node.store.dialect);
});
after(() => node.stop());

async function account(fields: { state?: string; monthly_limit?: number | null } = {}): Promise<string> {
  const id = `acct${randomBytes(4).toString('hex')}`;
  await node.ops.repos.accounts.insert({
    id,
    parent_id: node.masterAccountId,
    name: id,
    email: null,
    monthly_limit: fields.monthly_limit ?? null,
    state: fields.state ?? 'active',
    created_at: new Date().toISOString(),
    closed_at: null,
  });
  return id;
}

function settings(changes: Partial<SendingSettings> = {}): SendingSettings {
  return { ...DEFAULT_SENDING_SETTINGS, ...changes };
}

const RATE = { custom_ratelimit: true, custom_ratelimit_period: '1:00:00', custom_ratelimit_seconds: 3600 };

async function policy(changes: Partial<SendingSettings>, accountId?: string): Promise<SenderPolicy> {
  const decision = await checkSender(node.ops.repos.accounts, {
    limiterKey: `user-${randomBytes(4).toString('hex')}`,
    accountId: accountId ?? (await account()),
    settings: settings(changes),
  });
  assert.ok(decision.ok, `refused: ${JSON.stringify(decision)}`);
  return decision.sender;
}

async function outcomes(sender: SenderPolicy, n: number, now?: number): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < n; i++) {
    const result = await reserveRecipient(limits, sender, now);
    seen.push(result.ok ? 'ok' : result.exceeded);
  }
  return seen;
}

describe('checkSender', () => {
  test('a closed account refuses before the status is looked at', async () => {
    const closed = await account({ state: 'closed' });
    const decision = await checkSender(node.ops.repos.accounts, {
      limiterKey: 'u1',
      accountId: closed,
      settings: settings({ status: 'blocked' }),
    });
    assert.deepEqual(decision, { ok: false, refused: 'accountClosed' });
  });

  test('an account that no longer exists refuses like a closed one', async () => {
    const decision = await checkSender(node.ops.repos.accounts, {
      limiterKey: 'u1',
      accountId: 'no-such-account',
      settings: settings(),
    });
    assert.deepEqual(decision, { ok: false, refused: 'accountClosed' });
  });

  test('blocked refuses; sandbox is held; audit_email and the limits are read', async () => {
    const open = await account({ monthly_limit: 500 });
    const blocked = await checkSender(node.ops.repos.accounts, {
      limiterKey: 'u1',
      accountId: open,
      settings: settings({ status: 'blocked' }),
    });
    assert.deepEqual(blocked, { ok: false, refused: 'blocked' });

    const sender = await policy(
      { status: 'sandbox', audit_email: 'a@example.org,b@example.org', ...RATE, custom_ratelimit_value: 7 },
      open,
    );
    assert.equal(sender.sandbox, true);
    assert.deepEqual(sender.auditRecipients, ['a@example.org', 'b@example.org']);
    assert.deepEqual(sender.rate, { limit: 7, periodSeconds: 3600, period: '1:00:00' });
    assert.equal(sender.monthlyLimit, 500);
    assert.equal((await policy({})).rate, null);
  });
});

describe('reserveRecipient', () => {
  test('the rate limit takes exactly N recipients, per limiter key', async () => {
    const sender = await policy({ ...RATE, custom_ratelimit_value: 3 });
    assert.deepEqual(await outcomes(sender, 4), ['ok', 'ok', 'ok', 'rate']);
    // An API key's counter never shares a name with an SMTP user's, even for the same id.
    const sameIdKey = { ...sender, limiterKey: apiKeyLimiterKey(sender.limiterKey) };
    assert.deepEqual(await outcomes(sameIdKey, 1), ['ok']);
  });

  test('the window rolls: counts older than the period no longer apply, younger ones do', async () => {
    const sender = await policy({ ...RATE, custom_ratelimit_value: 1 });
    const now = Date.now();
    assert.deepEqual(await outcomes(sender, 1, now - 2 * 3600 * 1000), ['ok']);
    assert.deepEqual(await outcomes(sender, 1, now - 1800 * 1000), ['ok']);
    assert.deepEqual(await outcomes(sender, 1, now), ['rate']);
  });

  test('what is given back can be taken again', async () => {
    const sender = await policy({ ...RATE, custom_ratelimit_value: 2 });
    const taken: Reservation[] = [];
    for (let i = 0; i < 2; i++) {
      const result = await reserveRecipient(limits, sender);
      assert.ok(result.ok && result.reservation);
      taken.push(result.reservation);
    }
    assert.deepEqual(await outcomes(sender, 1), ['rate']);
    await releaseRecipients(limits, taken.slice(0, 1));
    assert.deepEqual(await outcomes(sender, 2), ['ok', 'rate']);
  });

  test("the monthly limit is the account's, shared by all its senders", async () => {
    const shared = await account({ monthly_limit: 3 });
    const one = await policy({}, shared);
    const two = await policy({ ...RATE, custom_ratelimit_value: 100 }, shared);
    assert.deepEqual(await outcomes(one, 2), ['ok', 'ok']);
    assert.deepEqual(await outcomes(two, 2), ['ok', 'monthly']);
    assert.equal(await limits.monthlyCount(shared, monthOf(Date.now())), 3);
  });

  test('a sender without limits counts nothing', async () => {
    const free = await account();
    const sender = await policy({}, free);
    const result = await reserveRecipient(limits, sender);
    assert.deepEqual(result, { ok: true, reservation: null });
    assert.equal(await limits.monthlyCount(free, monthOf(Date.now())), 0);
  });

  test('concurrent reservations never take more than the limit', async () => {
    const sender = await policy({ ...RATE, custom_ratelimit_value: 5 });
    const results = await Promise.all(Array.from({ length: 20 }, () => reserveRecipient(limits, sender)));
    assert.equal(results.filter((r) => r.ok).length, 5);
  });
});
