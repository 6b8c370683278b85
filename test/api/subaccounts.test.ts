// /v3/subaccount/* and /v3/subaccounts/search against a real node: shapes, validation, who may manage
// subaccounts, and what closing and reopening do to a subaccount's keys and SMTP users.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestNode, type ApiAnswer, type TestNode } from '../helpers/node.js';

const VALIDATION = 'E_ApiResponseCodes.NON_VALIDATING_IN_PAYLOAD';
const API_EXCEPTION = 'E_ApiResponseCodes.API_EXCEPTION';
const ID_PATTERN = /^[a-z2-9]{10}$/;

let node: TestNode;

before(async () => {
  node = await startTestNode();
});
after(async () => {
  await node.stop();
});

/** A name no other test uses, so searches see only this test's subaccounts. */
function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** The ids in a list of answered items, in order. */
function idsOf(list: unknown): string[] {
  return (list as { id: string }[]).map((item) => item.id);
}

async function addSubaccount(body: Record<string, unknown>): Promise<string> {
  const answer = await node.call('/subaccount/add', body);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.data.id as string;
}

async function keyFor(subaccountId: string, endpoints: string[] = ['*']): Promise<string> {
  const answer = await node.call('/api_keys/add', { subaccount_id: subaccountId, endpoints });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.data.api_key as string;
}

function assertFieldError(answer: ApiAnswer, fieldname: string): void {
  assert.equal(answer.status, 400, JSON.stringify(answer.body));
  assert.equal(answer.body.data.error_code, VALIDATION);
  assert.equal(answer.body.data.field_validation_errors.fieldname, fieldname);
  assert.equal(answer.body.data.field_validation_errors.message, answer.body.data.error);
}

function assertApiException(answer: ApiAnswer, pattern: RegExp): void {
  assert.equal(answer.status, 400, JSON.stringify(answer.body));
  assert.equal(answer.body.data.error_code, API_EXCEPTION);
  assert.match(answer.body.data.error, pattern);
}

