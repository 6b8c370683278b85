// What every account-facing operation needs: the repositories, the configured IP pools, a logger, and
// the account the caller acts as (its own, or one of its subaccounts via `subaccount_id`).
import type { Logger } from 'pino';
import type { IpPoolConfig } from '../config/settings.js';
import { fieldError } from '../domain/errors.js';
import type { Store } from '../store/database.js';
import type { AccountRow } from '../store/repositories/accounts.js';
import { repositories, type Repositories } from '../store/repositories/index.js';
import type { SenderDomainsService } from '../sender-domains/service.js';

/** Told when an SMTP user's credentials or settings change, so caches (SMTP AUTH) drop stale entries. */
export type SmtpUserChangeListener = (usernameLower: string) => void;

export interface OperationsDeps {
  store: Store;
  repos: Repositories;
  ipPools: IpPoolConfig[];
  logger: Logger;
  onSmtpUserChanged: SmtpUserChangeListener[];
  /** Sender domains (SPEC §5); set by the composition root once the secret box is loaded. */
  senderDomains?: SenderDomainsService;
}

export function createOperationsDeps(store: Store, ipPools: IpPoolConfig[], logger: Logger): OperationsDeps {
  return {
    store,
    repos: repositories(store.db, store.dialect, store.version),
    ipPools,
    logger,
    onSmtpUserChanged: [],
  };
}

/** Who is calling: the account that owns the API key (or the CLI's chosen account). */
export interface Caller {
  accountId: string;
  /** The API key's short id, for logs; null for the CLI. */
  keyId: string | null;
}

/**
 * The account a request acts inside. A `subaccount_id` must name a subaccount of the caller's account;
 * unknown, purged and foreign ids all get the same answer, so ids cannot be probed.
 */
export async function actingAccount(
  deps: OperationsDeps,
  caller: Caller,
  subaccountId: string | undefined,
): Promise<AccountRow> {
  if (subaccountId === undefined || subaccountId === '') {
    const own = await deps.repos.accounts.findById(caller.accountId);
    if (!own) throw fieldError('api_key', 'belongs to an account that no longer exists');
    return own;
  }
  const sub = await deps.repos.accounts.findSubaccount(caller.accountId, subaccountId);
  if (!sub)
    throw fieldError('subaccount_id', `does not name a subaccount of this account, found '${subaccountId}'`);
  return sub;
}

export function isAccountOpen(account: AccountRow): boolean {
  return account.state === 'active';
}

/** The IP pools an account may use: those granted to it by id, or to every account ("*"). */
export function poolsForAccount(pools: IpPoolConfig[], accountId: string): IpPoolConfig[] {
  return pools.filter((p) => p.accounts === '*' || p.accounts.includes(accountId));
}

/** Checks an `ip_pool` value; a pool of another account reads the same as one that does not exist. */
export function checkIpPool(deps: OperationsDeps, accountId: string, ipPool: number | null): void {
  if (ipPool === null) return;
  if (!poolsForAccount(deps.ipPools, accountId).some((p) => p.id === ipPool)) {
    throw fieldError(
      'ip_pool',
      `must be the id of an IP pool this account may use (see /v3/dedicated_ips/view), found ${ipPool}`,
    );
  }
}

export function nowIso(): string {
  return new Date().toISOString();
}
