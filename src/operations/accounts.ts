// The master account: created once by `petrel init`, with its first API key.
import { apiException } from '../domain/errors.js';
import { shortId } from '../security/ids.js';
import { createApiKey } from './api-keys.js';
import { nowIso, type OperationsDeps } from './context.js';

export interface InitResult {
  account_id: string;
  api_key: string;
}

/** Creates the master account and its first key; refuses when a master account already exists. */
export async function createMasterAccount(deps: OperationsDeps, name: string): Promise<InitResult> {
  const existing = await deps.repos.accounts.findMaster();
  if (existing) {
    throw apiException(
      `A master account already exists (${existing.id}); use 'petrel apikey create' for another key`,
    );
  }
  const id = shortId(12);
  await deps.repos.accounts.insert({
    id,
    parent_id: null,
    name,
    email: null,
    monthly_limit: null,
    state: 'active',
    created_at: nowIso(),
    closed_at: null,
  });
  const { key } = await createApiKey(deps, id, { description: 'Created by petrel init', endpoints: ['*'] });
  return { account_id: id, api_key: key };
}
