// /v3/domain/* (SPEC §5): add (new DKIM keys, selectors), view, verify, remove, tracking, returnpath and
// subaccount_access, for the acting account. A domain belongs to one account in the whole installation.
import { apiException, fieldError } from '../domain/errors.js';
import type {
  AddDomainBody,
  DomainNameBody,
  DomainsResult,
  EditSubdomainBody,
  SenderDomain,
  SubaccountAccessBody,
  ViewDomainsBody,
} from '../domain/schemas/sender-domains.js';
import { shortId } from '../security/ids.js';
import { parseSenderDomain, parseSubdomainLabel } from '../sender-domains/domain-name.js';
import { subaccountsOf } from '../sender-domains/directory.js';
import { dkimRecordValue, newDkimKey, newEd25519Key, newSelector } from '../sender-domains/keys.js';
import { publicHost } from '../sender-domains/records.js';
import type { SenderDomainsService } from '../sender-domains/service.js';
import { isUniqueViolation } from '../store/database.js';
import type { SenderDomainRow } from '../store/repositories/sender-domains.js';
import { actingAccount, nowIso, type Caller, type OperationsDeps } from './context.js';

export function senderDomainsService(deps: OperationsDeps): SenderDomainsService {
  if (!deps.senderDomains) throw new Error('Sender domains are not set up on this node');
  return deps.senderDomains;
}

const taken = (domain: string, own: boolean) =>
  apiException(
    own
      ? `The domain '${domain}' is already a sender domain of this account`
      : `The domain '${domain}' is already a sender domain of another account`,
  );

export function toSenderDomain(row: SenderDomainRow, service: SenderDomainsService): SenderDomain {
  const parts = parseSenderDomain(row.domain);
  const tracking = parseSenderDomain(`${row.tracking_subdomain}.${row.domain}`);
  return {
    domain: {
      ...parts,
      dkim_selector: row.dkim_selector,
      dkim_verified: row.dkim_verified === 1,
      dkim_status: row.dkim_status,
      dkim_value: dkimRecordValue(row.dkim_public),
      dkim_ed25519_selector: row.ed25519_selector ?? '',
      dkim_ed25519_verified: row.ed25519_verified === 1,
      dkim_ed25519_status: row.ed25519_status,
      dkim_ed25519_value: row.ed25519_public === null ? '' : dkimRecordValue(row.ed25519_public, 'ed25519'),
      rpath_selector: row.rpath_selector,
      rpath_verified: row.rpath_verified === 1,
      rpath_status: row.rpath_status,
      rpath_value: service.targets.returnPathHost ?? '',
      setup_link: '',
      spf_status: row.spf_status,
      dmarc_status: row.dmarc_status,
    },
    trackers: [
      {
        fulldomain: tracking.fulldomain,
        subdomain: row.tracking_subdomain,
        domain: tracking.domain,
        suffix: tracking.suffix,
        cname_verified: row.tracking_verified === 1,
        cname_status: row.tracking_status,
        cname_value: publicHost(service.targets.publicUrl),
        enabled: row.tracking_enabled === 1,
      },
    ],
    subaccount_access: {
      subaccounts: subaccountsOf(row),
      future_subaccounts: row.future_subaccounts === 1,
    },
  };
}

/** The acting account's row of `domain`; another account's domain reads like an unknown one. */
async function ownDomain(deps: OperationsDeps, accountId: string, domain: string): Promise<SenderDomainRow> {
  const name = parseSenderDomain(domain).fulldomain;
  const row = await deps.repos.senderDomains.findByName(name);
  if (!row || row.account_id !== accountId)
    throw fieldError('domain', `must be a sender domain of this account, found '${name}'`);
  return row;
}

async function checkSubaccounts(
  deps: OperationsDeps,
  accountId: string,
  ids: readonly string[] | undefined,
): Promise<string[]> {
  const list = [...new Set(ids ?? [])];
  for (const id of list) {
    if (!(await deps.repos.accounts.findSubaccount(accountId, id)))
      throw fieldError('subaccounts', `must list subaccounts of this account, found '${id}'`);
  }
  return list;
}

/** Checks a domain's records now and stores what was found. */
export async function verifyRow(deps: OperationsDeps, row: SenderDomainRow): Promise<SenderDomainRow> {
  const service = senderDomainsService(deps);
  const check = await service.checker.check(row);
  await deps.repos.senderDomains.saveCheck(row.id, check);
  service.directory.forget();
  return { ...row, ...check };
}

