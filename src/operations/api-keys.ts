// API keys (SPEC §1.1, §1.6): the full key string exists only in the answer to its creation (the store
// keeps its SHA-256 hash and a short prefix), and a key never grants more endpoints than it holds.
import { isEndpointPermitted, isGrantWithin } from '../domain/endpoint-permissions.js';
import { apiException, fieldError } from '../domain/errors.js';
import type {
  AddApiKeyBody,
  ApiKeyResult,
  EditApiKeyBody,
  RemoveApiKeyBody,
  ViewApiKeysBody,
} from '../domain/schemas/api-keys.js';
import {
  DEFAULT_SENDING_SETTINGS,
  toSendingSettingsView,
  type SendingSettings,
} from '../domain/sending-settings.js';
import { API_KEY_INPUT_PATTERN, apiKeyPrefix, generateApiKey, hashApiKey } from '../security/api-key.js';
import { shortId } from '../security/ids.js';
import type { ApiKeyRecord } from '../store/repositories/api-keys.js';
import { actingAccount, isAccountOpen, nowIso, type Caller, type OperationsDeps } from './context.js';
import { applySenderSettings } from './sender-settings.js';
import { checkWithinBounds, inheritBounds, touchedFields } from '../domain/settings-bounds.js';

export interface NewApiKey {
  key: string;
  record: ApiKeyRecord;
}

/** Stores a new key of `accountId` (no permission checks: the API and CLI make those first). */
export async function createApiKey(
  deps: OperationsDeps,
  accountId: string,
  options: { description?: string; endpoints?: string[]; settings?: SendingSettings } = {},
): Promise<NewApiKey> {
  const key = generateApiKey();
  const record: ApiKeyRecord = {
    id: shortId(10),
    accountId,
    keyHash: hashApiKey(key),
    keyPrefix: apiKeyPrefix(key),
    description: options.description ?? '',
    endpoints: options.endpoints ?? ['*'],
    settings: options.settings ?? { ...DEFAULT_SENDING_SETTINGS },
    createdAt: nowIso(),
  };
  await deps.repos.apiKeys.insert(record);
  deps.logger.info({ account: accountId, key: record.keyPrefix, id: record.id }, 'API key created');
  return { key, record };
}

/** What the calling key may hand out: its own patterns, within the endpoints the API serves. */
export interface Grant {
  /** The calling key's endpoint patterns. */
  held: readonly string[];
  /** Every endpoint path the API serves. */
  known: readonly string[];
  /** The calling key's sending settings, which bound those it gives (SPEC §10); null from the CLI. */
  settings?: SendingSettings | null;
}

const KEY_LENGTH = 'api-'.length + 32;

/** The key as listings show it: its stored prefix, the rest masked (SMTP2GO masks with asterisks too). */
export function maskedKey(prefix: string): string {
  return prefix + '*'.repeat(Math.max(KEY_LENGTH - prefix.length, 0));
}

export function toApiKeyResult(
  key: ApiKeyRecord,
  accountOpen: boolean,
  fullKey: string | null,
): ApiKeyResult {
  return {
    id: key.id,
    api_key: fullKey ?? maskedKey(key.keyPrefix),
    description: key.description,
    endpoints: key.endpoints,
    created_at: key.createdAt,
    ...toSendingSettingsView(key.settings, accountOpen),
  };
}

function quoted(value: string): string {
  return `'${JSON.stringify(value).slice(1, -1)}'`;
}

/**
 * Checks a requested endpoint list and returns it without repeats. Each pattern must be "*" or a path
 * starting with "/" that reaches at least one real endpoint, and lie within what the caller holds.
 */
export function checkEndpoints(wanted: readonly string[], grant: Grant): string[] {
  const unique = [...new Set(wanted)];
  for (const pattern of unique) {
    if (pattern !== '*' && !pattern.startsWith('/')) {
      throw fieldError('endpoints', `must list "*" or paths starting with "/", found ${quoted(pattern)}`);
    }
    if (!grant.known.some((endpoint) => isEndpointPermitted([pattern], endpoint))) {
      throw fieldError('endpoints', `lists ${quoted(pattern)}, which matches no endpoint of this API`);
    }
    if (!isGrantWithin(grant.held, [pattern])) {
      throw fieldError(
        'endpoints',
        `lists ${quoted(pattern)}, which is more than the calling API key holds (${grant.held.join(', ')})`,
      );
    }
  }
  return unique;
}

/** The endpoint paths a key holding `held` may grant: every served endpoint its patterns cover. */
export function grantableEndpoints(grant: Grant): string[] {
  return [...new Set(grant.known.filter((endpoint) => isEndpointPermitted(grant.held, endpoint)))];
}

