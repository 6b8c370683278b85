// Opaque continue tokens for keyset pagination: the sort key of the last item, base64url-encoded.
import { fieldError } from '../domain/errors.js';

export const DEFAULT_PAGE_SIZE = 100;

export function encodeContinueToken(after: string): string {
  return Buffer.from(JSON.stringify({ after }), 'utf8').toString('base64url');
}

export function decodeContinueToken(token: string | undefined, field = 'continue_token'): string | null {
  if (token === undefined || token === '') return null;
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    // A forged token may carry a NUL, which PostgreSQL text cannot hold: refuse it here, for every pager.
    if (typeof value.after === 'string' && !value.after.includes('\u0000')) return value.after;
  } catch {
    // fall through to the validation error
  }
  throw fieldError(field, 'is not a continue_token this API gave out');
}

/** Splits a page fetched with limit+1 rows into the page and the token for the next one. */
export function pageOf<T>(
  rows: T[],
  pageSize: number,
  keyOf: (row: T) => string,
): { items: T[]; next: string | null } {
  if (rows.length <= pageSize) return { items: rows, next: null };
  const items = rows.slice(0, pageSize);
  return { items, next: encodeContinueToken(keyOf(items[items.length - 1] as T)) };
}
