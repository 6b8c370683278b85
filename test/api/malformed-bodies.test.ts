// Malformed request bodies sent to every endpoint of ALL_ENDPOINTS (so endpoints added later are covered
// too), with every method it serves: the answer is never a 500, always 400 or 413 with the envelope and a
// message, and a field of the wrong shape is named in field_validation_errors.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv, type ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import { DEFAULT_BODY_LIMIT } from '../../src/api/app.js';
import { ALL_ENDPOINTS } from '../../src/api/routes/index.js';
import { startTestNode, type ApiAnswer, type TestNode } from '../helpers/node.js';
import { CODES, assertEnvelope, assertError } from './api-assertions.js';

const MiB = 1024 * 1024;
const DEEP = 10_000;

let node: TestNode;

before(async () => {
  node = await startTestNode({
    // Thousands of requests from one key: the per-key limit is not what is being tested here.
    PETREL_API_REQUESTS_PER_MINUTE: '100000000',
    // Should a probe ever make it into a send, nothing may leave the machine.
    PETREL_SMARTHOST: '127.0.0.1:9',
    PETREL_DNS_SERVERS: '127.0.0.1:9',
  });
});
after(async () => {
  await node.stop();
});

// An independent reading of the published schemas: it tells whether a value is allowed, so the test
// knows when the API must refuse it (and name the field).
const oracle = new Ajv({ strict: false, allErrors: false, logger: false });
const compiled = new Map<unknown, ValidateFunction>();
function accepts(schema: unknown, value: unknown): boolean {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = oracle.compile(schema as object);
    compiled.set(schema, fn);
  }
  return fn(value);
}

interface ObjectSchema {
  properties?: Record<string, TSchema>;
  required?: string[];
}

const CANDIDATES: unknown[] = [
  'malformed-probe-1',
  'probe@example.invalid',
  'x',
  '1',
  1,
  100,
  false,
  true,
  ['malformed-probe-1'],
  ['x'],
  [],
  {},
  // Enumerations and shapes later endpoints require (allowed_senders' mode, email/batch's emails).
  'whitelist',
  [{}],
];

/** The required fields of a schema, each with a value its own schema accepts: what reaches the handler. */
function baseBody(schema: ObjectSchema): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of schema.required ?? []) {
    const property = schema.properties?.[field];
    const value = CANDIDATES.find((c) => accepts(property, c));
    if (value !== undefined) body[field] = value;
  }
  return body;
}

/** JSON text of `base` plus `field` set to the raw JSON text `rawValue` (which may be too deep to build). */
function withRawField(base: Record<string, unknown>, field: string, rawValue: string): string {
  const rest = Object.fromEntries(Object.entries(base).filter(([k]) => k !== field));
  const head = JSON.stringify(rest).slice(0, -1);
  return `${head}${head === '{' ? '' : ','}${JSON.stringify(field)}:${rawValue}}`;
}

function hasNul(value: unknown): boolean {
  const stack = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string' && v.includes('\u0000')) return true;
    if (Array.isArray(v)) stack.push(...(v as unknown[]));
    else if (typeof v === 'object' && v !== null) {
      for (const [k, item] of Object.entries(v)) {
        if (k.includes('\u0000')) return true;
        stack.push(item);
      }
    }
  }
  return false;
}

/** Never a 500; the envelope; an error has a code of the catalogue and a message. */
function assertHandled(answer: ApiAnswer, what: string): void {
  assert.notEqual(answer.status, 500, `${what}: 500 ${JSON.stringify(answer.body).slice(0, 300)}`);
  assertEnvelope(answer);
  assert.ok([200, 400, 413].includes(answer.status), `${what}: status ${answer.status}`);
  if (answer.status !== 200) {
    assert.match(answer.body.data.error_code, /^E_ApiResponseCodes\.[A-Z_]+$/, what);
    assert.equal(typeof answer.body.data.error, 'string', what);
    assert.ok(answer.body.data.error.length > 0, `${what}: empty message`);
  }
}

/** 400 NON_VALIDATING_IN_PAYLOAD naming `field` (or a part of it, such as "to.0"). */
function assertRefusedField(answer: ApiAnswer, field: string, what: string): void {
  assertHandled(answer, what);
  assert.equal(
    answer.status,
    400,
    `${what}: expected 400, got ${answer.status} ${JSON.stringify(answer.body)}`,
  );
  assert.equal(answer.body.data.error_code, CODES.validation, what);
  const fieldname = answer.body.data.field_validation_errors?.fieldname;
  assert.ok(
    fieldname === field || String(fieldname).startsWith(`${field}.`),
    `${what}: fieldname ${fieldname}, expected ${field}: ${answer.body.data.error}`,
  );
  assert.ok(
    String(answer.body.data.error).includes(String(fieldname)),
    `${what}: message does not name the field`,
  );
}