/** SMTP2GO clients name keys by the full key string; answers echo only its prefix. */
const isFullKey = (id: string): boolean => API_KEY_INPUT_PATTERN.test(id);

const noSuchApiKey = (id: string) =>
  apiException(`No API key ${quoted(isFullKey(id) ? `${apiKeyPrefix(id)}…` : id)} in this account`);

/** A key of `accountId`, named by its short id or by the full key; another account's key is not found. */
async function lookUpKey(
  deps: OperationsDeps,
  accountId: string,
  id: string,
): Promise<ApiKeyRecord | undefined> {
  const key = isFullKey(id)
    ? await deps.repos.apiKeys.findByHash(hashApiKey(id))
    : await deps.repos.apiKeys.findInAccount(accountId, id);
  return key && key.accountId === accountId ? key : undefined;
}

async function findKey(deps: OperationsDeps, accountId: string, id: string): Promise<ApiKeyRecord> {
  const key = await lookUpKey(deps, accountId, id);
  if (!key) throw noSuchApiKey(id);
  return key;
}

/**
 * A key may change or remove only keys that hold no more than it does: otherwise a narrow key could
 * block or delete the keys that administer it.
 */
function checkMayManage(key: ApiKeyRecord, grant: Grant): void {
  if (!isGrantWithin(grant.held, key.endpoints)) {
    throw apiException(
      `The API key '${key.id}' holds endpoints the calling API key does not hold, ` +
        'so it cannot change or remove it',
    );
  }
}

export async function addApiKey(
  deps: OperationsDeps,
  caller: Caller,
  body: AddApiKeyBody,
  grant: Grant,
): Promise<ApiKeyResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const endpoints = checkEndpoints(body.endpoints ?? grant.held, grant);
  const bound = grant.settings ?? null;
  const base = bound ? inheritBounds(DEFAULT_SENDING_SETTINGS, bound) : null;
  const { settings, logWarnings } = applySenderSettings(deps, account.id, body, base);
  if (bound) checkWithinBounds(settings, bound, { status: true, rate: true, audit: true }, body);
  const { key, record } = await createApiKey(deps, account.id, {
    description: body.description ?? '',
    endpoints,
    settings,
  });
  logWarnings({ key: record.id });
  return toApiKeyResult(record, isAccountOpen(account), key);
}

export async function viewApiKeys(
  deps: OperationsDeps,
  caller: Caller,
  body: ViewApiKeysBody,
): Promise<ApiKeyResult[]> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const open = isAccountOpen(account);
  if (body.id !== undefined && body.id !== '') {
    const key = await lookUpKey(deps, account.id, body.id);
    return key ? [toApiKeyResult(key, open, null)] : [];
  }
  const search = (body.search ?? '').trim().toLowerCase();
  const keys = await deps.repos.apiKeys.listInAccount(account.id);
  return keys
    .filter((k) => search === '' || k.description.toLowerCase().includes(search) || k.id.includes(search))
    .map((k) => toApiKeyResult(k, open, null));
}

export async function editApiKey(
  deps: OperationsDeps,
  caller: Caller,
  body: EditApiKeyBody,
  grant: Grant,
): Promise<ApiKeyResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const current = await findKey(deps, account.id, body.id);
  checkMayManage(current, grant);
  const endpoints = body.endpoints !== undefined ? checkEndpoints(body.endpoints, grant) : current.endpoints;
  const { settings, logWarnings } = applySenderSettings(deps, account.id, body, current.settings);
  if (grant.settings) checkWithinBounds(settings, grant.settings, touchedFields(body), body);
  const updated: ApiKeyRecord = {
    ...current,
    description: body.description !== undefined ? (body.description ?? '') : current.description,
    endpoints,
    settings,
  };
  if (!(await deps.repos.apiKeys.update(updated))) throw noSuchApiKey(body.id);
  logWarnings({ key: updated.id });
  deps.logger.info(
    { account: account.id, key: updated.keyPrefix, id: updated.id, by: caller.keyId },
    'API key edited',
  );
  return toApiKeyResult(updated, isAccountOpen(account), null);
}

/** A key may remove itself; the request that does so is its last. */
export async function removeApiKey(
  deps: OperationsDeps,
  caller: Caller,
  body: RemoveApiKeyBody,
  grant: Grant,
): Promise<ApiKeyResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const current = await findKey(deps, account.id, body.id);
  checkMayManage(current, grant);
  if (!(await deps.repos.apiKeys.remove(account.id, current.id))) throw noSuchApiKey(body.id);
  deps.logger.info(
    { account: account.id, key: current.keyPrefix, id: current.id, by: caller.keyId },
    'API key removed',
  );
  return toApiKeyResult(current, isAccountOpen(account), null);
}
