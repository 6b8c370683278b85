// The checks that access restrictions add to the hot paths (SPEC §8 "Restrictions"): each is one indexed
// query, read fresh every time, so a change made on any node holds on every node at its next request.
import { matchKeys } from '../domain/address-list.js';
import { addressKey } from '../domain/ip-network.js';
import type { Repositories } from '../store/repositories/index.js';
import type { IpAllowListType } from '../store/repositories/ip-allow-lists.js';

type Repos = Pick<Repositories, 'addressLists' | 'ipAllowLists'>;

/** Whether the account may use `address` as its envelope sender (allowed senders, mode). */
export async function senderPermitted(repos: Repos, accountId: string, address: string): Promise<boolean> {
  const { mode, listed } = await repos.addressLists.check(accountId, 'senders', matchKeys(address));
  if (mode === 'whitelist') return listed;
  if (mode === 'blacklist') return !listed;
  return true;
}

/** Whether the account may send to `address` (allowed recipients, when enabled). */
export async function recipientPermitted(repos: Repos, accountId: string, address: string): Promise<boolean> {
  const { mode, listed } = await repos.addressLists.check(accountId, 'recipients', matchKeys(address));
  return mode !== 'whitelist' || listed;
}

/** Whether a client at `clientAddress` may use the account's API keys ('api') or SMTP logins ('smtp'). */
export async function clientPermitted(
  repos: Repos,
  accountId: string,
  type: IpAllowListType,
  clientAddress: string,
): Promise<boolean> {
  const key = addressKey(clientAddress);
  // A socket always has a parseable address; should it not, an enabled list cannot vouch for it.
  return repos.ipAllowLists.permits(accountId, type, key ?? 'none');
}
