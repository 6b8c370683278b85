// /v3/api_keys/* against a real node: shapes, the sending settings a key carries, the rule that a key
// never grants more than it holds, and isolation between accounts (keys, users, IP pools).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestNode, type ApiAnswer, type TestNode } from '../helpers/node.js';

const VALIDATION = 'E_ApiResponseCodes.NON_VALIDATING_IN_PAYLOAD';
const API_EXCEPTION = 'E_ApiResponseCodes.API_EXCEPTION';
const DENIED = 'E_ApiResponseCodes.ENDPOINT_PERMISSION_DENIED';
// An account the private pool is granted to; inserted directly, since pools are granted by id in config.
const POOL_OWNER = 'poolowner01';
const IP_POOLS = [
  { id: 1, name: 'Shared Pool', ip_addresses: ['127.0.0.2'], accounts: '*' },
  { id: 2, name: 'Private Pool', ip_addresses: ['127.0.0.3'], accounts: [POOL_OWNER] },
];

let node: TestNode;

before(async () => {
  node = await startTestNode({ PETREL_IP_POOLS: JSON.stringify(IP_POOLS) });
  await node.ops.repos.accounts.insert({
    id: POOL_OWNER,
    parent_id: node.masterAccountId,
    name: 'Pool owner',
    email: null,
    monthly_limit: 10000,
    state: 'active',
    created_at: new Date().toISOString(),
    closed_at: null,
  });
});
after(async () => {
  await node.stop();
});

function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** The ids in a list of answered items, in order. */
function idsOf(list: unknown): (string | number)[] {
  return (list as { id: string | number }[]).map((item) => item.id);
}

interface NewKey {
  key: string;
  id: string;
}

async function addKey(body: Record<string, unknown>, key?: string): Promise<NewKey> {
  const answer = await node.call('/api_keys/add', body, key === undefined ? {} : { key });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return { key: answer.body.data.api_key, id: answer.body.data.id };
}

async function addSubaccount(): Promise<string> {
  const answer = await node.call('/subaccount/add', { fullname: unique('sub') });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.data.id as string;
}

function assertFieldError(answer: ApiAnswer, fieldname: string): void {
  assert.equal(answer.status, 400, JSON.stringify(answer.body));
  assert.equal(answer.body.data.error_code, VALIDATION);
  assert.equal(answer.body.data.field_validation_errors.fieldname, fieldname);
}

function assertNoSuchKey(answer: ApiAnswer, id: string): void {
  assert.equal(answer.status, 400, JSON.stringify(answer.body));
  assert.equal(answer.body.data.error_code, API_EXCEPTION);
  assert.equal(answer.body.data.error, `No API key '${id}' in this account`);
}

const DEFAULT_SETTINGS_VIEW = {
  sending_allowed: true,
  status: 'allowed',
  custom_ratelimit: false,
  custom_ratelimit_value: null,
  custom_ratelimit_period: '0:00:00',
  default_ratelimit_value: 0,
  default_ratelimit_period: 'unlimited',
  ippool: null,
  feedback_enabled: false,
  feedback_domain: 'default',
  feedback_html: '',
  feedback_text: '',
  open_tracking_enabled: false,
  click_tracking_enabled: false,
  archive_enabled: false,
  audit_email: null,
  bounce_notifications: 'from',
};

