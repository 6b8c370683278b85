// The subaccount operations of SPEC §1.6: only a master account manages subaccounts, and a subaccount
// id that is unknown or not its own gets one answer (fieldname `id`), so ids cannot be probed.
import { isValidEmailAddress } from '../domain/email-address.js';
import { apiException, fieldError } from '../domain/errors.js';
import {
  DEFAULT_SUBACCOUNT_LIMIT,
  SEARCHABLE_STATES,
  type AddSubaccountBody,
  type EditSubaccountBody,
  type SearchSubaccountsBody,
  type SubaccountResult,
  type SubaccountSearchResult,
  type SubaccountStateBody,
} from '../domain/schemas/subaccounts.js';
import { normaliseUsername } from '../domain/username.js';
import { shortId } from '../security/ids.js';
import type { AccountRow, SubaccountCursor } from '../store/repositories/accounts.js';
import { actingAccount, nowIso, type Caller, type OperationsDeps } from './context.js';
import { DEFAULT_PAGE_SIZE, decodeContinueToken, pageOf } from './paging.js';

export function toSubaccountResult(account: AccountRow): SubaccountResult {
  const limit = account.monthly_limit ?? DEFAULT_SUBACCOUNT_LIMIT;
  return {
    id: account.id,
    name: account.name,
    fullname: account.name,
    email: account.email,
    limit,
    plan_size: limit,
    state: account.state === 'closed' ? 'closed' : 'active',
    created_at: account.created_at,
    closed_at: account.closed_at,
  };
}

/** The account acting on the request, which must be a master account (one with no parent). */
async function masterAccount(
  deps: OperationsDeps,
  caller: Caller,
  subaccountId: string | undefined,
): Promise<AccountRow> {
  const account = await actingAccount(deps, caller, subaccountId);
  if (account.parent_id !== null) {
    throw apiException(
      `Only the master account can manage subaccounts; account '${account.id}' is itself a subaccount`,
    );
  }
  return account;
}

/** A client-supplied value inside a message, quoted, with control characters escaped. */
function quoted(value: string): string {
  return `'${JSON.stringify(value).slice(1, -1)}'`;
}

const noSuchSubaccount = (id: string) =>
  fieldError('id', `does not name a subaccount of this account, found ${quoted(id)}`);

async function ownSubaccount(deps: OperationsDeps, master: AccountRow, id: string): Promise<AccountRow> {
  const sub = await deps.repos.accounts.findSubaccount(master.id, id);
  if (!sub) throw noSuchSubaccount(id);
  return sub;
}

function checkedFullname(value: string): string {
  const name = value.trim();
  if (name === '') throw fieldError('fullname', 'must not be blank');
  return name;
}

/** null for "no address" (blank or null); otherwise a valid address. */
function checkedEmail(value: string | null): string | null {
  const email = (value ?? '').trim();
  if (email === '') return null;
  if (!isValidEmailAddress(email)) {
    throw fieldError('subaccount_email', `must be a valid email address, found ${quoted(email)}`);
  }
  return email;
}

export async function addSubaccount(
  deps: OperationsDeps,
  caller: Caller,
  body: AddSubaccountBody,
): Promise<SubaccountResult> {
  const master = await masterAccount(deps, caller, body.subaccount_id);
  const row: AccountRow = {
    id: shortId(10),
    parent_id: master.id,
    name: checkedFullname(body.fullname),
    email: checkedEmail(body.subaccount_email ?? null),
    monthly_limit: body.limit ?? DEFAULT_SUBACCOUNT_LIMIT,
    state: 'active',
    created_at: nowIso(),
    closed_at: null,
  };
  await deps.repos.accounts.insert(row);
  deps.logger.info({ account: master.id, subaccount: row.id, key: caller.keyId }, 'subaccount added');
  return toSubaccountResult(row);
}

export async function editSubaccount(
  deps: OperationsDeps,
  caller: Caller,
  body: EditSubaccountBody,
): Promise<SubaccountResult> {
  const master = await masterAccount(deps, caller, body.subaccount_id);
  const current = await ownSubaccount(deps, master, body.id);
  const updated: AccountRow = {
    ...current,
    name: body.fullname !== undefined ? checkedFullname(body.fullname) : current.name,
    email: body.subaccount_email !== undefined ? checkedEmail(body.subaccount_email) : current.email,
    monthly_limit: body.limit ?? current.monthly_limit,
  };
  const changes = { name: updated.name, email: updated.email, monthly_limit: updated.monthly_limit };
  if (!(await deps.repos.accounts.updateSubaccount(master.id, current.id, changes)))
    throw noSuchSubaccount(body.id);
  deps.logger.info({ account: master.id, subaccount: current.id, key: caller.keyId }, 'subaccount edited');
  return toSubaccountResult(updated);
}

