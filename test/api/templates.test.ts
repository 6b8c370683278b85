// /v3/template/add|edit|view|search|delete (SPEC §8) against a real node: SMTP2GO's field names (compared
// with the reference file), edit and rename, search, bad input and account isolation. Sending with a
// template through a real SMTP sink: test/e2e/parity-templates.test.ts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { assertApiException, assertFieldError, assertOk, insertSubaccount } from './api-assertions.js';
import { answerFields, requestFields } from './reference.js';

let node: TestNode;
let subKey: string;
const SUB = `sub${randomBytes(3).toString('hex')}`;

const TEMPLATE = {
  template_name: 'Order receipt',
  id: 'order-receipt',
  subject: 'Receipt for {{ product }}',
  html_body: '<p>Hello {{ name }}, you bought {{ product }}.</p>',
  text_body: 'Hello {{ name }}, you bought {{ product }}.',
  template_variables: { name: 'customer' },
  tags: ['orders', 'Receipts'],
};

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

describe('template endpoints', () => {
  it("take SMTP2GO's request fields and answer its fields", async () => {
    for (const path of ['/template/add', '/template/edit']) {
      const known = requestFields(path);
      for (const f of Object.keys(TEMPLATE))
        assert.ok(known.includes(f), `${path} has no ${f} in the reference`);
    }
    const added = assertOk<Record<string, unknown>>(await call('/template/add', TEMPLATE));
    for (const f of answerFields('/template/add', [], 'all')) assert.ok(f in added, `add answers ${f}`);
    assert.equal(added.id, 'order-receipt');
    assert.equal(added.template_name, 'Order receipt');
    assert.match(added.last_updated as string, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const viewed = assertOk<Record<string, unknown>>(await call('/template/view', { id: 'order-receipt' }));
    for (const f of answerFields('/template/view')) assert.ok(f in viewed, `view answers ${f}`);
    assert.deepEqual(viewed.template_variables, { name: 'customer' });
    assert.deepEqual(viewed.tags, ['orders', 'Receipts']);
    const found = assertOk<{ templates: Record<string, unknown>[]; total_count: number }>(
      await call('/template/search', {}),
    );
    assert.equal(found.total_count, 1);
    for (const f of answerFields('/template/search', ['templates', '[]']))
      assert.ok(f in (found.templates[0] ?? {}), f);
  });

  it('edits fields given, keeps the others, and renames with new_id', async () => {
    const edited = assertOk<Record<string, unknown>>(
      await call('/template/edit', {
        id: 'order-receipt',
        new_id: 'receipt-v2',
        subject: 'Your {{ product }}',
      }),
    );
    assert.equal(edited.id, 'receipt-v2');
    assert.equal(edited.subject, 'Your {{ product }}');
    assert.equal(edited.html_body, TEMPLATE.html_body);
    assertApiException(
      await call('/template/view', { id: 'order-receipt' }),
      "No template 'order-receipt' in this account",
    );
    await call('/template/add', {
      ...TEMPLATE,
      id: 'welcome',
      template_name: 'Welcome',
      tags: ['onboarding'],
    });
    assertFieldError(
      await call('/template/edit', { id: 'welcome', new_id: 'receipt-v2' }),
      'new_id',
      'receipt-v2',
    );
  });

  it('searches by exact id or name, by parts with fuzzy_search, and by tag', async () => {
    const ids = async (body: Record<string, unknown>) =>
      assertOk<{ templates: { id: string }[] }>(await call('/template/search', body))
        .templates.map((t) => t.id)
        .sort();
    assert.deepEqual(await ids({ search_terms: ['Welcome'] }), ['welcome']);
    assert.deepEqual(await ids({ search_terms: ['welc'] }), []);
    assert.deepEqual(await ids({ search_terms: ['WELC', 'v2'], fuzzy_search: true }), [
      'receipt-v2',
      'welcome',
    ]);
    assert.deepEqual(await ids({ tags: ['receipts'] }), ['receipt-v2']);
    const page = assertOk<{ templates: unknown[]; continue_token: string | null }>(
      await call('/template/search', { page_size: 1, sort_direction: 'asc' }),
    );
    assert.equal(page.templates.length, 1);
    assert.notEqual(page.continue_token, null);
  });

  it('refuses bad input naming the field', async () => {
    const { id: _id, ...noId } = TEMPLATE;
    assertFieldError(await call('/template/add', noId), 'id');
    assertFieldError(await call('/template/add', { ...TEMPLATE, id: 'has space' }), 'id', 'has space');
    assertFieldError(
      await call('/template/add', { ...TEMPLATE, id: 'x1', html_body: '<p>{{#if}}</p>' }),
      'html_body',
    );
    assertFieldError(await call('/template/add', { ...TEMPLATE, id: 'x2', tags: 'orders' }), 'tags');
    assertFieldError(
      await call('/template/add', { ...TEMPLATE, id: 'x3', template_variables: [] }),
      'template_variables',
    );
    assertApiException(
      await call('/template/add', { ...TEMPLATE, id: 'welcome' }),
      "The template id 'welcome' is already taken in this account",
    );
    assertApiException(await call('/template/edit', { id: 'nope', subject: 'x' }));
    assertApiException(await call('/template/delete', { id: 'nope' }));
    assertFieldError(await call('/template/search', { sort_direction: 'up' }), 'sort_direction', 'up');
    assertFieldError(
      await call('/template/view', { id: 'welcome', subaccount_id: 'not-mine' }),
      'subaccount_id',
    );
  });

  it("keeps each account's templates to itself", async () => {
    assertApiException(await call('/template/view', { id: 'welcome' }, subKey));
    assertApiException(await call('/template/delete', { id: 'welcome' }, subKey));
    assert.equal(
      assertOk<{ total_count: number }>(await call('/template/search', {}, subKey)).total_count,
      0,
    );
    await call('/template/add', { ...TEMPLATE, id: 'welcome', template_name: 'Sub welcome' }, subKey);
    assert.equal(
      assertOk<{ name: string }>(await call('/template/view', { id: 'welcome', subaccount_id: SUB })).name,
      'Sub welcome',
    );
    assert.equal(assertOk<{ name: string }>(await call('/template/view', { id: 'welcome' })).name, 'Welcome');
  });

  it('deletes, answering the sentence SMTP2GO answers', async () => {
    const answer = await call('/template/delete', { id: 'welcome' });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.data, "Successfully deleted template 'welcome'");
    assertApiException(await call('/template/view', { id: 'welcome' }));
  });
});
