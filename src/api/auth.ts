// API key authentication (SPEC §1.1): the key may come in X-Smtp2go-Api-Key, Authorization: Bearer,
// or the body's api_key; it is looked up by its hash and must permit the endpoint being called.
import type { FastifyRequest } from 'fastify';
import { apiKeyInvalid, permissionDenied } from '../domain/errors.js';
import type { OperationsDeps } from '../operations/context.js';
import { API_KEY_INPUT_PATTERN, hashApiKey } from '../security/api-key.js';
import type { ApiKeyRecord } from '../store/repositories/api-keys.js';
import { isEndpointPermitted } from '../domain/endpoint-permissions.js';
import { checkApiClientNetwork } from './ip-allow.js';

/** The key in a header, if any: such a request is authenticated before its body is read (SPEC §10). */
export function headerKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-smtp2go-api-key'];
  if (typeof header === 'string' && header !== '') return header.trim();
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  return undefined;
}

function presentedKey(request: FastifyRequest): string | undefined {
  const inHeader = headerKey(request);
  if (inHeader !== undefined) return inHeader;
  const body = request.body as { api_key?: unknown } | undefined;
  if (body && typeof body === 'object' && typeof body.api_key === 'string') return body.api_key.trim();
  return undefined;
}

/** Returns the calling key, or throws 401 (no/unknown key) or 403 (endpoint not permitted). */
export async function authenticate(
  deps: OperationsDeps,
  request: FastifyRequest,
  endpoint: string,
): Promise<ApiKeyRecord> {
  const key = presentedKey(request);
  if (key === undefined || !API_KEY_INPUT_PATTERN.test(key)) throw apiKeyInvalid();
  const record = await deps.repos.apiKeys.findByHash(hashApiKey(key));
  if (!record) throw apiKeyInvalid();
  // A closed subaccount's keys stop working with it; the parent account's keys still manage it.
  const account = await deps.repos.accounts.findById(record.accountId);
  if (!account || account.state !== 'active') throw apiKeyInvalid();
  await checkApiClientNetwork(deps, record.accountId, request.ip);
  if (!isEndpointPermitted(record.endpoints, endpoint)) throw permissionDenied(endpoint);
  return record;
}
