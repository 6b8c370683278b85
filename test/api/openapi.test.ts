// Acceptance tests of GET /v3/openapi.json (SPEC §1.7): an OpenAPI 3.1 document, served without a key,
// listing every endpoint of ALL_ENDPOINTS with the request schema that validates it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_ENDPOINTS } from '../../src/api/routes/index.js';
import { startTestNode, type TestNode } from '../helpers/node.js';

/** The parts of a JSON Schema (as OpenAPI 3.1 uses it) that these tests read. */
interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
}

interface Operation {
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, unknown>;
}

interface OpenApiDocument {
  openapi: string;
  info?: { title?: unknown; version?: unknown };
  paths?: Record<string, Record<string, Operation>>;
  components?: { securitySchemes?: Record<string, Record<string, string>> };
}

let node: TestNode;
let doc: OpenApiDocument;
let status: number;
let contentType: string | null;

before(async () => {
  node = await startTestNode();
  const response = await fetch(`${node.httpUrl}/v3/openapi.json`);
  status = response.status;
  contentType = response.headers.get('content-type');
  doc = (await response.json()) as OpenApiDocument;
});
after(async () => {
  await node.stop();
});

/** Follows a local "#/..." $ref, as OpenAPI documents may use them for shared schemas. */
function resolve(schema: Schema | undefined): Schema | undefined {
  let current = schema;
  for (let hops = 0; current?.$ref !== undefined && hops < 10; hops++) {
    const path = current.$ref.replace(/^#\//, '').split('/');
    let target: unknown = doc;
    for (const part of path) {
      target = (target as Record<string, unknown> | undefined)?.[
        part.replace(/~1/g, '/').replace(/~0/g, '~')
      ];
    }
    current = target as Schema | undefined;
  }
  return current;
}

function requestSchema(path: string, method: string): Schema {
  const operation = doc.paths?.[`/v3${path}`]?.[method.toLowerCase()];
  assert.ok(operation, `no ${method} /v3${path} in the document`);
  const schema = resolve(operation.requestBody?.content?.['application/json']?.schema);
  assert.ok(schema, `${method} /v3${path} has no application/json request body schema`);
  return schema;
}

function property(schema: Schema, name: string): Schema {
  const found = resolve(schema.properties?.[name]);
  assert.ok(found, `${name} is not documented`);
  return found;
}

test('GET /v3/openapi.json needs no key and answers an OpenAPI 3.1 JSON document', () => {
  assert.equal(status, 200);
  assert.match(contentType ?? '', /^application\/json/);
  assert.match(doc.openapi, /^3\.1\./);
  assert.equal(typeof doc.info?.title, 'string');
  assert.equal(typeof doc.info?.version, 'string');
});

test('the document describes the three ways to send the key', () => {
  const schemes = Object.values(doc.components?.securitySchemes ?? {});
  assert.ok(
    schemes.some(
      (s) => s.type === 'apiKey' && s.in === 'header' && /^x-smtp2go-api-key$/i.test(s.name ?? ''),
    ),
  );
  assert.ok(schemes.some((s) => s.type === 'http' && s.scheme?.toLowerCase() === 'bearer'));
  const add = requestSchema('/users/smtp/add', 'POST');
  assert.ok(add.properties?.api_key, 'api_key is not documented as a body field');
});

test('ALL_ENDPOINTS is not empty and includes the SMTP-user endpoints', () => {
  const paths = ALL_ENDPOINTS.map((e) => e.path);
  for (const p of ['/users/smtp/add', '/users/smtp/view', '/users/smtp/edit', '/users/smtp/remove']) {
    assert.ok(paths.includes(p), `${p} is missing from ALL_ENDPOINTS`);
  }
});

for (const def of ALL_ENDPOINTS) {
  for (const method of def.methods ?? ['POST']) {
    test(`${method} /v3${def.path} is listed with the request schema that validates it`, () => {
      const schema = requestSchema(def.path, method);
      const body = def.body as { properties?: Record<string, unknown>; required?: string[] };
      assert.equal(schema.type, 'object');
      assert.deepEqual(
        Object.keys(schema.properties ?? {}).sort(),
        Object.keys(body.properties ?? {}).sort(),
      );
      assert.deepEqual([...(schema.required ?? [])].sort(), [...(body.required ?? [])].sort());
      const operation = doc.paths?.[`/v3${def.path}`]?.[method.toLowerCase()];
      assert.ok(operation?.responses?.['200'], 'no 200 response is documented');
    });
  }
}

test('no operation is documented that the API does not serve', () => {
  const served = new Set(
    ALL_ENDPOINTS.flatMap((def) => (def.methods ?? ['POST']).map((m) => `${m.toLowerCase()} /v3${def.path}`)),
  );
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of Object.keys(item)) {
      if (!['get', 'post', 'patch', 'put', 'delete'].includes(method)) continue;
      assert.ok(served.has(`${method} ${path}`), `${method} ${path} is documented but not in ALL_ENDPOINTS`);
    }
  }
});

test('users/smtp/add documents username as 5 to 100 characters, required', () => {
  const schema = requestSchema('/users/smtp/add', 'POST');
  const username = property(schema, 'username');
  assert.equal(username.type, 'string');
  assert.equal(username.minLength, 5);
  assert.equal(username.maxLength, 100);
  assert.ok(schema.required?.includes('username'));
});

test('users/smtp/add documents the fields of SPEC §1.3 with their limits', () => {
  const schema = requestSchema('/users/smtp/add', 'POST');
  for (const field of [
    'email_password',
    'description',
    'comments',
    'custom_ratelimit',
    'custom_ratelimit_value',
    'custom_ratelimit_period',
    'ip_pool',
    'feedback_enabled',
    'feedback_domain',
    'feedback_html',
    'feedback_text',
    'open_tracking_enabled',
    'click_tracking_enabled',
    'archive_enabled',
    'audit_email',
    'bounce_notifications',
    'status',
    'subaccount_id',
  ]) {
    property(schema, field);
  }
  // Nullable fields are documented as a union, so the limit is looked for anywhere inside.
  assert.match(JSON.stringify(property(schema, 'description')), /"maxLength":1000/);
  assert.deepEqual([...(property(schema, 'status').enum ?? [])].sort(), ['allowed', 'blocked', 'sandbox']);
});

test('users/smtp/view documents page_size up to 1000 and continue_token', () => {
  const schema = requestSchema('/users/smtp/view', 'POST');
  const pageSize = property(schema, 'page_size');
  assert.equal(pageSize.maximum, 1000);
  assert.equal(pageSize.minimum, 1);
  assert.equal(property(schema, 'continue_token').type, 'string');
});
