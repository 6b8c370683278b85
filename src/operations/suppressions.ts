// The suppression list through the API, the CLI and the console (SPEC §8): add an address or a whole
// domain by hand, list every entry (automatic ones with their reason and time), and remove entries,
// which re-opens delivery; removing an unsubscribe records `resubscribed`.
import { isValidDomain, isValidEmailAddress, quoteFound } from '../domain/email-address.js';
import { fieldError } from '../domain/errors.js';
import { DEFAULT_SEARCH_LIMIT } from '../domain/schemas/activity.js';
import {
  SUPPRESSION_TYPES,
  type SuppressionAddBody,
  type SuppressionAddResult,
  type SuppressionEntry,
  type SuppressionRemoveBody,
  type SuppressionRemoveResult,
  type SuppressionType,
  type SuppressionViewBody,
  type SuppressionViewResult,
} from '../domain/schemas/suppressions.js';
import { searchDateRange } from '../domain/search-dates.js';
import type {
  StoredSuppressionReason,
  SuppressionListQuery,
  SuppressionRow,
} from '../store/repositories/suppressions.js';
import { actingAccount, type Caller, type OperationsDeps } from './context.js';
import { decodeContinueToken, encodeContinueToken } from './paging.js';

/** How each stored reason reads in SMTP2GO's vocabulary, and back. */
const TYPE_OF: Record<StoredSuppressionReason, SuppressionType> = {
  manual: 'manual',
  spam: 'spam',
  unsubscribed: 'unsubscribe',
  suppressed: 'bounce',
};
const STORED_AS: Record<SuppressionType, StoredSuppressionReason[]> = {
  manual: ['manual'],
  spam: ['spam'],
  unsubscribe: ['unsubscribed'],
  bounce: ['suppressed'],
  // Petrel records no compliance blocks of its own.
  compliance: [],
};

/** An address or a bare domain, lower-cased; anything else is refused naming `field`. */
export function suppressionTarget(value: string, field = 'email_address'): string {
  const target = value.trim().toLowerCase();
  const ok = target.includes('@') ? isValidEmailAddress(target) : isValidDomain(target);
  if (!ok)
    throw fieldError(
      field,
      `must be an email address or a domain such as example.net, found ${quoteFound(value)}`,
    );
  return target;
}

/** UTC, as SMTP2GO writes suppression times: 2006-01-02 15:04:05. */
function timestamp(iso: string): string {
  return iso.slice(0, 19).replace('T', ' ');
}

export function toSuppressionEntry(row: SuppressionRow): SuppressionEntry {
  return {
    email_address: row.recipient,
    reason: TYPE_OF[row.reason as StoredSuppressionReason] ?? 'manual',
    block_description: row.block_description ?? '',
    complaint: '',
    timestamp: timestamp(row.created_at),
    username: row.username,
    email_id: row.email_id,
  };
}

export async function addSuppression(
  deps: OperationsDeps,
  caller: Caller,
  body: SuppressionAddBody,
): Promise<SuppressionAddResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const target = suppressionTarget(body.email_address);
  const description = body.block_description?.trim() ?? '';
  const added = await deps.repos.suppressions.add({
    accountId: account.id,
    username: '',
    recipient: target,
    reason: 'manual',
    emailId: null,
    blockDescription: description,
  });
  return { added, email_address: target, block_description: description };
}

function offsetOf(token: string | undefined): number {
  const after = decodeContinueToken(token);
  if (after === null) return 0;
  const offset = Number(after);
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw fieldError('continue_token', 'is not a continue_token this API gave out');
  }
  return offset;
}

const texts = (...values: (string | string[] | undefined)[]) =>
  values
    .flat()
    .map((v) => v?.trim().toLowerCase() ?? '')
    .filter((v) => v !== '');

export async function viewSuppressions(
  deps: OperationsDeps,
  caller: Caller,
  body: SuppressionViewBody,
): Promise<SuppressionViewResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const limit = body.limit ?? DEFAULT_SEARCH_LIMIT;
  const offset = offsetOf(body.continue_token);
  const recipients = texts(body.recipient, body.recipients);
  const types = [
    ...(body.suppression_type ? [body.suppression_type] : []),
    ...(body.suppression_types ?? []),
  ];
  const query: SuppressionListQuery = {
    accountId: account.id,
    addresses: [...texts(body.email_address), ...(body.fuzzy ? [] : recipients)],
    contains: [...texts(body.wildcard), ...(body.fuzzy ? recipients : [])],
    // A type Petrel never records (compliance) matches nothing rather than everything.
    reasons: types.flatMap((t) => STORED_AS[t]),
    descriptions: texts(body.reason, body.reasons),
    ...searchDateRange(body.start_date, body.end_date),
    ascending: body.sort === 'asc',
    offset,
    limit: limit + 1,
  };
  if (types.length > 0 && query.reasons.length === 0) {
    return { results: [], total_results: 0, continue_token: null };
  }
  const [rows, total] = await Promise.all([
    deps.repos.suppressions.list(query),
    deps.repos.suppressions.count(query),
  ]);
  const more = rows.length > limit;
  return {
    results: rows.slice(0, limit).map(toSuppressionEntry),
    total_results: total,
    continue_token: more ? encodeContinueToken(String(offset + limit)) : null,
  };
}

export async function removeSuppression(
  deps: OperationsDeps,
  caller: Caller,
  body: SuppressionRemoveBody,
): Promise<SuppressionRemoveResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const target = suppressionTarget(body.email_address);
  const types = [...new Set(body.reasons ?? SUPPRESSION_TYPES)];
  const removed = await deps.repos.suppressions.remove(
    account.id,
    target,
    types.flatMap((t) => STORED_AS[t]),
  );
  const unsubscribes = removed.filter((row) => row.reason === 'unsubscribed');
  if (unsubscribes.length > 0) {
    await deps.repos.events.record(
      unsubscribes.map((row) => ({
        accountId: account.id,
        event: 'resubscribed' as const,
        emailId: row.email_id ?? '',
        username: row.username,
        sender: '',
        recipient: row.recipient,
        subject: '',
      })),
    );
  }
  const removedTypes = new Set(removed.map((row) => TYPE_OF[row.reason as StoredSuppressionReason]));
  // Without `reasons`: the kinds there were. With them: one answer per kind asked for.
  const answered = body.reasons === undefined ? [...removedTypes] : types;
  return {
    suppressions: answered.map((reason) => ({
      email_address: target,
      reason,
      removed: removedTypes.has(reason),
    })),
  };
}
