// /v3/activity/search (SPEC §1.7): the acting account's events (or those of the subaccounts named),
// newest first, filtered and paged as SMTP2GO's; and the one shape an event is answered in (the archive
// shows a message's events the same way).
import { pickHeaders } from '../delivery/message-facts.js';
import { fieldError } from '../domain/errors.js';
import {
  DEFAULT_SEARCH_LIMIT,
  type ActivityEvent,
  type ActivitySearchBody,
  type ActivitySearchResult,
  type EventName,
} from '../domain/schemas/activity.js';
import { searchDateRange } from '../domain/search-dates.js';
import { isSortableId } from '../security/sortable-id.js';
import type { AccountRow } from '../store/repositories/accounts.js';
import type { ActivityQuery, ActivityRow } from '../store/repositories/activity-search.js';
import { actingAccount, type Caller, type OperationsDeps } from './context.js';
import { decodeContinueToken, pageOf } from './paging.js';

/** How events are answered beyond their own columns. */
export interface EventShape {
  /** The name of each account the events may belong to, by id. */
  accountNames: Map<string, string>;
  includeHeaders: boolean;
  customHeaders: readonly string[];
}

/** Petrel's own columns, answered where they are set (SMTP2GO has them in email_client / metadata). */
const PETREL_FIELDS = ['url', 'user_agent', 'ip'] as const;

function recipientsOf(json: string | null | undefined, recipient: string): string[] {
  try {
    const parsed = JSON.parse(json ?? '') as unknown;
    if (Array.isArray(parsed)) return parsed.filter((r): r is string => typeof r === 'string');
  } catch {
    // no header facts kept for this email (events recorded before them, or Petrel's own mail)
  }
  return [recipient];
}

export function toActivityEvent(row: ActivityRow, shape: EventShape): ActivityEvent {
  const headers = row.headers ?? '';
  const event: ActivityEvent = {
    // Only record() writes this column, and it takes an EventName.
    event: row.event as EventName,
    date: row.date,
    email_id: row.email_id,
    username: row.username,
    subaccount_name: shape.accountNames.get(row.account_id) ?? '',
    sender: row.sender,
    sender_full: row.from_full ?? '',
    from: row.from_address ?? '',
    recipient: row.recipient,
    recipients: recipientsOf(row.recipients, row.recipient),
    to: row.to_header ?? '',
    cc: row.cc_header ?? '',
    bcc: row.bcc_header ?? '',
    reply_to: row.reply_to ?? '',
    subject: row.subject,
    smtp_response: row.smtp_response ?? '',
    reason: row.reason ?? '',
    host: row.host ?? '',
    error: '',
    email_client:
      row.user_agent !== null || row.ip !== null ? { user_agent: row.user_agent, ip: row.ip } : {},
    metadata: row.url !== null ? { url: row.url } : {},
    outbound_ip: '',
    byte_size: row.byte_size === undefined || row.byte_size === null ? 0 : Number(row.byte_size),
    headers: shape.includeHeaders ? headers : '',
    custom_headers: pickHeaders(headers, shape.customHeaders),
  };
  for (const field of PETREL_FIELDS) {
    const value = row[field];
    if (value !== null) event[field] = value;
  }
  return event;
}

/** The id (or email id) a continue_token carries: both are sortable ids, and nothing else is accepted. */
export function decodeIdCursor(token: string | undefined): string | null {
  const after = decodeContinueToken(token);
  if (after !== null && !isSortableId(after)) {
    throw fieldError('continue_token', 'is not a continue_token this API gave out');
  }
  return after;
}

/** A blank filter is no filter: clients send "" for the fields they leave alone. */
export function filterValue(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** The accounts searched: the acting account, or the subaccounts of it that `subaccounts` names. */
async function searchedAccounts(
  deps: OperationsDeps,
  account: AccountRow,
  ids: string[] | undefined,
): Promise<AccountRow[]> {
  const wanted = (ids ?? []).map((id) => id.trim()).filter((id) => id !== '');
  if (wanted.length === 0) return [account];
  const found: AccountRow[] = [];
  for (const id of new Set(wanted)) {
    const sub = await deps.repos.accounts.findSubaccount(account.id, id);
    if (!sub) throw fieldError('subaccounts', `must list subaccounts of this account, found '${id}'`);
    found.push(sub);
  }
  return found;
}

function searchAlternatives(search: string | undefined): string[] {
  return (search ?? '')
    .split('|')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export async function searchActivity(
  deps: OperationsDeps,
  caller: Caller,
  body: ActivitySearchBody,
): Promise<ActivitySearchResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const accounts = await searchedAccounts(deps, account, body.subaccounts);
  const limit = body.limit ?? DEFAULT_SEARCH_LIMIT;
  const usernames = [
    ...(body.search_usernames ?? []),
    ...(body.username === undefined ? [] : [body.username]),
  ]
    .map((u) => u.trim().toLowerCase())
    .filter((u) => u !== '');
  const bySent = body.only_latest_by_sent === true;
  const query: ActivityQuery = {
    accountIds: accounts.map((a) => a.id),
    ...searchDateRange(body.start_date, body.end_date),
    search: searchAlternatives(body.search),
    emailId: filterValue(body.search_email_id) ?? filterValue(body.email_id),
    subject: filterValue(body.search_subject),
    sender: filterValue(body.search_sender),
    recipient: filterValue(body.search_recipient),
    usernames,
    events: body.event_types ?? [],
    latest: bySent || body.only_latest === true,
  };
  const beforeKey = decodeIdCursor(body.continue_token);
  const [rows, total] = await Promise.all([
    deps.repos.activity.search(query, { beforeKey, bySent, limit: limit + 1 }),
    deps.repos.activity.count(query),
  ]);
  const page = pageOf(rows, limit, (row) => (bySent ? row.email_id : row.id));
  const shape: EventShape = {
    accountNames: new Map(accounts.map((a) => [a.id, a.name])),
    includeHeaders: body.include_headers === true,
    customHeaders: body.custom_headers ?? [],
  };
  return {
    events: page.items.map((row) => toActivityEvent(row, shape)),
    total_events: total,
    continue_token: page.next,
  };
}
