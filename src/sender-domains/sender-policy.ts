// PETREL_SENDER_POLICY (SPEC §5): `any` lets every sender through; `verified` requires that an address's
// domain is (or is under) a verified sender domain of the account — its own or its master's with
// subaccount_access — or that the address is one of the account's verified single sender emails.
import type { SenderDomainsRepository } from '../store/repositories/sender-domains.js';
import type { SenderDirectory } from './directory.js';

export type SenderPolicyMode = 'any' | 'verified';

export class SenderPolicy {
  constructor(
    readonly mode: SenderPolicyMode,
    private readonly directory: Pick<SenderDirectory, 'isVerified'>,
    private readonly repo: Pick<SenderDomainsRepository, 'findSingleSender'>,
  ) {}

  /** True when `address` may be used as a sender by the account ('' — the null sender — always may). */
  async allows(accountId: string, address: string): Promise<boolean> {
    if (this.mode === 'any' || address === '') return true;
    const at = address.lastIndexOf('@');
    if (at <= 0) return false;
    if (await this.directory.isVerified(accountId, address.slice(at + 1))) return true;
    const single = await this.repo.findSingleSender(accountId, address);
    return single?.verified === 1;
  }
}

/** The sentence of every refusal (SMTP 550/554 5.7.1, email/send's field error). */
export const notVerifiedText = (address: string): string =>
  `Sender address <${address}> is not verified for this account`;
