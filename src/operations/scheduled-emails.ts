// /email/scheduled/search and /email/scheduled/remove (SPEC §8): both read and change the control plane's
// index, so they work from any node; the node holding a removed message drops it when it comes due.
import { apiException } from '../domain/errors.js';
import {
  MAX_SCHEDULED_PAGE,
  type ScheduledEmail,
  type ScheduledRemoveBody,
  type ScheduledRemoveResult,
  type ScheduledSearchBody,
} from '../domain/schemas/scheduled-emails.js';
import { actingAccount, type Caller, type OperationsDeps } from './context.js';

/** ISO 8601 to the second, as the reference's examples write it. */
const toSecond = (iso: string) => iso.replace(/\.\d+Z$/, 'Z');

export async function searchScheduled(
  deps: OperationsDeps,
  caller: Caller,
  body: ScheduledSearchBody,
): Promise<ScheduledEmail[]> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const limit = body.limit ?? MAX_SCHEDULED_PAGE;
  const rows = await deps.repos.scheduledEmails.search({
    accountId: account.id,
    ...(body.schedule_id === undefined ? {} : { scheduleId: body.schedule_id }),
    ...(body.search_subject === undefined ? {} : { subject: body.search_subject }),
    ...(body.search_recipient === undefined ? {} : { recipient: body.search_recipient }),
    ...(body.search_sender === undefined ? {} : { sender: body.search_sender }),
    offset: ((body.page ?? 1) - 1) * limit,
    limit,
  });
  return rows.map((r) => ({
    schedule_id: r.schedule_id,
    schedule: toSecond(r.schedule_at),
    sender: r.sender,
    subject: r.subject,
    recipients: r.recipients,
    client_ip: r.client_ip,
  }));
}

export async function removeScheduled(
  deps: OperationsDeps,
  caller: Caller,
  body: ScheduledRemoveBody,
): Promise<ScheduledRemoveResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const id = body.schedule_id;
  const quoted = JSON.stringify(id).slice(1, -1);
  const outcome = await deps.repos.scheduledEmails.remove(account.id, id);
  switch (outcome) {
    case 'removed':
      deps.logger.info({ account: account.id, schedule: id }, 'scheduled email removed');
      return { schedule_id: id, removed: true };
    case 'sent':
      throw apiException(`The scheduled email '${quoted}' has already been sent; it cannot be removed`);
    case 'already-removed':
      throw apiException(`The scheduled email '${quoted}' has already been removed`);
    case 'unknown':
      // Another account's id reads the same as one that does not exist, so ids cannot be probed.
      throw apiException(`No scheduled email '${quoted}' in this account`);
  }
}
