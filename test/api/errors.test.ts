// Acceptance tests of every error row of SPEC §1.2 (401, 403, 400, 429, 413, 404, 500) and of the three
// ways to present an API key (§1.1), on real nodes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { createApiKey } from '../../src/operations/api-keys.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import {
  CODES,
  assertApiException,
  assertError,
  assertFieldError,
  assertOk,
  nameMaker,
  onlyUser,
} from './api-assertions.js';

const MiB = 1024 * 1024;
const nextName = nameMaker('err');

describe('errors on a node with default settings', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode();
  });
  after(async () => {
    await node.stop();
  });

  describe('401 API_KEY_INVALID', () => {
    const unknownKey = `api-${randomBytes(16).toString('hex').toUpperCase()}`;
    const cases: [string, () => { key: string | null; headers?: Record<string, string>; body?: unknown }][] =
      [
        ['no key at all', () => ({ key: null })],
        ['an empty X-Smtp2go-Api-Key header', () => ({ key: '' })],
        ['a malformed key (too short)', () => ({ key: 'api-1234' })],
        ['a malformed key (no api- prefix)', () => ({ key: randomBytes(18).toString('hex').toUpperCase() })],
        ['a malformed key (bad characters)', () => ({ key: `api-${'!'.repeat(32)}` })],
        ['a malformed key (33 characters)', () => ({ key: `${node.masterKey}A` })],
        ['an unknown well-formed key', () => ({ key: unknownKey })],
        ['an unknown well-formed key in lower case', () => ({ key: unknownKey.toLowerCase() })],
        [
          'an unknown key as Bearer',
          () => ({ key: null, headers: { authorization: `Bearer ${unknownKey}` } }),
        ],
        ['an unknown key in the body', () => ({ key: null, body: { api_key: unknownKey } })],
        [
          'a valid key under Basic authorization',
          () => ({ key: null, headers: { authorization: `Basic ${node.masterKey}` } }),
        ],
        ['a number as the body api_key', () => ({ key: null, body: { api_key: 12345 } })],
      ];
    for (const [name, make] of cases) {
      test(`${name} → 401`, async () => {
        const { key, headers, body } = make();
        const answer = await node.call('/users/smtp/view', body ?? {}, { key, headers: headers ?? {} });
        const data = assertError(answer, 401, CODES.apiKeyInvalid);
        assert.equal(data.field_validation_errors, undefined);
      });
    }

    test('a 401 comes before validation: a bad body without a key is still 401', async () => {
      assertError(
        await node.call('/users/smtp/add', { username: 'x' }, { key: null }),
        401,
        CODES.apiKeyInvalid,
      );
    });
  });

  describe('the key may come three ways', () => {
    const ways: [string, (key: string) => { key: null; headers?: Record<string, string>; body?: unknown }][] =
      [
        ['X-Smtp2go-Api-Key header', (key) => ({ key: null, headers: { 'X-Smtp2go-Api-Key': key } })],
        ['Authorization: Bearer', (key) => ({ key: null, headers: { Authorization: `Bearer ${key}` } })],
        ['body api_key', (key) => ({ key: null, body: { api_key: key } })],
        ['body api_key in lower case', (key) => ({ key: null, body: { api_key: key.toLowerCase() } })],
      ];
    for (const [name, make] of ways) {
      test(`${name} works for add and view`, async () => {
        const { headers, body } = make(node.masterKey);
        const username = nextName();
        const added = onlyUser(
          await node.call(
            '/users/smtp/add',
            { ...(body as object), username },
            { key: null, headers: headers ?? {} },
          ),
        );
        assert.equal(added.username, username);
        const data = assertOk(
          await node.call(
            '/users/smtp/view',
            { ...(body as object), username },
            { key: null, headers: headers ?? {} },
          ),
        );
        assert.equal(data.results.length, 1);
      });
    }
  });

  describe('403 ENDPOINT_PERMISSION_DENIED', () => {
    let restricted: string;
    before(async () => {
      restricted = (
        await createApiKey(node.ops, node.masterAccountId, { endpoints: ['/dedicated_ips/view'] })
      ).key;
    });

    for (const path of ['/users/smtp/add', '/users/smtp/view', '/users/smtp/edit', '/users/smtp/remove']) {
      test(`a key limited to /dedicated_ips/view is refused ${path}`, async () => {
        const answer = await node.call(path, { username: nextName() }, { key: restricted });
        const data = assertError(answer, 403, CODES.permissionDenied);
        assert.ok(data.error.includes(path), data.error);
      });
    }

    test('the same key may call the endpoint it was granted', async () => {
      assert.ok(Array.isArray(assertOk(await node.call('/dedicated_ips/view', {}, { key: restricted }))));
    });

    test('a refused add creates nothing', async () => {
      const username = nextName();
      assertError(
        await node.call('/users/smtp/add', { username }, { key: restricted }),
        403,
        CODES.permissionDenied,
      );
      assert.equal(await node.ops.repos.smtpUsers.findByLogin(username), undefined);
    });

    test('a key granted /users/smtp/* may add', async () => {
      const { key } = await createApiKey(node.ops, node.masterAccountId, { endpoints: ['/users/smtp/*'] });
      onlyUser(await node.call('/users/smtp/add', { username: nextName() }, { key }));
      assertError(await node.call('/dedicated_ips/view', {}, { key }), 403, CODES.permissionDenied);
    });
  });

  describe('400', () => {
    test('NON_VALIDATING_IN_PAYLOAD with field_validation_errors for a field that fails', async () => {
      const answer = await node.call('/users/smtp/add', { username: 'abc' });
      assertFieldError(answer, 'username', 'found 3');
      assert.equal(answer.body.data.error, "The field 'username' must be 5 to 100 characters long, found 3");
    });

    test('NON_VALIDATING_IN_PAYLOAD naming the body when it is not JSON', async () => {
      assertFieldError(await node.call('/users/smtp/add', undefined, { rawBody: '{"username": ' }), 'body');
    });

    test('only the first failing field is reported', async () => {
      const answer = await node.call('/users/smtp/add', {
        username: 'abc',
        status: 'nope',
        archive_enabled: 3,
      });
      assertError(answer, 400, CODES.validation);
      assert.equal(typeof answer.body.data.field_validation_errors.fieldname, 'string');
      assert.equal(typeof answer.body.data.field_validation_errors.message, 'string');
    });

    test('API_EXCEPTION for a valid request that cannot be carried out', async () => {
      const username = nextName();
      onlyUser(await node.call('/users/smtp/add', { username }));
      assertApiException(await node.call('/users/smtp/add', { username }));
      assertApiException(
        await node.call('/users/smtp/remove', { username: 'not-a-user-here' }),
        "No SMTP user 'not-a-user-here' in this account",
      );
    });
  });

  describe('413 PAYLOAD_TOO_LARGE', () => {
    test('a body over 10 MiB is refused with 413 and the envelope', async () => {
      const filler = 'x'.repeat(10 * MiB);
      const answer = await node.call('/users/smtp/add', { username: nextName(), filler });
      assertError(answer, 413, CODES.payloadTooLarge);
    });

    test('a body of 10 MiB exactly is read (extra fields are ignored)', async () => {
      const username = nextName();
      const skeleton = JSON.stringify({ username, filler: '' });
      const body = JSON.stringify({ username, filler: 'x'.repeat(10 * MiB - Buffer.byteLength(skeleton)) });
      assert.equal(Buffer.byteLength(body), 10 * MiB);
      assert.equal(
        onlyUser(await node.call('/users/smtp/add', undefined, { rawBody: body })).username,
        username,
      );
    });

    test('the size limit applies before the key is checked', async () => {
      const answer = await node.call('/users/smtp/view', undefined, {
        key: null,
        rawBody: Buffer.alloc(11 * MiB, 32),
      });
      assertError(answer, 413, CODES.payloadTooLarge);
    });
  });

  describe('404 ENDPOINT_NOT_FOUND', () => {
    const cases: [string, string, string][] = [
      ['an unknown endpoint', '/users/smtp/nope', 'POST'],
      ['an unknown group', '/no/such/thing', 'POST'],
      ['PATCH on an endpoint that is POST only', '/users/smtp/add', 'PATCH'],
      ['PUT on edit', '/users/smtp/edit', 'PUT'],
    ];
    for (const [name, path, method] of cases) {
      test(`${name} (${method} /v3${path}) → 404 with the envelope`, async () => {
        const data = assertError(await node.call(path, {}, { method }), 404, CODES.endpointNotFound);
        assert.ok(data.error.includes(path), data.error);
      });
    }

    test('GET on a POST endpoint → 404 with the envelope', async () => {
      const response = await fetch(`${node.httpUrl}/v3/users/smtp/view`, {
        headers: { 'x-smtp2go-api-key': node.masterKey },
      });
      const answer = { status: response.status, headers: response.headers, body: await response.json() };
      assertError(answer, 404, CODES.endpointNotFound);
    });

    test('outside /v3 → 404 with the envelope', async () => {
      const response = await fetch(`${node.httpUrl}/v2/users/smtp/view`, { method: 'POST', body: '{}' });
      assertError(
        { status: response.status, headers: response.headers, body: await response.json() },
        404,
        CODES.endpointNotFound,
      );
    });
  });
});

