// The per-sender checks every message goes through, whether it comes in by SMTP or by the HTTP send API
// (SPEC §2.3, §2.4, §1.6): a closed subaccount or a blocked sender may not send, sandbox mail is held,
// and each recipient counts against the sender's rolling rate limit and the account's monthly limit —
// audit copies too (SPEC §10): a message's audit copies are counted with its first recipient.
// The callers only word the outcomes (SMTP replies, API answers); the rules live here once.
import type { SendingSettings } from '../domain/sending-settings.js';
import { monthOf, rateWindow } from '../domain/rate-window.js';
import type { AccountsRepository } from '../store/repositories/accounts.js';
import type { Reservation, SendingLimitsRepository } from '../store/repositories/sending-limits.js';

/** Who is sending, as its own record says: an SMTP user, or an API key for email/send. */
export interface SenderSubject {
  /**
   * The rate limiter's counter key: an SMTP user's id, or `key:<id>` for an API key (see
   * apiKeyLimiterKey), so that the two kinds can never share a counter.
   */
  limiterKey: string;
  accountId: string;
  settings: SendingSettings;
}

export interface RateLimit {
  limit: number;
  periodSeconds: number;
  /** The period as the API shows it (canonical form, SPEC §1.9), for messages. */
  period: string;
}

/** What applies to one message of a sender that may send. */
export interface SenderPolicy {
  limiterKey: string;
  accountId: string;
  /** Held for viewing instead of delivered to the recipients; audit copies still go out (SPEC §2.3). */
  sandbox: boolean;
  /** The audit_email addresses: extra envelope recipients, counted with the message's first recipient. */
  auditRecipients: string[];
  rate: RateLimit | null;
  monthlyLimit: number | null;
  /** The settings as read now: the snapshot the message is delivered with. */
  settings: SendingSettings;
}

/** Why a sender may not send at all. */
export type SenderRefusal = 'accountClosed' | 'blocked';

export type SenderDecision = { ok: true; sender: SenderPolicy } | { ok: false; refused: SenderRefusal };

/** Which limit a recipient would exceed. */
export type LimitExceeded = 'rate' | 'monthly';

export type RecipientDecision =
  { ok: true; reservation: Reservation | null } | { ok: false; exceeded: LimitExceeded };

/** The limiter key of an API key's own rate limit. */
export function apiKeyLimiterKey(keyId: string): string {
  return `key:${keyId}`;
}

function auditRecipientsOf(settings: SendingSettings): string[] {
  return (settings.audit_email ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
}

function rateLimitOf(s: SendingSettings): RateLimit | null {
  if (!s.custom_ratelimit || s.custom_ratelimit_value === null || s.custom_ratelimit_seconds === null) {
    return null;
  }
  return {
    limit: s.custom_ratelimit_value,
    periodSeconds: s.custom_ratelimit_seconds,
    period: s.custom_ratelimit_period ?? `${s.custom_ratelimit_seconds}`,
  };
}

/**
 * Decides whether `subject` may send now, reading its account fresh (a subaccount closed a moment ago
 * stops its senders at once). The account is checked before the status, as SMTP always has.
 */
export async function checkSender(
  accounts: Pick<AccountsRepository, 'findById'>,
  subject: SenderSubject,
): Promise<SenderDecision> {
  const account = await accounts.findById(subject.accountId);
  if (!account || account.state !== 'active') return { ok: false, refused: 'accountClosed' };
  const s = subject.settings;
  if (s.status === 'blocked') return { ok: false, refused: 'blocked' };
  return {
    ok: true,
    sender: {
      limiterKey: subject.limiterKey,
      accountId: subject.accountId,
      sandbox: s.status === 'sandbox',
      auditRecipients: auditRecipientsOf(s),
      rate: rateLimitOf(s),
      monthlyLimit: account.monthly_limit,
      settings: s,
    },
  };
}

/**
 * How many recipients a message's next recipient counts for: itself, and the message's audit copies
 * when it is the first recipient counted for the message (every copy sent is one email, SPEC §10).
 */
export function recipientWeight(
  sender: Pick<SenderPolicy, 'auditRecipients'>,
  firstOfMessage: boolean,
): number {
  return firstOfMessage ? 1 + sender.auditRecipients.length : 1;
}

/**
 * Counts one recipient (`count` > 1: with its message's audit copies, see recipientWeight) against the
 * sender's rate limit and its account's monthly limit, in one transaction that holds across nodes
 * sharing the database. A sender without limits counts nothing (reservation null). A recipient that
 * is counted but whose message is never accepted must be given back with releaseRecipients.
 */
export async function reserveRecipient(
  limits: Pick<SendingLimitsRepository, 'reserveRecipient'>,
  sender: Pick<SenderPolicy, 'limiterKey' | 'accountId' | 'rate' | 'monthlyLimit'>,
  now: number = Date.now(),
  count = 1,
): Promise<RecipientDecision> {
  if (sender.rate === null && sender.monthlyLimit === null) return { ok: true, reservation: null };
  const result = await limits.reserveRecipient(
    sender.rate && {
      userId: sender.limiterKey,
      limit: sender.rate.limit,
      ...rateWindow(now, sender.rate.periodSeconds),
    },
    sender.monthlyLimit === null
      ? null
      : { accountId: sender.accountId, month: monthOf(now), limit: sender.monthlyLimit },
    count,
  );
  return result.ok ? { ok: true, reservation: result.reservation } : { ok: false, exceeded: result.exceeded };
}

/** Gives back what was counted for recipients of a message that was not accepted after all. */
export async function releaseRecipients(
  limits: Pick<SendingLimitsRepository, 'release'>,
  reservations: Reservation[],
): Promise<void> {
  if (reservations.length > 0) await limits.release(reservations);
}