describe('POST /v3/api_keys/add', () => {
  it('answers the new key, shown in full only here, with default settings', async () => {
    const answer = await node.call('/api_keys/add', { description: 'CI deploys', version: 1 });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const data = answer.body.data;
    assert.match(data.api_key, /^api-[A-F0-9]{32}$/);
    assert.match(data.id, /^[a-z2-9]{10}$/);
    assert.deepEqual(data, {
      id: data.id,
      api_key: data.api_key,
      description: 'CI deploys',
      endpoints: ['*'],
      created_at: data.created_at,
      ...DEFAULT_SETTINGS_VIEW,
    });
    assert.ok(!Number.isNaN(Date.parse(data.created_at)));

    const works = await node.call('/users/smtp/view', {}, { key: data.api_key });
    assert.equal(works.status, 200, JSON.stringify(works.body));
    const inBody = await node.call(
      '/users/smtp/view',
      { api_key: String(data.api_key).toLowerCase() },
      { key: null },
    );
    assert.equal(inBody.status, 200, JSON.stringify(inBody.body));
  });

  it('stores the sending settings with the same names, rules and defaults as SMTP users', async () => {
    const answer = await node.call('/api_keys/add', {
      description: 'newsletter',
      endpoints: ['/users/smtp/view', '/users/smtp/view'],
      status: 'sandbox',
      custom_ratelimit: true,
      custom_ratelimit_value: 500,
      custom_ratelimit_period: '2 hours',
      ip_pool: 1,
      feedback_enabled: true,
      feedback_html: '<a href="%%UNSUBSCRIBE%%">unsubscribe</a>',
      feedback_text: 'unsubscribe: %%UNSUBSCRIBE%%',
      open_tracking_enabled: true,
      click_tracking_enabled: true,
      archive_enabled: true,
      audit_email: 'audit@example.com, Audit@Example.com, second@example.org',
      bounce_notifications: 'bounces@example.com',
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const { id, api_key, created_at, ...rest } = answer.body.data;
    assert.ok(id && api_key && created_at);
    assert.deepEqual(rest, {
      description: 'newsletter',
      endpoints: ['/users/smtp/view'],
      sending_allowed: true,
      status: 'sandbox',
      custom_ratelimit: true,
      custom_ratelimit_value: 500,
      custom_ratelimit_period: '2:00:00',
      default_ratelimit_value: 0,
      default_ratelimit_period: 'unlimited',
      ippool: 1,
      feedback_enabled: true,
      feedback_domain: 'default',
      feedback_html: '<a href="%%UNSUBSCRIBE%%">unsubscribe</a>',
      feedback_text: 'unsubscribe: %%UNSUBSCRIBE%%',
      open_tracking_enabled: true,
      click_tracking_enabled: true,
      archive_enabled: true,
      audit_email: 'audit@example.com,second@example.org',
      bounce_notifications: 'bounces@example.com',
    });

    const blocked = await node.call('/api_keys/add', { status: 'blocked' });
    assert.equal(blocked.body.data.sending_allowed, false);
    assert.equal(blocked.body.data.status, 'blocked');
  });

  it('names the first failing field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ description: 'x'.repeat(1001) }, 'description'],
      [{ custom_ratelimit: true, custom_ratelimit_period: '1 hour' }, 'custom_ratelimit_value'],
      [{ custom_ratelimit: true, custom_ratelimit_value: 5 }, 'custom_ratelimit_period'],
      [
        { custom_ratelimit: true, custom_ratelimit_value: 5, custom_ratelimit_period: '1 fortnight' },
        'custom_ratelimit_period',
      ],
      [
        { custom_ratelimit: true, custom_ratelimit_value: 0, custom_ratelimit_period: '1 hour' },
        'custom_ratelimit_value',
      ],
      [{ status: 'paused' }, 'status'],
      [{ audit_email: 'a@example.com,,b@example.com' }, 'audit_email'],
      [{ bounce_notifications: 'somewhere' }, 'bounce_notifications'],
      [{ ip_pool: 99 }, 'ip_pool'],
      [{ endpoints: '*' }, 'endpoints'],
      [{ endpoints: [] }, 'endpoints'],
      [{ endpoints: ['users/smtp/*'] }, 'endpoints'],
      [{ endpoints: ['/no/such/endpoint'] }, 'endpoints'],
      [{ endpoints: ['/users/*/add'] }, 'endpoints'],
      [{ subaccount_id: 'nosuchsub0' }, 'subaccount_id'],
    ];
    for (const [body, fieldname] of cases)
      assertFieldError(await node.call('/api_keys/add', body), fieldname);
  });

  it("defaults endpoints to the calling key's own list", async () => {
    const limited = await addKey({ endpoints: ['/users/smtp/*', '/api_keys/*'] });
    const answer = await node.call('/api_keys/add', { description: 'child' }, { key: limited.key });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body.data.endpoints, ['/users/smtp/*', '/api_keys/*']);
  });

  it('gives a key exactly the endpoints it lists: 403 everywhere else', async () => {
    const smtpOnly = await addKey({ endpoints: ['/users/smtp/*'] });
    const username = unique('scoped');
    const added = await node.call('/users/smtp/add', { username }, { key: smtpOnly.key });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    for (const path of ['/api_keys/view', '/api_keys/add', '/dedicated_ips/view', '/subaccount/add']) {
      const answer = await node.call(path, { fullname: 'x' }, { key: smtpOnly.key });
      assert.equal(answer.status, 403, path);
      assert.equal(answer.body.data.error_code, DENIED);
    }

    const viewOnly = await addKey({ endpoints: ['/users/smtp/view'] });
    assert.equal((await node.call('/users/smtp/view', { username }, { key: viewOnly.key })).status, 200);
    assert.equal((await node.call('/users/smtp/remove', { username }, { key: viewOnly.key })).status, 403);
  });

  it('never grants more than the calling key holds', async () => {
    const limited = await addKey({ endpoints: ['/users/smtp/*', '/api_keys/*'] });
    for (const endpoints of [
      ['*'],
      ['/dedicated_ips/view'],
      ['/users/*'],
      ['/users/smtp/view', '/subaccount/add'],
    ]) {
      const answer = await node.call('/api_keys/add', { endpoints }, { key: limited.key });
      assertFieldError(answer, 'endpoints');
    }
    const narrower = await node.call(
      '/api_keys/add',
      { endpoints: ['/users/smtp/view', '/api_keys/permissions'] },
      { key: limited.key },
    );
    assert.equal(narrower.status, 200, JSON.stringify(narrower.body));
    assert.deepEqual(narrower.body.data.endpoints, ['/users/smtp/view', '/api_keys/permissions']);
  });
});

