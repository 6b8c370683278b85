// Who may do what in an SMTP session (SPEC §2.1–§2.4, §1.6): AUTH only where TLS policy allows it, IP
// authentication, the per-address AUTH back-off, and at MAIL FROM / RCPT TO the sender's status, its
// subaccount, its rate limit and the monthly limit, always read fresh from the database. Those sending
// rules live in operations/sending-policy.ts (shared with the HTTP send API); this file words them as replies.
import type { Logger } from 'pino';
import type { SMTPServerAddress, SMTPServerAuthentication, SMTPServerSession } from 'smtp-server';
import type { Config } from '../config/settings.js';
import { checkSender, recipientWeight, reserveRecipient } from '../operations/sending-policy.js';
import type { AccountsRepository } from '../store/repositories/accounts.js';
import type { SendingLimitsRepository } from '../store/repositories/sending-limits.js';
import type { SmtpUsersRepository } from '../store/repositories/smtp-users.js';
import type { SenderPolicy } from '../sender-domains/sender-policy.js';
import type { Authenticator } from './authenticator.js';
import type { ClientGuard } from './client-guard.js';
import { authNeedsTls, type IpAuthMap } from './client-address.js';
import { REPLIES, refusal } from './replies.js';
import {
  checkEnvelopeRecipient,
  checkEnvelopeSender,
  identifyByAddress,
  loadIpAuthSender,
  loginPermitted,
  type SmtpRestrictionRepos,
} from './restrictions.js';
import {
  sessionUser,
  stateOf,
  takePending,
  type Sender,
  type SessionState,
  type SessionUser,
} from './session-state.js';

export interface SessionPolicyDeps {
  config: Pick<Config, 'smtpAuthRequiresTls'>;
  logger: Logger;
  users: Pick<SmtpUsersRepository, 'findByLogin'>;
  accounts: Pick<AccountsRepository, 'findById'>;
  limits: SendingLimitsRepository;
  restrictions: SmtpRestrictionRepos;
  authenticator: Authenticator;
  /** Told of each refused login (wrong password, unknown user, delegation), for the metrics. */
  onAuthFailure?: () => void;
  /** The AUTH back-off, connections and AUTH attempts in progress per client address (SPEC §10). */
  guard: ClientGuard;
  ipAuth: IpAuthMap;
  /** PETREL_SENDER_POLICY (SPEC §5); absent: any sender. */
  senderPolicy?: Pick<SenderPolicy, 'allows'>;
}

export type { SmtpRestrictionRepos };
export type SessionPolicy = ReturnType<typeof createSessionPolicy>;

