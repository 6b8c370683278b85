// Shared by the API acceptance tests: checks of the SMTP2GO envelope and error rows (SPEC §1.2), the SMTP
// user record shape (§1.3), and a fixture that inserts subaccounts straight into the store.
import assert from 'node:assert/strict';
import type { ApiAnswer, TestNode } from '../helpers/node.js';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const CODES = {
  apiKeyInvalid: 'E_ApiResponseCodes.API_KEY_INVALID',
  permissionDenied: 'E_ApiResponseCodes.ENDPOINT_PERMISSION_DENIED',
  validation: 'E_ApiResponseCodes.NON_VALIDATING_IN_PAYLOAD',
  apiException: 'E_ApiResponseCodes.API_EXCEPTION',
  rateLimited: 'E_ApiResponseCodes.REQ_LIMIT_EXCEEDED',
  payloadTooLarge: 'E_ApiResponseCodes.PAYLOAD_TOO_LARGE',
  endpointNotFound: 'E_ApiResponseCodes.ENDPOINT_NOT_FOUND',
  internal: 'E_ApiResponseCodes.INTERNAL_ERROR',
} as const;

/** Every key of an SMTP user in an answer (SPEC §1.3), in no particular order. */
export const SMTP_USER_KEYS = [
  'username',
  'email_password',
  'sending_allowed',
  'status',
  'custom_ratelimit',
  'custom_ratelimit_value',
  'custom_ratelimit_period',
  'default_ratelimit_value',
  'default_ratelimit_period',
  'ippool',
  'description',
  'comments',
  'feedback_enabled',
  'feedback_domain',
  'feedback_html',
  'feedback_text',
  'open_tracking_enabled',
  'click_tracking_enabled',
  'archive_enabled',
  'audit_email',
  'bounce_notifications',
];

/** An SMTP user as the API answers it (SPEC §1.3); indexable so tables can name fields. */
export interface SmtpUser {
  [field: string]: unknown;
  username: string;
  email_password: string | null;
  sending_allowed: boolean;
  status: string;
  custom_ratelimit: boolean;
  custom_ratelimit_value: number | null;
  custom_ratelimit_period: string;
  ippool: number | null;
  description: string;
  comments: string;
  audit_email: string | null;
  bounce_notifications: string;
}

/** `data` of the answers that list SMTP users (add, view, POST edit, remove). */
export interface UsersData {
  results: SmtpUser[];
  default_ratelimit_value?: number;
  default_ratelimit_period?: string;
  continue_token?: string | null;
}

export interface ErrorData {
  error: string;
  error_code: string;
  field_validation_errors?: { fieldname: string; message: string };
}

/** `{request_id: <uuid>, data}` and nothing else, whatever the status. */
export function assertEnvelope(answer: ApiAnswer): void {
  assert.equal(typeof answer.body, 'object', `the answer is not JSON: ${String(answer.body).slice(0, 200)}`);
  assert.notEqual(answer.body, null);
  assert.deepEqual(Object.keys(answer.body).sort(), ['data', 'request_id']);
  assert.match(answer.body.request_id, UUID);
}

/** An error row of SPEC §1.2: the status, the code, and a human sentence. Returns `data`. */
export function assertError(answer: ApiAnswer, status: number, code: string): ErrorData {
  assertEnvelope(answer);
  assert.equal(
    answer.status,
    status,
    `expected ${status}, got ${answer.status}: ${JSON.stringify(answer.body)}`,
  );
  const data = answer.body.data as ErrorData;
  assert.equal(data.error_code, code);
  assert.equal(typeof data.error, 'string');
  assert.ok(data.error.length > 0, 'the error message is empty');
  return data;
}

/**
 * 400 NON_VALIDATING_IN_PAYLOAD naming `fieldname`; the message names the field and, when given,
 * contains what was found.
 */
export function assertFieldError(answer: ApiAnswer, fieldname: string, found?: string): void {
  const data = assertError(answer, 400, CODES.validation);
  assert.deepEqual(data.field_validation_errors, { fieldname, message: data.error });
  assert.ok(data.error.includes(fieldname), `the message does not name ${fieldname}: ${data.error}`);
  if (found !== undefined) {
    assert.ok(
      data.error.includes(found),
      `the message does not show what was found (${found}): ${data.error}`,
    );
  }
}

/** 400 API_EXCEPTION, with exactly `message` when given. */
export function assertApiException(answer: ApiAnswer, message?: string): void {
  const data = assertError(answer, 400, CODES.apiException);
  if (message !== undefined) assert.equal(data.error, message);
  assert.equal(data.field_validation_errors, undefined);
}

/** 200 with the envelope; returns `data`, typed as the caller expects it to be. */
export function assertOk<T = UsersData>(answer: ApiAnswer): T {
  assertEnvelope(answer);
  assert.equal(answer.status, 200, `expected 200, got ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body.data as T;
}

/** The one SMTP user of a `data.results` answer, checked to have exactly the keys of SPEC §1.3. */
export function onlyUser(answer: ApiAnswer): SmtpUser {
  const data = assertOk(answer);
  assert.ok(Array.isArray(data.results), `data.results is not a list: ${JSON.stringify(data)}`);
  assert.equal(data.results.length, 1, `expected one result, got ${JSON.stringify(data.results)}`);
  const user = data.results[0] as SmtpUser;
  assert.deepEqual(Object.keys(user).sort(), [...SMTP_USER_KEYS].sort());
  return user;
}

/** The password an answer returned, checked to be there. */
export function passwordOf(user: SmtpUser): string {
  assert.equal(typeof user.email_password, 'string', `no password in ${JSON.stringify(user)}`);
  return user.email_password as string;
}

/** Inserts a subaccount of the master account directly through the repositories. */
export async function insertSubaccount(node: TestNode, id: string, name = `Subaccount ${id}`): Promise<void> {
  await node.ops.repos.accounts.insert({
    id,
    parent_id: node.masterAccountId,
    name,
    email: null,
    monthly_limit: null,
    state: 'active',
    created_at: new Date().toISOString(),
    closed_at: null,
  });
}

/** Usernames unique within a test file: `<prefix>-<n>`. */
export function nameMaker(prefix: string): () => string {
  let n = 0;
  return () => `${prefix}-${++n}`;
}
