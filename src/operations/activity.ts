// /v3/activity/search (SPEC §1.7): the acting account's events, newest first, filtered and paged; and
// the one shape an event is answered in (archive/view shows a message's events the same way).
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
import type { EventRow } from '../store/repositories/events.js';
import { actingAccount, type Caller, type OperationsDeps } from './context.js';
import { decodeContinueToken, pageOf } from './paging.js';

/** Columns that apply to some events only: answered where they are set, left out elsewhere. */
const OPTIONAL_FIELDS = ['reason', 'smtp_response', 'host', 'url', 'user_agent', 'ip'] as const;

export function toActivityEvent(row: EventRow): ActivityEvent {
  const event: ActivityEvent = {
    // Only record() writes this column, and it takes an EventName.
    event: row.event as EventName,
    date: row.date,
    email_id: row.email_id,
    username: row.username,
    sender: row.sender,
    recipient: row.recipient,
    subject: row.subject,
  };
  for (const field of OPTIONAL_FIELDS) {
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

export async function searchActivity(
  deps: OperationsDeps,
  caller: Caller,
  body: ActivitySearchBody,
): Promise<ActivitySearchResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const limit = body.limit ?? DEFAULT_SEARCH_LIMIT;
  const rows = await deps.repos.events.search({
    accountId: account.id,
    ...searchDateRange(body.start_date, body.end_date),
    username: filterValue(body.username),
    recipient: filterValue(body.search_recipient),
    sender: filterValue(body.search_sender),
    emailId: filterValue(body.email_id),
    events: body.event_types,
    beforeId: decodeIdCursor(body.continue_token),
    limit: limit + 1,
  });
  const page = pageOf(rows, limit, (row) => row.id);
  return { events: page.items.map(toActivityEvent), continue_token: page.next };
}
