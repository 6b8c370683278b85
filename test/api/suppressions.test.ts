// /v3/suppression/add|view|remove (SPEC §8) against a real node: SMTP2GO's field names (compared with the
// reference file), paging, filters, bad input and account isolation. Delivery: test/e2e/parity-suppressions.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { assertFieldError, assertOk, insertSubaccount } from './api-assertions.js';
import { answerFields, requestFields } from './reference.js';

interface View {
  results: Record<string, unknown>[];
  total_results: number;
  continue_token: string | null;
}

let node: TestNode;
let subKey: string;
const SUB = `sub${randomBytes(3).toString('hex')}`;

before(async () => {
  node = await startTestNode();
  await insertSubaccount(node, SUB);
  subKey = assertOk<{ api_key: string }>(
    await node.call('/api_keys/add', { subaccount_id: SUB, endpoints: ['*'] }),
  ).api_key;
});
after(async () => {
  await node.stop();
});

const call = (path: string, body: Record<string, unknown>, key?: string) =>
  node.call(path, body, key === undefined ? {} : { key });

describe('suppression endpoints', () => {
  it("answer SMTP2GO's fields and take its request fields", async () => {
    const added = assertOk<Record<string, unknown>>(
      await call('/suppression/add', { email_address: 'one@example.org' }),
    );
    assert.deepEqual(Object.keys(added).sort(), answerFields('/suppression/add'));
    const viewBody = Object.fromEntries(
      requestFields('/suppression/view')
        .filter((f) => !['subaccount_id', 'continue_token', 'start_date', 'end_date'].includes(f))
        .map((f) => [
          f,
          ['reasons', 'recipients', 'suppression_types'].includes(f)
            ? []
            : f === 'fuzzy'
              ? false
              : f === 'sort'
                ? 'desc'
                : f === 'suppression_type'
                  ? 'manual'
                  : '',
        ]),
    );
    const viewed = assertOk<View>(await call('/suppression/view', viewBody));
    for (const f of answerFields('/suppression/view')) assert.ok(f in viewed, f);
    assert.equal(viewed.total_results, 1);
    for (const f of answerFields('/suppression/view', ['results', '[]']))
      assert.ok(f in (viewed.results[0] ?? {}), f);
    assert.equal(viewed.results[0]?.reason, 'manual');
    const removed = assertOk<{ suppressions: Record<string, unknown>[] }>(
      await call('/suppression/remove', { email_address: 'one@example.org', reasons: ['manual'] }),
    );
    assert.deepEqual(Object.keys(removed).sort(), answerFields('/suppression/remove'));
    assert.deepEqual(
      Object.keys(removed.suppressions[0] ?? {}).sort(),
      answerFields('/suppression/remove', ['suppressions', '[]']),
    );
    assert.deepEqual(removed.suppressions, [
      { email_address: 'one@example.org', reason: 'manual', removed: true },
    ]);
  });

  it('pages newest first (or oldest first with sort asc) with total_results', async () => {
    for (const n of [1, 2, 3, 4, 5]) {
      await call('/suppression/add', {
        email_address: `page${n}@example.org`,
        block_description: `entry ${n}`,
      });
      await new Promise((r) => setTimeout(r, 5));
    }
    const first = assertOk<View>(await call('/suppression/view', { limit: 2, wildcard: 'page' }));
    assert.equal(first.total_results, 5);
    assert.deepEqual(
      first.results.map((r) => r.email_address),
      ['page5@example.org', 'page4@example.org'],
    );
    const seen = [...first.results];
    let token = first.continue_token;
    while (token !== null) {
      const next = assertOk<View>(
        await call('/suppression/view', { limit: 2, wildcard: 'page', continue_token: token }),
      );
      seen.push(...next.results);
      token = next.continue_token;
    }
    assert.deepEqual(
      seen.map((r) => r.block_description),
      ['entry 5', 'entry 4', 'entry 3', 'entry 2', 'entry 1'],
    );
    const asc = assertOk<View>(await call('/suppression/view', { wildcard: 'page', sort: 'asc', limit: 1 }));
    assert.equal(asc.results[0]?.email_address, 'page1@example.org');
    assert.equal(
      assertOk<View>(await call('/suppression/view', { recipients: ['page2@example.org'] })).total_results,
      1,
    );
    assert.equal(
      assertOk<View>(await call('/suppression/view', { recipient: 'PAGE', fuzzy: true })).total_results,
      5,
    );
    assert.equal(
      assertOk<View>(await call('/suppression/view', { suppression_type: 'bounce' })).total_results,
      0,
    );
    assert.equal(
      assertOk<View>(await call('/suppression/view', { suppression_types: ['compliance'] })).total_results,
      0,
    );
  });

  it('refuses bad input naming the field (unknown fields are ignored)', async () => {
    assertFieldError(await call('/suppression/add', {}), 'email_address');
    assertFieldError(
      await call('/suppression/add', { email_address: 'not an address' }),
      'email_address',
      'not an address',
    );
    assertFieldError(
      await call('/suppression/add', { email_address: 'localhost' }),
      'email_address',
      'localhost',
    );
    assertFieldError(await call('/suppression/add', { email_address: 42 }), 'email_address');
    assertFieldError(
      await call('/suppression/add', { email_address: 'x@example.org', block_description: [] }),
      'block_description',
    );
    assertFieldError(await call('/suppression/view', { sort: 'sideways' }), 'sort', 'sideways');
    assertFieldError(
      await call('/suppression/view', { suppression_types: ['nice'] }),
      'suppression_types.0',
      'nice',
    );
    assertFieldError(await call('/suppression/view', { continue_token: 'bm9wZQ' }), 'continue_token');
    assertFieldError(
      await call('/suppression/remove', { email_address: 'x@example.org', reasons: 'manual' }),
      'reasons',
    );
    assertFieldError(
      await call('/suppression/remove', { email_address: 'x@example.org', reasons: ['other'] }),
      'reasons.0',
      'other',
    );
    assertFieldError(await call('/suppression/view', { subaccount_id: 'not-mine' }), 'subaccount_id');
    assert.equal(
      assertOk<{ added: boolean }>(
        await call('/suppression/add', { email_address: 'extra@example.org', version: 1 }),
      ).added,
      true,
    );
  });

  it("keeps each account's list to itself: another account's entries cannot be seen or removed", async () => {
    await call('/suppression/add', { email_address: 'private.example' }, subKey);
    const own = assertOk<View>(await call('/suppression/view', {}, subKey));
    assert.deepEqual(
      own.results.map((r) => r.email_address),
      ['private.example'],
    );
    assert.equal(assertOk<View>(await call('/suppression/view', { subaccount_id: SUB })).total_results, 1);
    assert.equal(
      assertOk<View>(await call('/suppression/view', { email_address: 'private.example' })).total_results,
      0,
    );
    const removed = assertOk<{ suppressions: { removed: boolean }[] }>(
      await call('/suppression/remove', { email_address: 'private.example', reasons: ['manual'] }),
    );
    assert.deepEqual(
      removed.suppressions.map((s) => s.removed),
      [false],
    );
    assert.equal(assertOk<View>(await call('/suppression/view', {}, subKey)).total_results, 1);
  });
});
