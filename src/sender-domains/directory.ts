// Which sender domains an account may send from (SPEC §5): its own, plus those of its master account
// that grant it `subaccount_access`. Read at delivery and at the sender-policy check, so the answers
// are kept for a few seconds per account; changes made on this node are forgotten at once.
import type { KeyObject } from 'node:crypto';
import type { SecretBox } from '../security/secret-box.js';
import type { AccountsRepository } from '../store/repositories/accounts.js';
import type { SenderDomainRow, SenderDomainsRepository } from '../store/repositories/sender-domains.js';
import type { DkimAlgorithm } from './dkim-signer.js';
import { openDkimKey } from './keys.js';

const DEFAULT_TTL_MS = 10_000;

interface Cached {
  at: number;
  rows: Promise<SenderDomainRow[]>;
}

export class SenderDirectory {
  private readonly byAccount = new Map<string, Cached>();
  private readonly keys = new Map<string, { sealed: string; key: KeyObject }>();

  constructor(
    private readonly repos: {
      senderDomains: SenderDomainsRepository;
      accounts: Pick<AccountsRepository, 'findById'>;
    },
    private readonly box: SecretBox,
    private readonly ttlMs = DEFAULT_TTL_MS,
  ) {}

  /** Every domain the account may use (verified or not). */
  domainsFor(accountId: string): Promise<SenderDomainRow[]> {
    const cached = this.byAccount.get(accountId);
    if (cached && Date.now() - cached.at < this.ttlMs) return cached.rows;
    const rows = this.load(accountId);
    this.byAccount.set(accountId, { at: Date.now(), rows });
    rows.catch(() => this.byAccount.delete(accountId));
    return rows;
  }

  /** The most specific domain of the account that is `domain` or a parent of it; null when none. */
  async matching(accountId: string, domain: string): Promise<SenderDomainRow | null> {
    const name = domain.toLowerCase();
    let best: SenderDomainRow | null = null;
    for (const row of await this.domainsFor(accountId)) {
      if (
        (name === row.domain || name.endsWith(`.${row.domain}`)) &&
        (best === null || row.domain.length > best.domain.length)
      )
        best = row;
    }
    return best;
  }

  /** True when `domain` is covered by a verified (DKIM-verified) sender domain of the account. */
  async isVerified(accountId: string, domain: string): Promise<boolean> {
    const row = await this.matching(accountId, domain);
    return row !== null && row.dkim_verified === 1;
  }

  /** The opened private key of a domain (kept while its sealed form is unchanged). */
  privateKey(row: SenderDomainRow): KeyObject {
    return this.opened(`rsa:${row.id}`, row.domain, row.dkim_private_sealed, 'rsa');
  }

  /** The opened Ed25519 key of a domain; null when the domain has none. */
  ed25519Key(row: SenderDomainRow): KeyObject | null {
    if (row.ed25519_private_sealed === null) return null;
    return this.opened(`ed25519:${row.id}`, row.domain, row.ed25519_private_sealed, 'ed25519');
  }

  private opened(id: string, domain: string, sealed: string, algorithm: DkimAlgorithm): KeyObject {
    const known = this.keys.get(id);
    if (known?.sealed === sealed) return known.key;
    const key = openDkimKey(this.box, domain, sealed, algorithm);
    this.keys.set(id, { sealed, key });
    return key;
  }

  /** Drops what is known (of every account: a master's change reaches its subaccounts). */
  forget(): void {
    this.byAccount.clear();
  }

  private async load(accountId: string): Promise<SenderDomainRow[]> {
    const own = await this.repos.senderDomains.listForAccount(accountId);
    const account = await this.repos.accounts.findById(accountId);
    if (!account?.parent_id) return own;
    const shared = (await this.repos.senderDomains.listForAccount(account.parent_id)).filter(
      (row) => row.future_subaccounts === 1 || subaccountsOf(row).includes(accountId),
    );
    return [...own, ...shared];
  }
}

export function subaccountsOf(row: SenderDomainRow): string[] {
  try {
    const list: unknown = JSON.parse(row.subaccounts);
    return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
