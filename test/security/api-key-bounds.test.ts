// SPEC §10, second promise: a key never hands out more than it holds. A key restricted in its sending
// settings (status, rate limit, audit copies) cannot create or edit a key with looser ones: an explicit
// looser value is refused with 400 naming the field, and a field left out inherits the caller's bound.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { assertFieldError, assertOk } from '../api/api-assertions.js';

interface KeyView {
  id: string;
  api_key: string;
  status: string;
  custom_ratelimit: boolean;
  custom_ratelimit_value: number | null;
  custom_ratelimit_period: string;
  audit_email: string | null;
}

let node: TestNode;
/** A key in sandbox, limited to 10 recipients a minute, with its mail copied to the auditor. */
let restricted: KeyView;

before(async () => {
  node = await startTestNode();
  restricted = assertOk<KeyView>(
    await node.call('/api_keys/add', {
      description: 'restricted',
      status: 'sandbox',
      custom_ratelimit: true,
      custom_ratelimit_value: 10,
      custom_ratelimit_period: '0:01:00',
      audit_email: 'auditor@example.com',
    }),
  );
});
after(async () => {
  await node.stop();
});

const asRestricted = (path: string, body: Record<string, unknown>) =>
  node.call(path, body, { key: restricted.api_key });

describe('api_keys/add by a restricted key', () => {
  it('refuses a looser status, naming the field', async () => {
    assertFieldError(await asRestricted('/api_keys/add', { status: 'allowed' }), 'status', 'allowed');
  });

  it('refuses turning the rate limit off or raising it', async () => {
    assertFieldError(await asRestricted('/api_keys/add', { custom_ratelimit: false }), 'custom_ratelimit');
    assertFieldError(
      await asRestricted('/api_keys/add', {
        custom_ratelimit: true,
        custom_ratelimit_value: 11,
        custom_ratelimit_period: '0:01:00',
      }),
      'custom_ratelimit_value',
    );
    // The same number over a shorter period is a faster rate.
    assertFieldError(
      await asRestricted('/api_keys/add', {
        custom_ratelimit: true,
        custom_ratelimit_value: 10,
        custom_ratelimit_period: '0:00:30',
      }),
      'custom_ratelimit_period',
    );
  });

  it('refuses dropping the audit copies', async () => {
    assertFieldError(await asRestricted('/api_keys/add', { audit_email: null }), 'audit_email');
    assertFieldError(
      await asRestricted('/api_keys/add', { audit_email: 'someone-else@example.com' }),
      'audit_email',
    );
  });

  it("gives a key with nothing said the caller's bounds, and accepts tighter ones", async () => {
    const inherited = assertOk<KeyView>(await asRestricted('/api_keys/add', { description: 'child' }));
    assert.equal(inherited.status, 'sandbox');
    assert.equal(inherited.custom_ratelimit, true);
    assert.equal(inherited.custom_ratelimit_value, 10);
    assert.equal(inherited.custom_ratelimit_period, '0:01:00');
    assert.equal(inherited.audit_email, 'auditor@example.com');

    const tighter = assertOk<KeyView>(
      await asRestricted('/api_keys/add', {
        status: 'blocked',
        custom_ratelimit: true,
        custom_ratelimit_value: 5,
        custom_ratelimit_period: '1 hour',
        audit_email: 'auditor@example.com,second@example.com',
      }),
    );
    assert.equal(tighter.status, 'blocked');
    assert.equal(tighter.custom_ratelimit_value, 5);
  });
});

describe('api_keys/edit by a restricted key', () => {
  it('refuses loosening a key it manages, and leaves it unchanged', async () => {
    const child = assertOk<KeyView>(await asRestricted('/api_keys/add', { description: 'to edit' }));
    assertFieldError(await asRestricted('/api_keys/edit', { id: child.id, status: 'allowed' }), 'status');
    assertFieldError(
      await asRestricted('/api_keys/edit', { id: child.id, custom_ratelimit: false }),
      'custom_ratelimit',
    );
    // Not even itself.
    assertFieldError(
      await asRestricted('/api_keys/edit', { id: restricted.id, status: 'allowed' }),
      'status',
    );
    const [after] = assertOk<KeyView[]>(await node.call('/api_keys/view', { id: child.id }));
    assert.equal(after?.status, 'sandbox');
    assert.equal(after?.custom_ratelimit, true);
  });

  it('an unrestricted key may still loosen any key', async () => {
    const child = assertOk<KeyView>(await asRestricted('/api_keys/add', { description: 'freed' }));
    const [freed] = assertOk<KeyView[]>(
      await node.call('/api_keys/edit', { id: child.id, status: 'allowed', custom_ratelimit: false }),
    );
    assert.equal(freed?.status, 'allowed');
  });
});
