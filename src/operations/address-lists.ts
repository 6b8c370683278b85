// Allowed senders and allowed recipients (SPEC §8 "Restrictions"), shared by the HTTP API and the CLI.
// Both lists work alike; they differ in SMTP2GO's field names and in how their state is given: senders
// carry a `mode` (whitelist, blacklist, disabled), recipients an `enabled` flag (a whitelist when true).
import { fieldError } from '../domain/errors.js';
import { normaliseListEntry } from '../domain/address-list.js';
import type { AllowedRecipientsResult, AllowedSendersResult } from '../domain/schemas/restrictions.js';
import type { AddressListMode, AddressListName } from '../store/repositories/address-lists.js';
import { actingAccount, type Caller, type OperationsDeps } from './context.js';

interface ListRequest {
  subaccount_id?: string;
}

/** Checks and normalises a request's entries; the first bad one is named. Duplicates are dropped. */
function entriesOf(field: string, values: string[]): string[] {
  const out = new Set<string>();
  values.forEach((value, index) => {
    const result = normaliseListEntry(value);
    if (!result.ok) throw fieldError(field, `entry ${index + 1} ${result.reason}`);
    out.add(result.value);
  });
  return [...out];
}

type Change =
  | { op: 'add'; values: string[]; mode?: AddressListMode }
  | { op: 'replace'; values: string[]; mode: AddressListMode }
  | { op: 'remove'; values: string[]; mode?: AddressListMode }
  | { op: 'view' };

async function changeList(
  deps: OperationsDeps,
  caller: Caller,
  body: ListRequest,
  list: AddressListName,
  field: string,
  change: Change,
) {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const repo = deps.repos.addressLists;
  if (change.op !== 'view') {
    const values = entriesOf(field, change.values);
    if (change.op === 'add') await repo.add(account.id, list, values, change.mode);
    else if (change.op === 'replace') await repo.replace(account.id, list, values, change.mode);
    else await repo.remove(account.id, list, values, change.mode);
    deps.logger.info(
      { account: account.id, list, op: change.op, entries: values.length, key: caller.keyId },
      'allowed list changed',
    );
  }
  return repo.get(account.id, list);
}

export type ListOp = 'view' | 'add' | 'update' | 'remove';

export interface SendersRequest extends ListRequest {
  allowed_senders?: string[];
  mode?: AddressListMode;
}

export async function allowedSenders(
  deps: OperationsDeps,
  caller: Caller,
  op: ListOp,
  body: SendersRequest,
): Promise<AllowedSendersResult> {
  const values = body.allowed_senders ?? [];
  const change: Change =
    op === 'view'
      ? { op: 'view' }
      : op === 'update'
        ? { op: 'replace', values, mode: body.mode ?? 'whitelist' }
        : { op, values };
  const list = await changeList(deps, caller, body, 'senders', 'allowed_senders', change);
  return { allowed_senders: list.entries, mode: list.mode };
}

export interface RecipientsRequest extends ListRequest {
  allowed_recipients?: string[];
  enabled?: boolean;
}

export async function allowedRecipients(
  deps: OperationsDeps,
  caller: Caller,
  op: ListOp,
  body: RecipientsRequest,
): Promise<AllowedRecipientsResult> {
  const values = body.allowed_recipients ?? [];
  const mode: AddressListMode | undefined =
    body.enabled === undefined ? undefined : body.enabled ? 'whitelist' : 'disabled';
  const change: Change =
    op === 'view'
      ? { op: 'view' }
      : op === 'update'
        ? { op: 'replace', values, mode: mode ?? 'disabled' }
        : { op, values, ...(mode !== undefined ? { mode } : {}) };
  const list = await changeList(deps, caller, body, 'recipients', 'allowed_recipients', change);
  return { allowed_recipients: list.entries, enabled: list.mode === 'whitelist' };
}
