// Access restrictions in the SMTP session (SPEC §8 "Restrictions", §2.2): IP-authenticated senders from
// the database, the account's SMTP IP allow list at AUTH (535), and allowed senders and recipients at
// MAIL FROM / RCPT TO (550 5.7.1). Every check reads the database afresh (one indexed query), so a change
// made through any node holds on every node at the next connection, login or command.
import type { AccountsRepository } from '../store/repositories/accounts.js';
import type { Repositories } from '../store/repositories/index.js';
import { addressKey } from '../domain/ip-network.js';
import { checkSender } from '../operations/sending-policy.js';
import { clientPermitted, recipientPermitted, senderPermitted } from '../operations/restriction-checks.js';
import { REPLIES, refusal } from './replies.js';
import type { Sender, SessionUser } from './session-state.js';

export type SmtpRestrictionRepos = Pick<Repositories, 'addressLists' | 'ipAllowLists' | 'ipAuth'>;

/** The prefix of an IP auth entry's rate-limit key, apart from SMTP users' and API keys' ids. */
const IP_AUTH_LIMITER_PREFIX = 'ipauth:';

/** The IP-authenticated identity the database gives `remoteAddress`, if any. */
export async function identifyByAddress(
  repos: SmtpRestrictionRepos,
  remoteAddress: string,
): Promise<SessionUser | null> {
  const key = addressKey(remoteAddress);
  if (key === null) return null;
  const entry = await repos.ipAuth.findForAddress(key);
  return entry ? { kind: 'ip', username: entry.network, userId: null, ipAuthId: entry.id } : null;
}

/**
 * The sender of a database IP auth identity as stored now; a removed entry (or one whose network no
 * longer holds the client) leaves the session unauthenticated: 530.
 */
export async function loadIpAuthSender(
  repos: SmtpRestrictionRepos,
  accounts: Pick<AccountsRepository, 'findById'>,
  ipAuthId: string,
  remoteAddress: string,
): Promise<Sender> {
  const entry = await repos.ipAuth.findById(ipAuthId);
  const key = addressKey(remoteAddress);
  if (!entry || key === null || !(entry.start <= key && key <= entry.end)) {
    throw refusal(REPLIES.authRequired());
  }
  const decision = await checkSender(accounts, {
    limiterKey: IP_AUTH_LIMITER_PREFIX + entry.id,
    accountId: entry.accountId,
    settings: entry.settings,
  });
  if (!decision.ok) {
    throw refusal(
      decision.refused === 'accountClosed'
        ? REPLIES.accountClosed(entry.network)
        : REPLIES.senderBlocked(entry.network),
    );
  }
  const policy = decision.sender;
  return {
    userId: IP_AUTH_LIMITER_PREFIX + entry.id,
    username: entry.network,
    accountId: entry.accountId,
    authenticated: false,
    sandbox: policy.sandbox,
    auditRecipients: policy.auditRecipients,
    rate: policy.rate,
    monthlyLimit: policy.monthlyLimit,
    settings: policy.settings,
  };
}

/** Whether the account's SMTP IP allow list lets its users log in from `remoteAddress`. */
export function loginPermitted(
  repos: SmtpRestrictionRepos,
  accountId: string,
  remoteAddress: string,
): Promise<boolean> {
  return clientPermitted(repos, accountId, 'smtp', remoteAddress);
}

export async function checkEnvelopeSender(
  repos: SmtpRestrictionRepos,
  sender: Sender,
  address: string,
): Promise<void> {
  if (!(await senderPermitted(repos, sender.accountId, address))) {
    throw refusal(REPLIES.senderNotAllowed(address));
  }
}

export async function checkEnvelopeRecipient(
  repos: SmtpRestrictionRepos,
  sender: Sender,
  address: string,
): Promise<void> {
  if (!(await recipientPermitted(repos, sender.accountId, address))) {
    throw refusal(REPLIES.recipientNotAllowed(address));
  }
}
