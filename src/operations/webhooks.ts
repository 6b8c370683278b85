// Webhooks (SPEC §7): add, view, edit, remove, the recent calls of one, and a test call. The signing
// secret is made here, sealed before it is stored, and shown only in the answer that made it.
import { lookup } from 'node:dns/promises';
import type { Config } from '../config/settings.js';
import { apiException, fieldError } from '../domain/errors.js';
import type {
  AddWebhookBody,
  EditWebhookBody,
  ViewWebhooksBody,
  WebhookCallResult,
  WebhookIdBody,
  WebhookResult,
} from '../domain/schemas/webhooks.js';
import type { SecretBox } from '../security/secret-box.js';
import { loadSecretBox } from '../security/secrets-key.js';
import type { WebhookCallRow } from '../store/repositories/webhook-calls.js';
import type { WebhookFields, WebhookRecord } from '../store/repositories/webhooks.js';
import { checkWebhookUrl, refusalOf } from '../webhooks/destination.js';
import { newWebhookSecret } from '../webhooks/signature.js';
import { openAuthValue, sealAuthValue, sealWebhookSecret } from '../webhooks/sealing.js';
import { actingAccount, nowIso, type Caller, type OperationsDeps } from './context.js';

export interface WebhookContext {
  deps: OperationsDeps;
  box: SecretBox;
  allowPrivate: boolean;
}

// One SecretBox per configuration: the API and the dispatcher share the key file's one reading.
const boxes = new WeakMap<object, Promise<SecretBox>>();
export function secretBoxFor(config: Config): Promise<SecretBox> {
  let box = boxes.get(config);
  if (!box) {
    box = loadSecretBox(config);
    boxes.set(config, box);
  }
  return box;
}

/** Refuses a URL that is not http(s) or whose host is (or only resolves to) a non-public address. */
async function checkUrl(url: string, allowPrivate: boolean): Promise<string> {
  const checked = checkWebhookUrl(url, allowPrivate);
  if ('problem' in checked) throw fieldError('url', checked.problem);
  if (allowPrivate) return checked.url.toString();
  let addresses: { address: string }[] = [];
  try {
    addresses = await lookup(checked.url.hostname, { all: true });
  } catch {
    // Not resolvable yet (DNS still to be set up): every call checks the address again anyway.
  }
  const refusals = addresses.map((a) => refusalOf(a.address, false));
  if (addresses.length > 0 && refusals.every((r) => r !== null))
    throw fieldError(
      'url',
      `must not point at a non-public address: ${checked.url.hostname} resolves to ${refusals.join('; ')}`,
    );
  return checked.url.toString();
}

function checkAuth(type: string, value: string): void {
  if (type !== '' && value === '')
    throw fieldError('auth_header_value', `must be given when auth_header_type is '${type}'`);
}

export function toWebhookResult(ctx: WebhookContext, hook: WebhookRecord, secret?: string): WebhookResult {
  return {
    id: hook.id,
    url: hook.url,
    events: hook.events,
    sms_events: [],
    headers: hook.headers,
    usernames: hook.usernames,
    output_format: hook.outputFormat,
    auth_header_type: hook.authHeaderType,
    auth_header_value: openAuthValue(ctx.box, hook),
    ...(secret === undefined ? {} : { secret }),
  };
}

const unique = (list: string[] | undefined): string[] => [...new Set(list ?? [])];

export async function addWebhook(
  ctx: WebhookContext,
  caller: Caller,
  body: AddWebhookBody,
): Promise<WebhookResult> {
  const account = await actingAccount(ctx.deps, caller, body.subaccount_id);
  const url = await checkUrl(body.url, ctx.allowPrivate);
  const authType = body.auth_header_type ?? '';
  const authValue = body.auth_header_value ?? '';
  checkAuth(authType, authValue);
  const secret = newWebhookSecret();
  const now = nowIso();
  const hook = await ctx.deps.repos.webhooks.insert({
    accountId: account.id,
    url,
    events: unique(body.events),
    headers: unique(body.headers),
    usernames: unique(body.usernames),
    outputFormat: body.output_format ?? 'form',
    authHeaderType: authType,
    authHeaderValue: sealAuthValue(ctx.box, account.id, authType === '' ? '' : authValue),
    secret: sealWebhookSecret(ctx.box, account.id, secret),
    createdAt: now,
    updatedAt: now,
  });
  ctx.deps.logger.info({ account: account.id, webhook: hook.id }, 'webhook added');
  return toWebhookResult(ctx, hook, secret);
}

async function findWebhook(ctx: WebhookContext, accountId: string, id: number): Promise<WebhookRecord> {
  const hook = await ctx.deps.repos.webhooks.find(accountId, id);
  if (!hook) throw apiException(`No webhook with id ${id} in this account`);
  return hook;
}