export function createSessionPolicy(deps: SessionPolicyDeps) {
  const { logger } = deps;

  /**
   * Run at connect and again once TLS is up (STARTTLS forgets the session's identity, RFC 3207): hides
   * and refuses AUTH while TLS is still required, and signs in an IP-authenticated client.
   */
  async function applyConnectionPolicy(session: SMTPServerSession): Promise<void> {
    const needsTls = !session.secure && authNeedsTls(deps.config.smtpAuthRequiresTls, session.remoteAddress);
    // Per-session list: the library then neither advertises nor accepts AUTH on this connection.
    session.disabledCommands = needsTls ? ['AUTH'] : undefined;
    if (!sessionUser(session) && !deps.ipAuth.isEmpty) {
      const username = deps.ipAuth.usernameFor(session.remoteAddress);
      if (username !== null) {
        const user: SessionUser = { kind: 'ip', username, userId: null };
        session.user = user;
      }
    }
    // The configured map bootstraps; entries managed through the API come next (SPEC §8).
    if (!sessionUser(session)) {
      const user = await identifyByAddress(deps.restrictions, session.remoteAddress);
      if (user) session.user = user;
    }
  }

  /** Gives back what an unfinished transaction counted (RSET, a new MAIL FROM, a dropped connection). */
  async function releasePending(state: SessionState): Promise<void> {
    const pending = takePending(state);
    if (pending.length === 0) return;
    try {
      await deps.limits.release(pending);
    } catch (err) {
      // Not giving back only makes the limits stricter for a while; never worth failing the session.
      logger.warn({ err }, 'could not give back the counts of an unfinished SMTP transaction');
    }
  }

  async function loadSender(session: SMTPServerSession, identity: SessionUser): Promise<Sender> {
    if (identity.ipAuthId !== undefined) {
      return loadIpAuthSender(deps.restrictions, deps.accounts, identity.ipAuthId, session.remoteAddress);
    }
    const user = await deps.users.findByLogin(identity.username);
    if (!user || (identity.userId !== null && user.id !== identity.userId)) {
      if (identity.kind === 'auth') {
        // The login no longer exists (removed, or removed and re-created): the client may log in anew.
        session.user = false;
      } else {
        logger.warn(
          { ip: session.remoteAddress, username: identity.username },
          'IP authentication names an SMTP user that does not exist',
        );
      }
      throw refusal(REPLIES.authRequired());
    }
    const decision = await checkSender(deps.accounts, {
      limiterKey: user.id,
      accountId: user.accountId,
      settings: user.settings,
    });
    if (!decision.ok) {
      throw refusal(
        decision.refused === 'accountClosed'
          ? REPLIES.accountClosed(user.username)
          : REPLIES.senderBlocked(user.username),
      );
    }
    const policy = decision.sender;
    return {
      userId: user.id,
      username: user.username,
      accountId: user.accountId,
      authenticated: identity.kind === 'auth',
      sandbox: policy.sandbox,
      auditRecipients: policy.auditRecipients,
      rate: policy.rate,
      monthlyLimit: policy.monthlyLimit,
      settings: policy.settings,
    };
  }

  /**
   * One login attempt. It counts against the address's back-off from its start, before the slow hash,
   * so parallel attempts cannot all be checked past the limit; a success is forgiven (SPEC §10).
   */
  async function checkLogin(
    auth: SMTPServerAuthentication,
    session: SMTPServerSession,
  ): Promise<SessionUser> {
    const ip = session.remoteAddress;
    const begun = await deps.guard.beginAuth(ip);
    if (begun === 'too-many') {
      logger.warn({ ip, session: session.id }, 'SMTP authentication refused: too many in progress');
      throw refusal(REPLIES.tooManyAuthAttempts());
    }
    if (begun === 'blocked') throw refusal(REPLIES.authBackoff());
    const { token } = begun;
    const username = auth.username ?? '';
    // RFC 4616 lets PLAIN ask to act as another identity (authzid); Petrel has no such delegation.
    const delegates =
      auth.method === 'PLAIN' &&
      auth.authzid &&
      auth.authcid &&
      auth.authzid.toLowerCase() !== auth.authcid.toLowerCase();
    let user;
    let outside;
    try {
      user = await deps.authenticator.authenticate(username, auth.password ?? '');
      // The account's SMTP IP allow list (SPEC §8): a login from elsewhere is answered as a wrong one.
      outside = user && !delegates && !(await loginPermitted(deps.restrictions, user.accountId, ip));
    } catch (err) {
      // The store could not answer: not the client's failure.
      await deps.guard.endAuth(ip, token, true);
      logger.error({ err, ip }, 'SMTP authentication could not be checked');
      throw refusal(REPLIES.authUnavailable());
    }
    if (outside)
      logger.warn({ ip, session: session.id }, 'SMTP login refused: address not on the SMTP IP allow list');
    if (!user || delegates || outside) {
      const blocked = await deps.guard.endAuth(ip, token, false);
      deps.onAuthFailure?.();
      // Neither the password nor whether the username exists is logged.
      logger.warn({ ip, session: session.id, method: auth.method, blocked }, 'SMTP authentication failed');
      // This failure itself is answered 535; the next attempt, or connection, from the address gets 421.
      throw refusal(REPLIES.authInvalid());
    }
    await deps.guard.endAuth(ip, token, true);
    return { kind: 'auth', username: user.username, userId: user.id };
  }

  /** Sessions whose connection the guard counted, and those already closed (the guard may answer late). */
  const counted = new WeakSet<SMTPServerSession>();
  const closed = new WeakSet<SMTPServerSession>();

  return {
    releasePending,

    async onConnect(session: SMTPServerSession): Promise<void> {
      const ip = session.remoteAddress;
      const admitted = await deps.guard.openConnection(ip);
      if (admitted === 'blocked') throw refusal(REPLIES.authBackoff());
      if (admitted === 'too-many') {
        logger.warn({ ip }, 'SMTP connection refused: too many from this address');
        throw refusal(REPLIES.tooManyConnections());
      }
      if (closed.has(session)) deps.guard.closeConnection(ip);
      else counted.add(session);
      await applyConnectionPolicy(session);
    },

    async onSecure(session: SMTPServerSession): Promise<void> {
      await applyConnectionPolicy(session);
    },

    /** The identity to store in `session.user`; throws the reply for a refused login. */
    async onAuth(auth: SMTPServerAuthentication, session: SMTPServerSession): Promise<SessionUser> {
      return checkLogin(auth, session);
    },

    async onMailFrom(session: SMTPServerSession, address?: SMTPServerAddress): Promise<void> {
      const state = stateOf(session);
      await releasePending(state);
      state.sender = null;
      const identity = sessionUser(session);
      if (!identity) throw refusal(REPLIES.authRequired());
      const sender = await loadSender(session, identity);
      const from = address?.address ?? '';
      if (deps.senderPolicy && !(await deps.senderPolicy.allows(sender.accountId, from)))
        throw refusal(REPLIES.senderNotVerified(from, false));
      await checkEnvelopeSender(deps.restrictions, sender, from);
      state.sender = sender;
    },

    async onRcptTo(address: SMTPServerAddress, session: SMTPServerSession): Promise<void> {
      const state = stateOf(session);
      const sender = state.sender;
      if (!sender) throw refusal(REPLIES.authRequired());
      // A repeated recipient replaces the earlier one in the envelope, so it is counted once.
      const lower = address.address.toLowerCase();
      if (session.envelope.rcptTo.some((r) => r.address.toLowerCase() === lower)) return;
      await checkEnvelopeRecipient(deps.restrictions, sender, address.address);
      // The message's audit copies are counted with its first accepted recipient (SPEC §10).
      const first = session.envelope.rcptTo.length === 0;
      const result = await reserveRecipient(
        deps.limits,
        {
          limiterKey: sender.userId,
          accountId: sender.accountId,
          rate: sender.rate,
          monthlyLimit: sender.monthlyLimit,
        },
        Date.now(),
        recipientWeight(sender, first),
      );
      if (!result.ok) {
        if (result.exceeded === 'rate' && sender.rate) {
          throw refusal(REPLIES.rateLimited(sender.username, sender.rate.limit, sender.rate.period));
        }
        throw refusal(REPLIES.monthlyLimitReached(sender.username, sender.monthlyLimit ?? 0));
      }
      if (result.reservation) state.pending.push(result.reservation);
    },

    onClose(session: SMTPServerSession): void {
      closed.add(session);
      if (counted.delete(session)) deps.guard.closeConnection(session.remoteAddress);
      const state = stateOf(session);
      // While the spool is taking the message, the DATA handler settles the counts itself.
      if (!state.inData) void releasePending(state);
    },
  };
}