describe('POST /v3/api_keys/view', () => {
  it("lists the account's keys, masked, never the full key", async () => {
    const made = await addKey({ description: unique('listed'), endpoints: ['/users/smtp/view'] });
    const answer = await node.call('/api_keys/view', {});
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.ok(Array.isArray(answer.body.data));
    const entries = answer.body.data as {
      id: string;
      api_key: string;
      endpoints: string[];
      sending_allowed: boolean;
    }[];
    const entry = entries.find((k) => k.id === made.id);
    assert.ok(entry, 'the new key is listed');
    assert.equal(entry.api_key, `${made.key.slice(0, 8)}${'*'.repeat(28)}`);
    assert.deepEqual(entry.endpoints, ['/users/smtp/view']);
    assert.equal(entry.sending_allowed, true);
    assert.ok(!JSON.stringify(answer.body).includes(made.key.slice(8)));
    assert.ok(!JSON.stringify(answer.body).includes(node.masterKey.slice(8)));
  });

  it('shows one key by short id or full key, and nothing for an unknown one', async () => {
    const description = unique('one');
    const made = await addKey({ description });
    for (const id of [made.id, made.key]) {
      const answer = await node.call('/api_keys/view', { id });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.deepEqual(idsOf(answer.body.data), [made.id]);
    }
    const search = await node.call('/api_keys/view', { search: description.toUpperCase() });
    assert.deepEqual(idsOf(search.body.data), [made.id]);
    assert.deepEqual((await node.call('/api_keys/view', { id: 'unknown123' })).body.data, []);
  });
});

describe('POST and PATCH /v3/api_keys/edit', () => {
  it('changes the fields given, keeps the rest, and answers a one-element list without the key', async () => {
    const made = await addKey({
      description: 'before',
      endpoints: ['/users/smtp/*'],
      custom_ratelimit: true,
      custom_ratelimit_value: 10,
      custom_ratelimit_period: '1 day',
      open_tracking_enabled: true,
    });
    const edited = await node.call('/api_keys/edit', { id: made.id, description: 'after', ip_pool: 1 });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body.data.length, 1);
    const [key] = edited.body.data;
    assert.equal(key.id, made.id);
    assert.equal(key.api_key, `${made.key.slice(0, 8)}${'*'.repeat(28)}`);
    assert.equal(key.description, 'after');
    assert.equal(key.ippool, 1);
    assert.deepEqual(key.endpoints, ['/users/smtp/*']);
    assert.equal(key.custom_ratelimit_value, 10);
    assert.equal(key.custom_ratelimit_period, '1 day');
    assert.equal(key.open_tracking_enabled, true);
    assert.ok(!JSON.stringify(edited.body).includes(made.key.slice(8)));

    const patched = await node.call(
      '/api_keys/edit',
      { id: made.id, custom_ratelimit: false, endpoints: ['/users/smtp/view'] },
      { method: 'PATCH' },
    );
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.data[0].custom_ratelimit, false);
    assert.equal(patched.body.data[0].custom_ratelimit_value, null);
    assert.equal(patched.body.data[0].custom_ratelimit_period, '0:00:00');
    assert.equal(patched.body.data[0].description, 'after');

    const viewed = await node.call('/api_keys/view', { id: made.id });
    assert.deepEqual(viewed.body.data, patched.body.data);
    assert.equal(
      (await node.call('/users/smtp/add', { username: unique('x') }, { key: made.key })).status,
      403,
    );
  });

  it('validates like add', async () => {
    const made = await addKey({});
    assertFieldError(await node.call('/api_keys/edit', { description: 'no id' }), 'id');
    assertFieldError(await node.call('/api_keys/edit', { id: made.id, status: 'gone' }), 'status');
    assertFieldError(await node.call('/api_keys/edit', { id: made.id, ip_pool: 99 }), 'ip_pool');
    assertFieldError(await node.call('/api_keys/edit', { id: made.id, endpoints: ['/nope'] }), 'endpoints');
    assertFieldError(
      await node.call('/api_keys/edit', { id: made.id, custom_ratelimit: true }),
      'custom_ratelimit_value',
    );
  });

  it('answers an unknown id with API_EXCEPTION', async () => {
    assertNoSuchKey(await node.call('/api_keys/edit', { id: 'unknown123', description: 'x' }), 'unknown123');
    assertNoSuchKey(await node.call('/api_keys/remove', { id: 'unknown123' }), 'unknown123');
  });

  it('applies the grant rule: no widening, and no changing a key that holds more', async () => {
    const limited = await addKey({ endpoints: ['/users/smtp/*', '/api_keys/*'] });
    const widen = await node.call(
      '/api_keys/edit',
      { id: limited.id, endpoints: ['*'] },
      { key: limited.key },
    );
    assertFieldError(widen, 'endpoints');
    const narrow = await node.call(
      '/api_keys/edit',
      { id: limited.id, endpoints: ['/api_keys/*'] },
      { key: limited.key },
    );
    assert.equal(narrow.status, 200, JSON.stringify(narrow.body));

    const powerful = await addKey({ endpoints: ['*'] });
    for (const path of ['/api_keys/edit', '/api_keys/remove']) {
      const answer = await node.call(path, { id: powerful.id, status: 'blocked' }, { key: limited.key });
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.body.data.error_code, API_EXCEPTION);
      assert.match(answer.body.data.error, /holds endpoints the calling API key does not hold/);
    }
    assert.equal((await node.call('/api_keys/view', {}, { key: powerful.key })).status, 200);
  });
});

