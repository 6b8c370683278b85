// API key strings: `api-` + 32 uppercase hex characters (128 random bits). Only a SHA-256 hash is stored.
import { createHash, randomBytes } from 'node:crypto';

/** What the API accepts on input (SPEC §1.1); keys are matched case-insensitively after this check. */
export const API_KEY_INPUT_PATTERN = /^api-[A-Za-z0-9]{32}$/;

export function generateApiKey(): string {
  return `api-${randomBytes(16).toString('hex').toUpperCase()}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key.toUpperCase().replace(/^API-/, 'api-')).digest('hex');
}

/** The part of a key safe to show in logs and listings. */
export function apiKeyPrefix(key: string): string {
  return key.slice(0, 8).toUpperCase().replace(/^API-/, 'api-');
}
