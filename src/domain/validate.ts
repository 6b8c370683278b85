// Checks a request body against its TypeBox schema and turns the first failure into a ValidationError
// that names the field and says what was expected and what was found. Used by the API and the CLI.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Static, TSchema } from '@sinclair/typebox';
import { ValidationError, fieldError } from './errors.js';

const ajv = new Ajv({
  allErrors: false,
  coerceTypes: false,
  useDefaults: false,
  verbose: true,
  strict: false,
});
ajv.addKeyword({ keyword: 'patternHint', schemaType: 'string' });

const compiled = new WeakMap<TSchema, ValidateFunction>();

function compile(schema: TSchema): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  return fn;
}

/** Validates `body`; returns it typed, or throws the ValidationError of the first failing field. */
export function validateBody<T extends TSchema>(schema: T, body: unknown): Static<T> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('body', `The request body must be a JSON object, found ${describe(body)}`);
  }
  const fn = compile(schema);
  if (fn(body)) {
    const nulField = fieldWithNul(schema, body as Record<string, unknown>);
    if (nulField !== null) {
      throw fieldError(nulField, 'must not contain the NUL character (U+0000), found one');
    }
    return body;
  }
  const error = fn.errors?.[0];
  throw error ? toValidationError(error) : new ValidationError('body', 'The request body is not valid');
}

/**
 * The first declared field (in schema order, then breadth-first inside it) holding a string or key with
 * U+0000, or null. PostgreSQL text cannot store U+0000 (the query fails), and SMTP AUTH PLAIN uses it as a
 * separator, so no field may carry it. Iterative, so deeply nested values cannot exhaust the stack.
 */
function fieldWithNul(schema: TSchema, body: Record<string, unknown>): string | null {
  const declared = Object.keys((schema as { properties?: Record<string, unknown> }).properties ?? {});
  const queue: [string, unknown][] = declared.filter((k) => Object.hasOwn(body, k)).map((k) => [k, body[k]]);
  for (let i = 0; i < queue.length; i++) {
    const [path, value] = queue[i] as [string, unknown];
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return path;
    } else if (Array.isArray(value)) {
      value.forEach((item, n) => queue.push([`${path}.${n}`, item]));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        if (key.includes('\u0000')) return path;
        queue.push([`${path}.${key}`, item]);
      }
    }
  }
  return null;
}

/** A short, safe description of a found value: its type, and its value when that is short. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return value.length > 40 ? `a string of ${value.length} characters` : `'${value}'`;
    case 'number':
      return Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`;
    case 'boolean':
      return `${value}`;
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

function fieldName(error: ErrorObject): string {
  const path = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    return path ? `${path}.${missing}` : missing;
  }
  return path || 'body';
}

function expectedTypes(schema: unknown): string {
  const s = schema as { type?: string | string[]; anyOf?: { type?: string }[] };
  const types = s.anyOf ? s.anyOf.map((x) => x.type ?? '') : Array.isArray(s.type) ? s.type : [s.type ?? ''];
  return types.map((t) => TYPE_NAMES[t] ?? t).join(' or ');
}

function toValidationError(error: ErrorObject): ValidationError {
  const field = fieldName(error);
  const found = describe(error.data);
  const schema = (error.parentSchema ?? {}) as {
    minLength?: number;
    maxLength?: number;
    patternHint?: string;
  };
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return fieldError(field, 'is required');
    case 'type':
    case 'anyOf':
      return fieldError(field, `must be ${expectedTypes(error.parentSchema)}, found ${found}`);
    case 'minLength':
    case 'maxLength': {
      const length = typeof error.data === 'string' ? [...error.data].length : 0;
      if (schema.minLength !== undefined && schema.maxLength !== undefined) {
        return fieldError(
          field,
          `must be ${schema.minLength} to ${schema.maxLength} characters long, found ${length}`,
        );
      }
      const bound =
        error.keyword === 'minLength' ? `at least ${String(p.limit)}` : `at most ${String(p.limit)}`;
      return fieldError(field, `must be ${bound} characters long, found ${length}`);
    }
    case 'pattern':
      return fieldError(
        field,
        `may contain only ${schema.patternHint ?? `text matching ${String(p.pattern)}`}, found ${found}`,
      );
    case 'enum':
      return fieldError(
        field,
        `must be one of ${(p.allowedValues as unknown[]).map((v) => `'${String(v)}'`).join(', ')}, found ${found}`,
      );
    case 'minimum':
    case 'maximum':
      return fieldError(
        field,
        `must be ${error.keyword === 'minimum' ? 'at least' : 'at most'} ${String(p.limit)}, found ${found}`,
      );
    case 'minItems':
    case 'maxItems':
      return fieldError(
        field,
        `must have ${error.keyword === 'minItems' ? 'at least' : 'at most'} ${String(p.limit)} items`,
      );
    default:
      return fieldError(field, `is not valid (${error.message ?? error.keyword}), found ${found}`);
  }
}

/**
 * How deeply `value` nests lists and objects (a scalar is 0), counted iteratively and given up past
 * `limit`: free-form fields (template variables) must not reach code that recurses (JSON.stringify).
 */
export function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null) continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > limit) return deepest;
    for (const item of Array.isArray(v) ? v : Object.values(v)) stack.push([item, depth + 1]);
  }
  return deepest;
}
