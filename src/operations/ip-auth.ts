// IP-authenticated senders managed through the API (SPEC §2.2, §8): `PATCH /ip_auth/edit` adds an entry
// or changes one (SMTP2GO has no add), each with the sending settings an SMTP user has. Entries of all
// accounts never overlap, so an address maps to exactly one sender. The configured PETREL_IP_AUTH map
// stays for bootstrapping and is consulted first.
import { apiException, fieldError } from '../domain/errors.js';
import type {
  IpAuthEditBody,
  IpAuthRemoveBody,
  IpAuthResult,
  IpAuthViewBody,
} from '../domain/schemas/restrictions.js';
import { toSendingSettingsView } from '../domain/sending-settings.js';
import { shortId } from '../security/ids.js';
import { isUniqueViolation } from '../store/database.js';
import type { IpAuthRecord } from '../store/repositories/ip-auth.js';
import { actingAccount, isAccountOpen, nowIso, type Caller, type OperationsDeps } from './context.js';
import { networkField } from './ip-allow-list.js';
import { applySenderSettings } from './sender-settings.js';

export function toIpAuthResult(entry: IpAuthRecord, accountOpen: boolean): IpAuthResult {
  return {
    ip_address: entry.network,
    description: entry.description,
    comments: entry.description,
    ...toSendingSettingsView(entry.settings, accountOpen),
  };
}

export async function viewIpAuth(
  deps: OperationsDeps,
  caller: Caller,
  body: IpAuthViewBody,
): Promise<IpAuthResult[]> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const open = isAccountOpen(account);
  if (body.ip_address !== undefined && body.ip_address !== '') {
    const network = networkField('ip_address', body.ip_address);
    const entry = await deps.repos.ipAuth.findInAccount(account.id, network.text);
    return entry ? [toIpAuthResult(entry, open)] : [];
  }
  const entries = await deps.repos.ipAuth.listInAccount(account.id);
  return entries.map((e) => toIpAuthResult(e, open));
}

export async function editIpAuth(
  deps: OperationsDeps,
  caller: Caller,
  body: IpAuthEditBody,
): Promise<{ result: IpAuthResult; added: boolean }> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const network = networkField('ip_address', body.ip_address);
  const current = await deps.repos.ipAuth.findInAccount(account.id, network.text);
  const { settings, logWarnings } = applySenderSettings(deps, account.id, body, current?.settings ?? null);
  const now = nowIso();
  if (current) {
    const updated: IpAuthRecord = {
      ...current,
      description: body.description ?? current.description,
      settings,
      updatedAt: now,
    };
    if (!(await deps.repos.ipAuth.update(updated)))
      throw apiException(`No IP auth entry '${network.text}' in this account`);
    logWarnings({ ip_auth: updated.network });
    deps.logger.info(
      { account: account.id, network: updated.network, key: caller.keyId },
      'IP auth entry edited',
    );
    return { result: toIpAuthResult(updated, isAccountOpen(account)), added: false };
  }
  const overlap = await deps.repos.ipAuth.findOverlap(network.start, network.end, null);
  if (overlap) {
    if (overlap.accountId === account.id) {
      throw fieldError(
        'ip_address',
        `overlaps the IP auth entry '${overlap.network}' of this account; edit or remove that entry instead, found '${network.text}'`,
      );
    }
    throw apiException(`'${network.text}' overlaps addresses that are IP-authenticated for another account`);
  }
  const entry: IpAuthRecord = {
    id: shortId(16),
    accountId: account.id,
    network: network.text,
    start: network.start,
    end: network.end,
    description: body.description ?? '',
    settings,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await deps.repos.ipAuth.insert(entry);
  } catch (err) {
    if (isUniqueViolation(err)) throw apiException(`'${network.text}' is already IP-authenticated`);
    throw err;
  }
  logWarnings({ ip_auth: entry.network });
  deps.logger.info({ account: account.id, network: entry.network, key: caller.keyId }, 'IP auth entry added');
  return { result: toIpAuthResult(entry, isAccountOpen(account)), added: true };
}

export async function removeIpAuth(
  deps: OperationsDeps,
  caller: Caller,
  body: IpAuthRemoveBody,
): Promise<IpAuthResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const network = networkField('ip_address', body.ip_address);
  const entry = await deps.repos.ipAuth.findInAccount(account.id, network.text);
  if (!entry || !(await deps.repos.ipAuth.remove(account.id, entry.id))) {
    throw apiException(`No IP auth entry '${network.text}' in this account`);
  }
  deps.logger.info(
    { account: account.id, network: entry.network, key: caller.keyId },
    'IP auth entry removed',
  );
  return toIpAuthResult(entry, isAccountOpen(account));
}
