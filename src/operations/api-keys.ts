// Creating API keys: the full key string exists only in the answer to its creation; the store keeps
// its SHA-256 hash and a short prefix.
import { DEFAULT_SENDING_SETTINGS, type SendingSettings } from '../domain/sending-settings.js';
import { apiKeyPrefix, generateApiKey, hashApiKey } from '../security/api-key.js';
import { shortId } from '../security/ids.js';
import type { ApiKeyRecord } from '../store/repositories/api-keys.js';
import { nowIso, type OperationsDeps } from './context.js';

export interface NewApiKey {
  key: string;
  record: ApiKeyRecord;
}

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
