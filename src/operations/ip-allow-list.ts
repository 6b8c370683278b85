// IP allow lists (SPEC §8 "Restrictions"), shared by the HTTP API and the CLI. Each account has two:
// 'smtp' (SMTP2GO's default: where its SMTP users may log in from) and 'api' (where its API keys work).
// Overlapping entries are refused rather than merged, so every entry stays exactly what was written.
import { apiException, fieldError } from '../domain/errors.js';
import { quoteFound } from '../domain/email-address.js';
import {
  addressKey,
  networkContains,
  networksOverlap,
  parseNetwork,
  type IpNetwork,
} from '../domain/ip-network.js';
import type {
  IpAllowAddBody,
  IpAllowEditBody,
  IpAllowEntryResult,
  IpAllowListBody,
  IpAllowRemoveBody,
  IpAllowViewBody,
  IpAllowViewResult,
} from '../domain/schemas/restrictions.js';
import { isUniqueViolation } from '../store/database.js';
import type { IpAllowEntry, IpAllowListType } from '../store/repositories/ip-allow-lists.js';
import { actingAccount, nowIso, type Caller, type OperationsDeps } from './context.js';

/** Parses a request's address or CIDR field, or throws the §1.2 error naming it. */
export function networkField(field: string, value: string): IpNetwork {
  const result = parseNetwork(value);
  if (!result.ok) throw fieldError(field, `${result.reason}, found ${quoteFound(value)}`);
  return result.network;
}

const typeOf = (body: { type?: IpAllowListType }): IpAllowListType => body.type ?? 'smtp';

const listName = (type: IpAllowListType) => `${type === 'api' ? 'API' : 'SMTP'} IP allow list`;

const view = (e: Pick<IpAllowEntry, 'network' | 'description'>): IpAllowEntryResult => ({
  ip_address: e.network,
  description: e.description,
});

/**
 * The API caller's own address must stay allowed by its own account's enabled 'api' list, or its next
 * request would be refused and only the CLI or a parent account could undo the change. `clientAddress`
 * is null for the CLI; a parent changing a subaccount's list is not locked out by it.
 */
function guardLockout(
  own: boolean,
  type: IpAllowListType,
  enabled: boolean,
  entries: Pick<IpAllowEntry, 'start' | 'end'>[],
  clientAddress: string | null,
): void {
  if (!own || type !== 'api' || !enabled || clientAddress === null) return;
  const key = addressKey(clientAddress);
  if (key !== null && entries.some((e) => networkContains(e, key))) return;
  throw apiException(
    `This change would stop the API keys of this account working from your own address (${clientAddress}); ` +
      'add it to the API IP allow list first',
  );
}

function refuseOverlap(list: IpAllowEntry[], network: IpNetwork, field: string, type: IpAllowListType): void {
  const same = list.find((e) => e.network === network.text);
  if (same) throw apiException(`'${network.text}' is already on the ${listName(type)}`);
  const overlapping = list.find((e) => networksOverlap(e, network));
  if (overlapping) {
    throw fieldError(
      field,
      `overlaps '${overlapping.network}', already on the ${listName(type)}; edit or remove that entry instead, found '${network.text}'`,
    );
  }
}

export async function setIpAllowListEnabled(
  deps: OperationsDeps,
  caller: Caller,
  body: IpAllowListBody,
  clientAddress: string | null,
): Promise<{ enabled: boolean }> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const type = typeOf(body);
  const list = await deps.repos.ipAllowLists.get(account.id, type);
  if (body.enabled === undefined) return { enabled: list.enabled };
  guardLockout(account.id === caller.accountId, type, body.enabled, list.entries, clientAddress);
  await deps.repos.ipAllowLists.setEnabled(account.id, type, body.enabled);
  deps.logger.info(
    { account: account.id, type, enabled: body.enabled, key: caller.keyId },
    'IP allow list switched',
  );
  return { enabled: body.enabled };
}

export async function viewIpAllowList(
  deps: OperationsDeps,
  caller: Caller,
  body: IpAllowViewBody,
): Promise<IpAllowViewResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const list = await deps.repos.ipAllowLists.get(account.id, typeOf(body));
  return { enabled: list.enabled, ip_addresses: list.entries.map(view) };
}

export async function addIpAllowEntry(
  deps: OperationsDeps,
  caller: Caller,
  body: IpAllowAddBody,
): Promise<IpAllowEntryResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const type = typeOf(body);
  const network = networkField('ip_address', body.ip_address);
  const list = await deps.repos.ipAllowLists.get(account.id, type);
  refuseOverlap(list.entries, network, 'ip_address', type);
  const entry: IpAllowEntry = {
    network: network.text,
    start: network.start,
    end: network.end,
    description: body.description ?? '',
  };
  try {
    await deps.repos.ipAllowLists.insert(account.id, type, entry, nowIso());
  } catch (err) {
    if (isUniqueViolation(err)) throw apiException(`'${network.text}' is already on the ${listName(type)}`);
    throw err;
  }
  deps.logger.info(
    { account: account.id, type, network: entry.network, key: caller.keyId },
    'IP allow entry added',
  );
  return view(entry);
}

async function existingEntry(deps: OperationsDeps, accountId: string, type: IpAllowListType, value: string) {
  const network = networkField('ip_address', value);
  const list = await deps.repos.ipAllowLists.get(accountId, type);
  const entry = list.entries.find((e) => e.network === network.text);
  if (!entry) throw apiException(`'${network.text}' is not on this account's ${listName(type)}`);
  return { list, entry };
}

export async function editIpAllowEntry(
  deps: OperationsDeps,
  caller: Caller,
  body: IpAllowEditBody,
  clientAddress: string | null,
): Promise<IpAllowEntryResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const type = typeOf(body);
  const { list, entry } = await existingEntry(deps, account.id, type, body.ip_address);
  let next: IpAllowEntry = { ...entry, description: body.description ?? entry.description };
  if (body.new_ip_address !== undefined) {
    const network = networkField('new_ip_address', body.new_ip_address);
    if (network.text !== entry.network) {
      refuseOverlap(
        list.entries.filter((e) => e !== entry),
        network,
        'new_ip_address',
        type,
      );
      next = { ...next, network: network.text, start: network.start, end: network.end };
    }
  }
  guardLockout(
    account.id === caller.accountId,
    type,
    list.enabled,
    [...list.entries.filter((e) => e !== entry), next],
    clientAddress,
  );
  if (!(await deps.repos.ipAllowLists.update(account.id, type, entry.network, next))) {
    throw apiException(`'${entry.network}' is not on this account's ${listName(type)}`);
  }
  deps.logger.info(
    { account: account.id, type, network: entry.network, now: next.network, key: caller.keyId },
    'IP allow entry edited',
  );
  return view(next);
}

export async function removeIpAllowEntry(
  deps: OperationsDeps,
  caller: Caller,
  body: IpAllowRemoveBody,
  clientAddress: string | null,
): Promise<IpAllowEntryResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const type = typeOf(body);
  const { list, entry } = await existingEntry(deps, account.id, type, body.ip_address);
  guardLockout(
    account.id === caller.accountId,
    type,
    list.enabled,
    list.entries.filter((e) => e !== entry),
    clientAddress,
  );
  if (!(await deps.repos.ipAllowLists.remove(account.id, type, entry.network))) {
    throw apiException(`'${entry.network}' is not on this account's ${listName(type)}`);
  }
  deps.logger.info(
    { account: account.id, type, network: entry.network, key: caller.keyId },
    'IP allow entry removed',
  );
  return view(entry);
}