describe('POST /v3/subaccount/add', () => {
  it('answers the new subaccount field by field', async () => {
    const answer = await node.call('/subaccount/add', {
      fullname: '  Acme Widgets  ',
      subaccount_email: 'ops@acme.example',
      limit: 50000,
      version: 1,
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.match(answer.body.request_id, /^[0-9a-f-]{36}$/);
    const data = answer.body.data;
    assert.match(data.id, ID_PATTERN);
    assert.deepEqual(data, {
      id: data.id,
      name: 'Acme Widgets',
      fullname: 'Acme Widgets',
      email: 'ops@acme.example',
      limit: 50000,
      plan_size: 50000,
      state: 'active',
      created_at: data.created_at,
      closed_at: null,
    });
    assert.ok(!Number.isNaN(Date.parse(data.created_at)), data.created_at);
  });

  it('defaults to no email and a monthly limit of 10000', async () => {
    const answer = await node.call('/subaccount/add', { fullname: 'Defaults Ltd' });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.data.email, null);
    assert.equal(answer.body.data.limit, 10000);
    assert.equal(answer.body.data.plan_size, 10000);
  });

  it('gives each subaccount its own id', async () => {
    const first = await addSubaccount({ fullname: 'Twin' });
    const second = await addSubaccount({ fullname: 'Twin' });
    assert.notEqual(first, second);
  });

  it('names the first failing field', async () => {
    assertFieldError(await node.call('/subaccount/add', {}), 'fullname');
    assertFieldError(await node.call('/subaccount/add', { fullname: '   ' }), 'fullname');
    assertFieldError(await node.call('/subaccount/add', { fullname: 'x'.repeat(201) }), 'fullname');
    assertFieldError(await node.call('/subaccount/add', { fullname: 7 }), 'fullname');
    assertFieldError(
      await node.call('/subaccount/add', { fullname: 'A', subaccount_email: 'not-an-address' }),
      'subaccount_email',
    );
    assertFieldError(await node.call('/subaccount/add', { fullname: 'A', limit: 0 }), 'limit');
    assertFieldError(await node.call('/subaccount/add', { fullname: 'A', limit: 2.5 }), 'limit');
    assertFieldError(await node.call('/subaccount/add', { fullname: 'A', limit: '100' }), 'limit');
  });

  it("refuses a subaccount's key: only the master account may create subaccounts", async () => {
    const sub = await addSubaccount({ fullname: 'Reseller' });
    const subKey = await keyFor(sub);
    const answer = await node.call('/subaccount/add', { fullname: 'Grandchild' }, { key: subKey });
    assertApiException(answer, /only the master account/i);
    const viaSubaccountId = await node.call('/subaccount/add', {
      fullname: 'Grandchild',
      subaccount_id: sub,
    });
    assertApiException(viaSubaccountId, /only the master account/i);
  });

  it('answers 403 to a key not permitted the endpoint', async () => {
    const key = await node.call('/api_keys/add', { endpoints: ['/users/smtp/*'] });
    const answer = await node.call('/subaccount/add', { fullname: 'Nope' }, { key: key.body.data.api_key });
    assert.equal(answer.status, 403);
    assert.equal(answer.body.data.error_code, 'E_ApiResponseCodes.ENDPOINT_PERMISSION_DENIED');
  });
});

describe('POST /v3/subaccount/edit', () => {
  it('changes the fields given and keeps the rest', async () => {
    const id = await addSubaccount({ fullname: 'Before', subaccount_email: 'a@b.example', limit: 2000 });
    const renamed = await node.call('/subaccount/edit', { id, fullname: 'After' });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.equal(renamed.body.data.id, id);
    assert.equal(renamed.body.data.name, 'After');
    assert.equal(renamed.body.data.fullname, 'After');
    assert.equal(renamed.body.data.email, 'a@b.example');
    assert.equal(renamed.body.data.limit, 2000);
    assert.equal(renamed.body.data.state, 'active');

    const relimited = await node.call('/subaccount/edit', { id, limit: 30000, subaccount_email: '' });
    assert.equal(relimited.status, 200, JSON.stringify(relimited.body));
    assert.equal(relimited.body.data.limit, 30000);
    assert.equal(relimited.body.data.plan_size, 30000);
    assert.equal(relimited.body.data.email, null);
    assert.equal(relimited.body.data.name, 'After');

    const search = await node.call('/subaccounts/search', { search_terms: [id] });
    assert.deepEqual(search.body.data.subaccounts, [relimited.body.data]);
  });

  it('validates the fields it changes', async () => {
    const id = await addSubaccount({ fullname: 'Valid' });
    assertFieldError(await node.call('/subaccount/edit', { fullname: 'No id' }), 'id');
    assertFieldError(await node.call('/subaccount/edit', { id, fullname: '' }), 'fullname');
    assertFieldError(await node.call('/subaccount/edit', { id, limit: -5 }), 'limit');
    assertFieldError(await node.call('/subaccount/edit', { id, subaccount_email: 'x@' }), 'subaccount_email');
  });

  it('answers an unknown id and an id that is not a subaccount of this account the same way', async () => {
    const unknown = await node.call('/subaccount/edit', { id: 'zzzzzzzzzz', fullname: 'X' });
    const ownAccount = await node.call('/subaccount/edit', { id: node.masterAccountId, fullname: 'X' });
    for (const answer of [unknown, ownAccount]) assertFieldError(answer, 'id');
    for (const path of ['/subaccount/close', '/subaccount/reopen']) {
      assertFieldError(await node.call(path, { id: 'zzzzzzzzzz' }), 'id');
      assertFieldError(await node.call(path, { id: node.masterAccountId }), 'id');
    }
  });
});

describe('POST /v3/subaccount/close and /reopen', () => {
  it("closing stops the subaccount's keys and SMTP users; reopening restores them", async () => {
    const id = await addSubaccount({ fullname: 'Closable' });
    const subKey = await keyFor(id);
    const username = unique('closable');
    const added = await node.call('/users/smtp/add', { username, subaccount_id: id });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.equal(added.body.data.results[0].sending_allowed, true);
    assert.equal((await node.call('/users/smtp/view', {}, { key: subKey })).status, 200);

    const closed = await node.call('/subaccount/close', { id });
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.equal(closed.body.data.id, id);
    assert.equal(closed.body.data.state, 'closed');
    assert.ok(!Number.isNaN(Date.parse(closed.body.data.closed_at)), closed.body.data.closed_at);

    const refused = await node.call('/users/smtp/view', {}, { key: subKey });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.data.error_code, 'E_ApiResponseCodes.API_KEY_INVALID');
    const users = await node.call('/users/smtp/view', { subaccount_id: id, username });
    assert.equal(users.status, 200, JSON.stringify(users.body));
    assert.equal(users.body.data.results[0].sending_allowed, false);
    assert.equal(users.body.data.results[0].status, 'allowed');
    const search = await node.call('/subaccounts/search', { search_terms: id });
    assert.equal(search.body.data.subaccounts[0].state, 'closed');

    const reopened = await node.call('/subaccount/reopen', { id });
    assert.equal(reopened.status, 200, JSON.stringify(reopened.body));
    assert.equal(reopened.body.data.state, 'active');
    assert.equal(reopened.body.data.closed_at, null);
    assert.equal((await node.call('/users/smtp/view', {}, { key: subKey })).status, 200);
    const again = await node.call('/users/smtp/view', { subaccount_id: id, username });
    assert.equal(again.body.data.results[0].sending_allowed, true);
  });

  it('refuses to close a closed subaccount or reopen an open one', async () => {
    const id = await addSubaccount({ fullname: 'Twice' });
    assertApiException(await node.call('/subaccount/reopen', { id }), /already open/);
    assert.equal((await node.call('/subaccount/close', { id })).status, 200);
    assertApiException(await node.call('/subaccount/close', { id }), /already closed/);
  });

  it("leaves the master's own keys working while a subaccount is closed", async () => {
    const id = await addSubaccount({ fullname: 'Quiet' });
    assert.equal((await node.call('/subaccount/close', { id })).status, 200);
    assert.equal((await node.call('/users/smtp/view', {})).status, 200);
    const edited = await node.call('/subaccount/edit', { id, fullname: 'Still editable' });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body.data.state, 'closed');
  });

  it("refuses a subaccount's key", async () => {
    const id = await addSubaccount({ fullname: 'Self-closer' });
    const subKey = await keyFor(id);
    assertApiException(await node.call('/subaccount/close', { id }, { key: subKey }), /only the master/i);
    assertApiException(await node.call('/subaccounts/search', {}, { key: subKey }), /only the master/i);
  });
});