export async function addDomain(
  deps: OperationsDeps,
  caller: Caller,
  body: AddDomainBody,
): Promise<DomainsResult> {
  const service = senderDomainsService(deps);
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const parts = parseSenderDomain(body.domain);
  const tracking = parseSubdomainLabel(body.tracking_subdomain ?? 'link', 'tracking_subdomain');
  const rpath =
    body.returnpath_subdomain === undefined || body.returnpath_subdomain === ''
      ? newSelector('em')
      : parseSubdomainLabel(body.returnpath_subdomain, 'returnpath_subdomain');
  const subaccounts = await checkSubaccounts(deps, account.id, body.subaccount_access?.subaccounts);
  const existing = await deps.repos.senderDomains.findByName(parts.fulldomain);
  if (existing) throw taken(parts.fulldomain, existing.account_id === account.id);
  const key = await newDkimKey(service.box, parts.fulldomain);
  // Always made (it costs microseconds); it signs only once its own record is published and verified.
  const ed25519 = await newEd25519Key(service.box, parts.fulldomain);
  let row: SenderDomainRow = {
    id: shortId(16),
    account_id: account.id,
    domain: parts.fulldomain,
    dkim_selector: newSelector('s'),
    dkim_private_sealed: key.sealed,
    dkim_public: key.publicKey,
    rpath_selector: rpath,
    tracking_subdomain: tracking,
    tracking_enabled: 1,
    dkim_verified: 0,
    dkim_status: 'Not checked yet',
    rpath_verified: 0,
    rpath_status: 'Not checked yet',
    tracking_verified: 0,
    tracking_status: 'Not checked yet',
    spf_status: '',
    dmarc_status: '',
    subaccounts: JSON.stringify(subaccounts),
    future_subaccounts: body.subaccount_access?.future_subaccounts ? 1 : 0,
    created_at: nowIso(),
    checked_at: null,
    ed25519_selector: newSelector('ed'),
    ed25519_private_sealed: ed25519.sealed,
    ed25519_public: ed25519.publicKey,
    ed25519_verified: 0,
    ed25519_status: 'Not checked yet',
  };
  try {
    await deps.repos.senderDomains.insert(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw taken(parts.fulldomain, false);
    throw err;
  }
  deps.logger.info({ account: account.id, domain: row.domain, key: caller.keyId }, 'sender domain added');
  service.directory.forget();
  if (body.auto_verify !== false) row = await verifyRow(deps, row);
  return { domains: [toSenderDomain(row, service)] };
}

export async function viewDomains(
  deps: OperationsDeps,
  caller: Caller,
  body: ViewDomainsBody,
): Promise<DomainsResult> {
  const service = senderDomainsService(deps);
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const filter = body.domain?.trim().toLowerCase();
  const rows = (await deps.repos.senderDomains.listForAccount(account.id)).filter(
    (r) => !filter || r.domain === filter,
  );
  return { domains: rows.map((r) => toSenderDomain(r, service)) };
}

export async function verifyDomain(
  deps: OperationsDeps,
  caller: Caller,
  body: DomainNameBody,
): Promise<DomainsResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const row = await verifyRow(deps, await ownDomain(deps, account.id, body.domain));
  return { domains: [toSenderDomain(row, senderDomainsService(deps))] };
}

export async function removeDomain(
  deps: OperationsDeps,
  caller: Caller,
  body: DomainNameBody,
): Promise<DomainsResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const row = await ownDomain(deps, account.id, body.domain);
  await deps.repos.senderDomains.remove(row.id);
  senderDomainsService(deps).directory.forget();
  deps.logger.info({ account: account.id, domain: row.domain, key: caller.keyId }, 'sender domain removed');
  return { domains: [] };
}

function checkOld(current: string, old: string | undefined): void {
  if (old !== undefined && old !== '' && old.toLowerCase() !== current)
    throw fieldError('old_subdomain', `must be the current subdomain '${current}', found '${old}'`);
}

/** /domain/tracking and /domain/returnpath: a new label (unverified until checked again). */
export async function editSubdomain(
  deps: OperationsDeps,
  caller: Caller,
  body: EditSubdomainBody,
  which: 'tracking' | 'rpath',
): Promise<DomainsResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  let row = await ownDomain(deps, account.id, body.domain);
  const current = which === 'tracking' ? row.tracking_subdomain : row.rpath_selector;
  checkOld(current, body.old_subdomain);
  const label =
    body.new_subdomain === undefined || body.new_subdomain === ''
      ? current
      : parseSubdomainLabel(body.new_subdomain, 'new_subdomain');
  const changes =
    which === 'tracking'
      ? {
          tracking_subdomain: label,
          ...(body.enabled === undefined ? {} : { tracking_enabled: body.enabled ? 1 : 0 }),
        }
      : { rpath_selector: label };
  await deps.repos.senderDomains.update(row.id, changes);
  row = await verifyRow(deps, { ...row, ...changes });
  return { domains: [toSenderDomain(row, senderDomainsService(deps))] };
}

export async function editSubaccountAccess(
  deps: OperationsDeps,
  caller: Caller,
  body: SubaccountAccessBody,
): Promise<DomainsResult> {
  const account = await actingAccount(deps, caller, body.subaccount_id);
  const row = await ownDomain(deps, account.id, body.domain);
  const changes = {
    ...(body.subaccounts === undefined
      ? {}
      : { subaccounts: JSON.stringify(await checkSubaccounts(deps, account.id, body.subaccounts)) }),
    ...(body.future_subaccounts === undefined ? {} : { future_subaccounts: body.future_subaccounts ? 1 : 0 }),
  };
  await deps.repos.senderDomains.update(row.id, changes);
  senderDomainsService(deps).directory.forget();
  return { domains: [toSenderDomain({ ...row, ...changes }, senderDomainsService(deps))] };
}