describe('429 REQ_LIMIT_EXCEEDED with PETREL_API_REQUESTS_PER_MINUTE=5', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode({ PETREL_API_REQUESTS_PER_MINUTE: '5' });
  });
  after(async () => {
    await node.stop();
  });

  test('the sixth call of a key is refused with 429 and Retry-After; other keys are not affected', async () => {
    for (let i = 1; i <= 5; i++) assertOk(await node.call('/users/smtp/view', {}));
    const answer = await node.call('/users/smtp/view', {});
    assertError(answer, 429, CODES.rateLimited);
    const retryAfter = answer.headers.get('retry-after');
    assert.match(retryAfter ?? '', /^[1-9][0-9]*$/, `Retry-After is ${retryAfter}`);
    // The limit is counted in 10-second buckets shared by all nodes (src/api/shared-limiter.ts): a slot
    // frees when its bucket leaves the minute, at most 70 seconds on.
    assert.ok(Number(retryAfter) <= 70, `Retry-After ${retryAfter} is more than a minute and a bucket`);

    const { key } = await createApiKey(node.ops, node.masterAccountId);
    assertOk(await node.call('/users/smtp/view', {}, { key }));
  });

  test('a refused call does nothing', async () => {
    const username = nextName();
    const answer = await node.call('/users/smtp/add', { username });
    assertError(answer, 429, CODES.rateLimited);
    assert.equal(await node.ops.repos.smtpUsers.findByLogin(username), undefined);
  });
});

describe('500 INTERNAL_ERROR', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode();
  });
  after(async () => {
    await node.stop();
  });

  test('a database failure answers 500 with the envelope, no stack trace and no SQL', async () => {
    assertOk(await node.call('/users/smtp/view', {}));
    await sql`DROP TABLE smtp_users`.execute(node.store.db);
    for (const [path, body] of [
      ['/users/smtp/view', {}],
      ['/users/smtp/add', { username: nextName() }],
    ] as const) {
      const answer = await node.call(path, body);
      const data = assertError(answer, 500, CODES.internal);
      assert.equal(data.field_validation_errors, undefined);
      const text = JSON.stringify(answer.body);
      assert.doesNotMatch(text, /\bat \S+ \(|\bat [^\s]+:\d+:\d+/, 'a stack frame leaked');
      assert.doesNotMatch(text, /SQL|sqlite|postgres|relation|table|select|insert|smtp_users/i, 'SQL leaked');
    }
    // The node keeps serving what does not need the broken table.
    assertOk(await node.call('/dedicated_ips/view', {}));
  });
});