export async function viewWebhooks(
  ctx: WebhookContext,
  caller: Caller,
  body: ViewWebhooksBody,
): Promise<WebhookResult[]> {
  const account = await actingAccount(ctx.deps, caller, body.subaccount_id);
  const hooks =
    body.id === undefined
      ? await ctx.deps.repos.webhooks.list(account.id)
      : [await findWebhook(ctx, account.id, body.id)];
  return hooks.map((h) => toWebhookResult(ctx, h));
}

export async function editWebhook(
  ctx: WebhookContext,
  caller: Caller,
  body: EditWebhookBody,
): Promise<WebhookResult> {
  const account = await actingAccount(ctx.deps, caller, body.subaccount_id);
  const hook = await findWebhook(ctx, account.id, body.id);
  const url = body.url === undefined ? hook.url : await checkUrl(body.url, ctx.allowPrivate);
  const authType = body.auth_header_type ?? hook.authHeaderType;
  const authValue =
    body.auth_header_value ?? (body.auth_header_type === '' ? '' : openAuthValue(ctx.box, hook));
  checkAuth(authType, authValue);
  const secret = body.rotate_secret === true ? newWebhookSecret() : undefined;
  const fields: WebhookFields = {
    ...hook,
    url,
    events: body.events === undefined ? hook.events : unique(body.events),
    headers: body.headers === undefined ? hook.headers : unique(body.headers),
    usernames: body.usernames === undefined ? hook.usernames : unique(body.usernames),
    outputFormat: body.output_format ?? hook.outputFormat,
    authHeaderType: authType,
    authHeaderValue: sealAuthValue(ctx.box, account.id, authType === '' ? '' : authValue),
    secret: secret === undefined ? hook.secret : sealWebhookSecret(ctx.box, account.id, secret),
    updatedAt: nowIso(),
  };
  await ctx.deps.repos.webhooks.update(hook.id, fields);
  ctx.deps.logger.info(
    { account: account.id, webhook: hook.id, rotated: secret !== undefined },
    'webhook edited',
  );
  return toWebhookResult(ctx, { ...fields, id: hook.id }, secret);
}

export async function removeWebhook(
  ctx: WebhookContext,
  caller: Caller,
  body: WebhookIdBody,
): Promise<WebhookResult> {
  const account = await actingAccount(ctx.deps, caller, body.subaccount_id);
  const hook = await findWebhook(ctx, account.id, body.id);
  await ctx.deps.repos.webhooks.remove(hook.id);
  ctx.deps.logger.info({ account: account.id, webhook: hook.id }, 'webhook removed');
  return toWebhookResult(ctx, hook);
}

function toCallResult(row: WebhookCallRow): WebhookCallResult {
  return {
    id: `msg_${row.id}`,
    event: row.event,
    state: row.state as WebhookCallResult['state'],
    attempts: row.attempts,
    status: row.last_status,
    answer: row.last_answer,
    created_at: row.created_at,
    last_attempt_at: row.last_attempt_at,
    next_attempt_at: row.state === 'pending' ? new Date(Number(row.next_attempt_at)).toISOString() : null,
  };
}

/** The newest 50 calls of a webhook, newest first. */
export async function webhookCalls(
  ctx: WebhookContext,
  caller: Caller,
  body: WebhookIdBody,
): Promise<WebhookCallResult[]> {
  const account = await actingAccount(ctx.deps, caller, body.subaccount_id);
  const hook = await findWebhook(ctx, account.id, body.id);
  return (await ctx.deps.repos.webhookCalls.recent(hook.id, 50)).map(toCallResult);
}

/** Queues a test event for the webhook (delivered, signed and retried like any other call). */
export async function sendTestCall(
  ctx: WebhookContext,
  caller: Caller,
  body: WebhookIdBody,
): Promise<WebhookCallResult> {
  const account = await actingAccount(ctx.deps, caller, body.subaccount_id);
  const hook = await findWebhook(ctx, account.id, body.id);
  const now = new Date().toISOString();
  const event = hook.events[0] ?? 'processed';
  const payload = {
    event,
    time: now,
    sendtime: now,
    email_id: 'test',
    sender: 'test@petrel.invalid',
    from: 'test@petrel.invalid',
    rcpt: 'recipient@petrel.invalid',
    recipients: ['recipient@petrel.invalid'],
    auth: 'test',
    subject: 'Petrel webhook test',
    test: 'true',
  };
  const id = await ctx.deps.repos.webhookCalls.insert(hook.id, account.id, event, JSON.stringify(payload));
  const [row] = (await ctx.deps.repos.webhookCalls.recent(hook.id, 50)).filter((r) => r.id === id);
  if (!row) throw apiException('The test call could not be queued');
  return toCallResult(row);
}
