// suppressions.check, what the delivery worker asks before every batch: which sender an entry applies
// to (its own unsubscribes, the account's bounces and complaints, never another sender's or another
// account's), by address or by domain, and which reason wins.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  suppressionsRepository,
  type StoredSuppressionReason,
} from '../../src/store/repositories/suppressions.js';
import { openTestStore, type TestStore } from '../helpers/test-store.js';

const ACCOUNT = 'acct-check';
const OTHER_ACCOUNT = 'acct-elsewhere';

describe('suppressions.check', () => {
  let t: TestStore;
  let repo: ReturnType<typeof suppressionsRepository>;

  before(async () => {
    t = await openTestStore();
    repo = suppressionsRepository(t.store.db);
    const add = (accountId: string, username: string, recipient: string, reason: StoredSuppressionReason) =>
      repo.add({ accountId, username, recipient, reason, emailId: null });
    await add(ACCOUNT, 'alice', 'left-alice@example.test', 'unsubscribed');
    await add(ACCOUNT, 'bob', 'left-bob@example.test', 'unsubscribed');
    await add(ACCOUNT, '', 'Bounced@Example.test', 'suppressed');
    await add(ACCOUNT, '', 'complained@example.test', 'spam');
    await add(ACCOUNT, '', 'blocked.example', 'manual');
    await add(ACCOUNT, 'alice', 'both@example.test', 'unsubscribed');
    await add(ACCOUNT, '', 'both@example.test', 'suppressed');
    await add(OTHER_ACCOUNT, '', 'elsewhere@example.test', 'suppressed');
  });
  after(() => t.close());

  test("a sender's own unsubscribe applies to it and to no other sender", async () => {
    const asAlice = await repo.check(ACCOUNT, 'alice', ['left-alice@example.test', 'left-bob@example.test']);
    assert.deepEqual([...asAlice], [['left-alice@example.test', 'unsubscribed']]);
    const asBob = await repo.check(ACCOUNT, 'bob', ['left-alice@example.test', 'left-bob@example.test']);
    assert.deepEqual([...asBob], [['left-bob@example.test', 'unsubscribed']]);
  });

  test('account-wide entries apply to every sender of the account, by address or by domain', async () => {
    const found = await repo.check(ACCOUNT, 'carol', [
      'BOUNCED@example.test',
      'complained@example.test',
      'anyone@blocked.example',
      'fine@example.test',
    ]);
    assert.deepEqual(Object.fromEntries(found), {
      'bounced@example.test': 'suppressed',
      'complained@example.test': 'spam',
      'anyone@blocked.example': 'suppressed',
    });
  });

  test("'unsubscribed' wins over an account-wide entry for the sender it belongs to", async () => {
    assert.equal(
      (await repo.check(ACCOUNT, 'alice', ['both@example.test'])).get('both@example.test'),
      'unsubscribed',
    );
    assert.equal(
      (await repo.check(ACCOUNT, 'bob', ['both@example.test'])).get('both@example.test'),
      'suppressed',
    );
  });

  test("another account's entries never apply", async () => {
    assert.equal((await repo.check(ACCOUNT, '', ['elsewhere@example.test'])).size, 0);
    assert.equal((await repo.check(OTHER_ACCOUNT, 'alice', ['left-alice@example.test'])).size, 0);
  });
});