describe('POST /v3/subaccounts/search', () => {
  it('finds by part of the name, email or id, case-insensitively, in name order', async () => {
    const tag = unique('srch');
    const b = await addSubaccount({ fullname: `${tag} bravo` });
    const a = await addSubaccount({ fullname: `${tag} alpha`, subaccount_email: 'alpha@x.example' });
    const c = await addSubaccount({ fullname: 'Other', subaccount_email: `${tag}@mail.example` });

    const answer = await node.call('/subaccounts/search', { search_terms: [tag.toUpperCase()] });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(Object.keys(answer.body.data).sort(), ['continue_token', 'subaccounts', 'total_count']);
    assert.deepEqual(
      idsOf(answer.body.data.subaccounts),
      [c, a, b], // "Other" < "srch-… alpha" < "srch-… bravo"
    );
    assert.equal(answer.body.data.total_count, 3);
    assert.equal(answer.body.data.continue_token, null);

    const desc = await node.call('/subaccounts/search', { search_terms: tag, sort_direction: 'desc' });
    assert.deepEqual(idsOf(desc.body.data.subaccounts), [b, a, c]);

    const byId = await node.call('/subaccounts/search', { search_terms: [a, 'no-such-thing'] });
    assert.deepEqual(idsOf(byId.body.data.subaccounts), [a]);
  });

  it('with fuzzy_search false, matches whole values exactly', async () => {
    const name = unique('Exact');
    const id = await addSubaccount({ fullname: name });
    const partial = await node.call('/subaccounts/search', {
      search_terms: [name.slice(0, 8)],
      fuzzy_search: false,
    });
    assert.equal(partial.body.data.total_count, 0);
    const wrongCase = await node.call('/subaccounts/search', {
      search_terms: [name.toLowerCase()],
      fuzzy_search: false,
    });
    assert.equal(wrongCase.body.data.total_count, 0);
    const whole = await node.call('/subaccounts/search', { search_terms: [name], fuzzy_search: false });
    assert.deepEqual(idsOf(whole.body.data.subaccounts), [id]);
  });

  it('takes % and _ in search terms literally', async () => {
    const tag = unique('lit');
    const percent = await addSubaccount({ fullname: `${tag} 100% done` });
    await addSubaccount({ fullname: `${tag} 1000 done` });
    const answer = await node.call('/subaccounts/search', { search_terms: ['100% d'] });
    assert.deepEqual(idsOf(answer.body.data.subaccounts), [percent]);
    const underscore = await node.call('/subaccounts/search', { search_terms: [`${tag}_`] });
    assert.equal(underscore.body.data.total_count, 0);
  });

  it('filters by state, given as a list or a string', async () => {
    const tag = unique('state');
    const open = await addSubaccount({ fullname: `${tag} open` });
    const shut = await addSubaccount({ fullname: `${tag} shut` });
    assert.equal((await node.call('/subaccount/close', { id: shut })).status, 200);
    const ids = async (states: unknown) => {
      const answer = await node.call('/subaccounts/search', { search_terms: [tag], states });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return idsOf(answer.body.data.subaccounts);
    };
    assert.deepEqual(await ids(['closed']), [shut]);
    assert.deepEqual(await ids('active'), [open]);
    assert.deepEqual(await ids(['active', 'closed']), [open, shut]);
    assert.deepEqual(await ids('all'), [open, shut]);
    assert.deepEqual(await ids([]), [open, shut]);
    assert.deepEqual(await ids(['suspended']), []);
  });

  it('pages with page_size and continue_token, counting every match', async () => {
    const tag = unique('page');
    const created: string[] = [];
    for (const n of [1, 2, 3, 4, 5]) created.push(await addSubaccount({ fullname: `${tag} ${n}` }));
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const body: Record<string, unknown> = { search_terms: [tag], page_size: 2 };
      if (token !== null) body.continue_token = token;
      const answer = await node.call('/subaccounts/search', body);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.data.total_count, 5);
      assert.ok(answer.body.data.subaccounts.length <= 2);
      seen.push(...idsOf(answer.body.data.subaccounts));
      token = answer.body.data.continue_token;
      pages++;
    } while (token !== null && pages < 10);
    assert.equal(pages, 3);
    assert.deepEqual(seen, created);
  });

  it('validates its fields', async () => {
    assertFieldError(await node.call('/subaccounts/search', { states: ['frozen'] }), 'states');
    assertFieldError(await node.call('/subaccounts/search', { states: 5 }), 'states');
    assertFieldError(await node.call('/subaccounts/search', { search_terms: { a: 1 } }), 'search_terms');
    assertFieldError(await node.call('/subaccounts/search', { page_size: 0 }), 'page_size');
    assertFieldError(await node.call('/subaccounts/search', { page_size: 1001 }), 'page_size');
    assertFieldError(
      await node.call('/subaccounts/search', { continue_token: 'garbage!' }),
      'continue_token',
    );
    assertFieldError(await node.call('/subaccounts/search', { sort_direction: 'up' }), 'sort_direction');
  });
});