describe('POST /v3/api_keys/remove', () => {
  it('removes the key, answering it (masked); the key then gets 401', async () => {
    const made = await addKey({ description: 'doomed' });
    const answer = await node.call('/api_keys/remove', { id: made.id });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.data.length, 1);
    assert.equal(answer.body.data[0].id, made.id);
    assert.equal(answer.body.data[0].description, 'doomed');
    assert.ok(!JSON.stringify(answer.body).includes(made.key.slice(8)));
    const after = await node.call('/users/smtp/view', {}, { key: made.key });
    assert.equal(after.status, 401);
    assert.deepEqual((await node.call('/api_keys/view', { id: made.id })).body.data, []);
    assertNoSuchKey(await node.call('/api_keys/remove', { id: made.id }), made.id);
  });

  it('lets a key remove itself', async () => {
    const self = await addKey({ endpoints: ['/api_keys/*'] });
    const answer = await node.call('/api_keys/remove', { id: self.id }, { key: self.key });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal((await node.call('/api_keys/view', {}, { key: self.key })).status, 401);
  });
});

describe('POST /v3/api_keys/permissions', () => {
  it('answers every endpoint the calling key may grant', async () => {
    const openapi = (await (await fetch(`${node.httpUrl}/v3/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const served = Object.entries(openapi.paths)
      .filter(([, methods]) => 'post' in methods)
      .map(([path]) => path.replace(/^\/v3/, ''));
    const all = await node.call('/api_keys/permissions', {});
    assert.equal(all.status, 200, JSON.stringify(all.body));
    assert.deepEqual([...all.body.data].sort(), [...served].sort());

    const limited = await addKey({ endpoints: ['/users/smtp/*', '/api_keys/permissions'] });
    const some = await node.call('/api_keys/permissions', {}, { key: limited.key });
    assert.deepEqual([...some.body.data].sort(), [
      '/api_keys/permissions',
      '/users/smtp/add',
      '/users/smtp/edit',
      '/users/smtp/remove',
      '/users/smtp/view',
    ]);
  });
});

describe('isolation between accounts', () => {
  it("a subaccount's key sees only its own keys and SMTP users", async () => {
    const subA = await addSubaccount();
    const subB = await addSubaccount();
    const keyA = await addKey({ subaccount_id: subA, description: 'A' });
    const keyB = await addKey({ subaccount_id: subB, description: 'B' });
    const userMaster = unique('master-user');
    const userA = unique('a-user');
    assert.equal((await node.call('/users/smtp/add', { username: userMaster })).status, 200);
    assert.equal((await node.call('/users/smtp/add', { username: userA }, { key: keyA.key })).status, 200);

    const keysOfA = await node.call('/api_keys/view', {}, { key: keyA.key });
    assert.deepEqual(idsOf(keysOfA.body.data), [keyA.id]);
    const keysOfB = await node.call('/api_keys/view', { subaccount_id: subB });
    assert.deepEqual(idsOf(keysOfB.body.data), [keyB.id]);
    const usersOfA = await node.call('/users/smtp/view', {}, { key: keyA.key });
    assert.deepEqual(
      (usersOfA.body.data.results as { username: string }[]).map((u) => u.username),
      [userA],
    );
    assert.deepEqual(
      (await node.call('/users/smtp/view', { username: userMaster }, { key: keyA.key })).body.data.results,
      [],
    );

    // Keys of the master and of a sibling read as unknown.
    const masterKeyId = (await node.call('/api_keys/view', {})).body.data[0].id as string;
    for (const id of [masterKeyId, keyB.id]) {
      assertNoSuchKey(await node.call('/api_keys/edit', { id, description: 'x' }, { key: keyA.key }), id);
      assertNoSuchKey(await node.call('/api_keys/remove', { id }, { key: keyA.key }), id);
      assert.deepEqual((await node.call('/api_keys/view', { id }, { key: keyA.key })).body.data, []);
    }
    assertNoSuchKey(await node.call('/api_keys/edit', { id: keyA.id, description: 'x' }), keyA.id);
  });

  it('answers a sibling subaccount_id exactly like an unknown one', async () => {
    const subA = await addSubaccount();
    const subB = await addSubaccount();
    const keyA = await addKey({ subaccount_id: subA });
    const answers = [
      await node.call('/api_keys/add', { subaccount_id: subB }, { key: keyA.key }),
      await node.call('/api_keys/add', { subaccount_id: 'nosuchsub0' }, { key: keyA.key }),
      await node.call('/api_keys/view', { subaccount_id: subB }, { key: keyA.key }),
      await node.call('/users/smtp/view', { subaccount_id: subB }, { key: keyA.key }),
      await node.call('/api_keys/add', { subaccount_id: subA }, { key: keyA.key }),
      await node.call('/api_keys/add', { subaccount_id: 'nosuchsub0' }),
    ];
    for (const answer of answers) {
      assertFieldError(answer, 'subaccount_id');
      const found = /found '([^']*)'/.exec(answer.body.data.error)?.[1] ?? '';
      assert.equal(
        String(answer.body.data.error).replace(found, 'X'),
        "The field 'subaccount_id' does not name a subaccount of this account, found 'X'",
      );
    }
  });

  it('hides an IP pool granted only to another account, answering it like a nonexistent pool', async () => {
    const pools = await node.call('/dedicated_ips/view', {});
    assert.deepEqual(pools.body.data, [{ id: 1, name: 'Shared Pool', ip_addresses: ['127.0.0.2'] }]);
    const ownerPools = await node.call('/dedicated_ips/view', { subaccount_id: POOL_OWNER });
    assert.deepEqual(idsOf(ownerPools.body.data), [1, 2]);

    const foreign = await node.call('/api_keys/add', { ip_pool: 2 });
    const missing = await node.call('/api_keys/add', { ip_pool: 3 });
    assertFieldError(foreign, 'ip_pool');
    assertFieldError(missing, 'ip_pool');
    assert.equal(
      String(foreign.body.data.error).replace('found 2', 'found N'),
      String(missing.body.data.error).replace('found 3', 'found N'),
    );
    const made = await addKey({});
    assertFieldError(await node.call('/api_keys/edit', { id: made.id, ip_pool: 2 }), 'ip_pool');
    assertFieldError(await node.call('/users/smtp/add', { username: unique('pool'), ip_pool: 2 }), 'ip_pool');

    const owned = await node.call('/api_keys/add', { subaccount_id: POOL_OWNER, ip_pool: 2 });
    assert.equal(owned.status, 200, JSON.stringify(owned.body));
    assert.equal(owned.body.data.ippool, 2);
  });

  it("a closed subaccount's keys stop working and show sending_allowed false", async () => {
    const sub = await addSubaccount();
    const made = await addKey({ subaccount_id: sub });
    assert.equal((await node.call('/subaccount/close', { id: sub })).status, 200);
    assert.equal((await node.call('/api_keys/view', {}, { key: made.key })).status, 401);
    const viewed = await node.call('/api_keys/view', { subaccount_id: sub });
    assert.equal(viewed.body.data[0].sending_allowed, false);
    assert.equal((await node.call('/subaccount/reopen', { id: sub })).status, 200);
    assert.equal((await node.call('/api_keys/view', {}, { key: made.key })).status, 200);
  });
});