function assertRefusedBody(answer: ApiAnswer, what: string): void {
  assertRefusedField(answer, 'body', what);
}

const FIVE_MB = 'x'.repeat(5_000_000);

/** Values put into every field, as raw JSON text (so that the deep ones need not be built). */
const FIELD_VALUES: [string, string][] = [
  ['an empty object', '{}'],
  ['a nested object', JSON.stringify({ a: { b: [1, { c: null }] }, d: 'e' })],
  ['an empty list', '[]'],
  ['a nested list', JSON.stringify([[1, ['x']], { a: [] }])],
  ['null', 'null'],
  ['the number 12345', '12345'],
  ['a negative fraction', '-1.5'],
  ['a huge number', '1e308'],
  ['true', 'true'],
  ['a string', '"text"'],
  ['a numeric string', '"12345"'],
  ['a boolean string', '"true"'],
  ['a string with U+0000', '"a\\u0000b"'],
  ['a list nested 10,000 levels', '['.repeat(DEEP) + ']'.repeat(DEEP)],
  ['an object nested 10,000 levels', '{"a":'.repeat(DEEP) + '1' + '}'.repeat(DEEP)],
];

/** A seeded generator (mulberry32), so the random shapes are the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = [
  'a',
  'Z',
  '0',
  '-',
  '.',
  '@',
  ' ',
  '\u0000',
  '\n',
  'é',
  '😀',
  '"',
  '\\',
  ':',
  '%',
  '\ud800',
];

function randomValue(random: () => number, depth: number): unknown {
  const pick = Math.floor(random() * (depth > 3 ? 6 : 8));
  const length = Math.floor(random() * 12);
  switch (pick) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return [0, 1, -1, 2147483647, 2147483648, 1.5, -1e300, Number.MAX_SAFE_INTEGER][
        Math.floor(random() * 8)
      ];
    case 3:
      return Math.floor(random() * 2000) - 500;
    case 4:
    case 5:
      return Array.from({ length }, () => ALPHABET[Math.floor(random() * ALPHABET.length)]).join('');
    case 6:
      return Array.from({ length: length % 4 }, () => randomValue(random, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: length % 4 }, (_, i) => [`k${i}`, randomValue(random, depth + 1)]),
      );
  }
}

for (const def of ALL_ENDPOINTS) {
  const schema = def.body as ObjectSchema;
  const fields = Object.keys(schema.properties ?? {});
  const limit = def.bodyLimit ?? DEFAULT_BODY_LIMIT;

  for (const method of def.methods ?? ['POST']) {
    describe(`${method} /v3${def.path}`, () => {
      const base = baseBody(schema);
      const baseValid = accepts(def.body, base);
      const send = (rawBody: string | Buffer, headers: Record<string, string> = {}) =>
        node.call(def.path, undefined, { method, rawBody, headers });

      test('the probe body for this endpoint passes its schema', () => {
        assert.ok(baseValid, `no valid probe body for ${def.path}: ${JSON.stringify(base)}`);
      });

      const wholeBodies: [string, () => string | Buffer, Record<string, string>?][] = [
        ['text that is not JSON', () => 'username=probe&x=1'],
        ['truncated JSON', () => '{"username": '],
        ['JSON with a trailing comma', () => '{"a": 1,}'],
        ['a JSON list', () => JSON.stringify([base])],
        ['a JSON string', () => '"a string"'],
        ['a JSON number', () => '42'],
        ['JSON null', () => 'null'],
        ['JSON true', () => 'true'],
        ['a list nested 10,000 levels', () => '['.repeat(DEEP) + ']'.repeat(DEEP)],
        ['a form-encoded body', () => 'a=1&b=2', { 'content-type': 'application/x-www-form-urlencoded' }],
        ['JSON sent as text/plain that is a list', () => '[1]', { 'content-type': 'text/plain' }],
        [
          'invalid UTF-8 inside a string',
          () =>
            Buffer.concat([
              Buffer.from(withRawField(base, fields[0] ?? 'x', '"').slice(0, -1)),
              Buffer.from([0xff, 0xfe, 0xc3]),
              Buffer.from('"}'),
            ]),
        ],
        [
          'an overlong UTF-8 encoding',
          () => Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
        ],
        [
          'a UTF-8-encoded lone surrogate',
          () => Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
        ],
      ];
      for (const [name, make, headers] of wholeBodies) {
        test(`${name} → 400 naming the body`, async () => {
          assertRefusedBody(await send(make(), headers), name);
        });
      }

      test(`a body of 11 MiB → ${limit < 11 * MiB ? '413' : '400'}`, async () => {
        const answer = await send(JSON.stringify('x'.repeat(11 * MiB)));
        if (limit < 11 * MiB) assertError(answer, 413, CODES.payloadTooLarge);
        else assertRefusedBody(answer, '11 MiB string');
      });

      if (limit > 11 * MiB) {
        test("a body one byte over the endpoint's own limit → 413", async () => {
          assertError(await send(Buffer.alloc(limit + 1, 32)), 413, CODES.payloadTooLarge);
        });
      }

      // A 5 MB string goes where it can reach the handler (fields with no length limit) and into the
      // first field with a limit; in every field it would only repeat the same length check, slowly.
      const unbounded = fields.filter((f) => accepts(schema.properties?.[f], FIVE_MB));
      const bounded = fields.find(
        (f) => accepts(schema.properties?.[f], 'text') && !accepts(schema.properties?.[f], FIVE_MB),
      );
      const bigFields = [...unbounded, ...(bounded === undefined ? [] : [bounded])];
      test(`a 5 MB string in ${bigFields.join(', ') || 'no field'}: refused naming it, or handled`, async () => {
        const raw = JSON.stringify(FIVE_MB);
        for (const field of bigFields) {
          const answer = await send(withRawField(base, field, raw));
          if (baseValid && field === bounded) assertRefusedField(answer, field, `${field} = 5 MB`);
          else assertHandled(answer, `${field} = 5 MB`);
        }
      });

      for (const field of fields) {
        const property = schema.properties?.[field];
        test(`malformed values in ${field} are refused naming it, never a 500`, async () => {
          for (const [name, raw] of FIELD_VALUES) {
            const what = `${field} = ${name}`;
            const answer = await send(withRawField(base, field, raw));
            const value = JSON.parse(raw) as unknown;
            if (baseValid && (!accepts(property, value) || hasNul(value))) {
              assertRefusedField(answer, field, what);
            } else {
              assertHandled(answer, what);
            }
          }
        });
      }
    });
  }
}

describe('random shapes from a seeded generator', () => {
  const random = prng(0x5eed_2026);
  const routes = ALL_ENDPOINTS.flatMap((def) => (def.methods ?? ['POST']).map((method) => ({ def, method })));
  const ROUNDS = 300;

  test(`${ROUNDS} random bodies across all endpoints: never a 500, refused whenever the schema refuses`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { def, method } = routes[Math.floor(random() * routes.length)] as (typeof routes)[number];
      const schema = def.body as ObjectSchema;
      const fields = Object.keys(schema.properties ?? {});
      let body: unknown;
      if (random() < 0.1) {
        body = randomValue(random, 3);
      } else {
        const object: Record<string, unknown> = random() < 0.7 ? baseBody(schema) : {};
        const count = 1 + Math.floor(random() * 4);
        for (let i = 0; i < count; i++) {
          const field = random() < 0.85 ? fields[Math.floor(random() * fields.length)] : `extra_${i}`;
          if (field !== undefined) object[field] = randomValue(random, 0);
        }
        body = object;
      }
      const what = `round ${round}: ${method} ${def.path} ${JSON.stringify(body)}`;
      const answer = await node.call(def.path, body, { method });
      assertHandled(answer, what);
      const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
      const known = isObject
        ? Object.entries(body as Record<string, unknown>).filter(([k]) => fields.includes(k))
        : body;
      if (!isObject || !accepts(def.body, body) || hasNul(known)) {
        assert.equal(answer.status, 400, what);
        assert.equal(answer.body.data.error_code, CODES.validation, what);
      }
    }
  });
});

test('a UTF-8 byte-order mark before the JSON is ignored (RFC 8259 §8.1 allows it)', async () => {
  const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"username":"bom-probe"}')]);
  const answer = await node.call('/users/smtp/view', undefined, { rawBody: body });
  assertHandled(answer, 'BOM');
  assert.equal(answer.status, 200);
  assert.deepEqual(answer.body.data.results, []);
});