/** SMTP AUTH caches may hold a subaccount's users with its old state; tell them to drop those. */
async function notifyUsersOf(deps: OperationsDeps, accountId: string): Promise<void> {
  if (deps.onSmtpUserChanged.length === 0) return;
  let after: string | null = null;
  for (;;) {
    const users = await deps.repos.smtpUsers.listInAccount(accountId, after, 500);
    for (const user of users) {
      for (const listener of deps.onSmtpUserChanged) listener(normaliseUsername(user.username));
    }
    const last = users[users.length - 1];
    if (users.length < 500 || !last) return;
    after = normaliseUsername(last.username);
  }
}

async function changeState(
  deps: OperationsDeps,
  caller: Caller,
  body: SubaccountStateBody,
  to: 'active' | 'closed',
): Promise<SubaccountResult> {
  const master = await masterAccount(deps, caller, body.subaccount_id);
  const current = await ownSubaccount(deps, master, body.id);
  if (current.state === to) {
    throw apiException(`The subaccount '${current.id}' is already ${to === 'closed' ? 'closed' : 'open'}`);
  }
  const changes = { state: to, closed_at: to === 'closed' ? nowIso() : null };
  if (!(await deps.repos.accounts.updateSubaccount(master.id, current.id, changes)))
    throw noSuchSubaccount(body.id);
  await notifyUsersOf(deps, current.id);
  deps.logger.info(
    { account: master.id, subaccount: current.id, key: caller.keyId },
    to === 'closed' ? 'subaccount closed' : 'subaccount reopened',
  );
  return toSubaccountResult({ ...current, ...changes });
}

/** Its SMTP users stop sending and its own API keys stop working; the master's keys still manage it. */
export function closeSubaccount(deps: OperationsDeps, caller: Caller, body: SubaccountStateBody) {
  return changeState(deps, caller, body, 'closed');
}

export function reopenSubaccount(deps: OperationsDeps, caller: Caller, body: SubaccountStateBody) {
  return changeState(deps, caller, body, 'active');
}

function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((s) => s.trim()).filter((s) => s !== '');
}

/** `states`: null for "any state"; "all" anywhere in the list means any state. */
function statesFilter(value: string | string[] | undefined): string[] | null {
  const states = asList(value).map((s) => s.toLowerCase());
  for (const state of states) {
    if (!SEARCHABLE_STATES.includes(state)) {
      throw fieldError(
        'states',
        `must list only ${SEARCHABLE_STATES.map((s) => `'${s}'`).join(', ')}, found ${quoted(state)}`,
      );
    }
  }
  return states.length === 0 || states.includes('all') ? null : states;
}

function decodeCursor(token: string | undefined): SubaccountCursor | null {
  const after = decodeContinueToken(token);
  if (after === null) return null;
  try {
    const value = JSON.parse(after) as unknown;
    if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string')
      return { name: value[0], id: value[1] };
  } catch {
    // fall through to the validation error
  }
  throw fieldError('continue_token', 'is not a continue_token this API gave out');
}

export async function searchSubaccounts(
  deps: OperationsDeps,
  caller: Caller,
  body: SearchSubaccountsBody,
): Promise<SubaccountSearchResult> {
  const master = await masterAccount(deps, caller, body.subaccount_id);
  const filter = {
    terms: asList(body.search_terms),
    fuzzy: body.fuzzy_search ?? true,
    states: statesFilter(body.states),
  };
  const pageSize = body.page_size ?? DEFAULT_PAGE_SIZE;
  const rows = await deps.repos.accounts.searchSubaccounts(master.id, filter, {
    after: decodeCursor(body.continue_token),
    descending: body.sort_direction === 'desc',
    limit: pageSize + 1,
  });
  const page = pageOf(rows, pageSize, (a) => JSON.stringify([a.name, a.id]));
  return {
    subaccounts: page.items.map(toSubaccountResult),
    total_count: await deps.repos.accounts.countSubaccounts(master.id, filter),
    continue_token: page.next,
  };
}
