// The one catalogue of SMTP replies that Petrel's own policy sends (SPEC §2): each reply code, enhanced
// status code (RFC 3463) and text is written here once. The protocol library's own replies (syntax
// errors, 354, 221, ...) are its business.
import { notVerifiedText } from '../sender-domains/sender-policy.js';

export interface SmtpReply {
  code: number;
  /** Enhanced status code, e.g. "5.7.8". */
  enhanced: string;
  text: string;
  /** For a policy refusal of recipients: its `reason` label on petrel_smtp_recipients_rejected_total. */
  reason?: string;
}

function reply(code: number, enhanced: string, text: string, reason?: string): SmtpReply {
  return reason === undefined ? { code, enhanced, text } : { code, enhanced, text, reason };
}

export const REPLIES = {
  authRequired: (): SmtpReply => reply(530, '5.7.0', 'Authentication required', 'auth_required'),
  authInvalid: (): SmtpReply => reply(535, '5.7.8', 'Authentication credentials invalid'),
  authBackoff: (): SmtpReply =>
    reply(421, '4.7.0', 'Too many failed authentication attempts from your address; try again later'),
  tooManyConnections: (): SmtpReply =>
    reply(421, '4.7.0', 'Too many connections from your address; try again later'),
  tooManyAuthAttempts: (): SmtpReply =>
    reply(454, '4.7.0', 'Too many authentication attempts in progress from your address; try again later'),
  authUnavailable: (): SmtpReply => reply(454, '4.7.0', 'Temporary authentication failure; try again later'),
  senderNotVerified: (address: string, afterData: boolean): SmtpReply =>
    reply(afterData ? 554 : 550, '5.7.1', notVerifiedText(address), 'sender_not_verified'),
  senderBlocked: (username: string): SmtpReply =>
    reply(550, '5.7.1', `Sending is blocked for SMTP user '${username}'`, 'blocked'),
  accountClosed: (username: string): SmtpReply =>
    reply(
      550,
      '5.7.1',
      `Sending is not allowed for SMTP user '${username}': its subaccount is closed`,
      'account_closed',
    ),
  rateLimited: (username: string, limit: number, period: string): SmtpReply =>
    reply(
      451,
      '4.7.1',
      `Rate limit exceeded for SMTP user '${username}' (${limit} per ${period}); try again later`,
      'ratelimit',
    ),
  monthlyLimitReached: (username: string, limit: number): SmtpReply =>
    reply(
      452,
      '4.5.3',
      `Monthly limit of ${limit} emails reached for the account of SMTP user '${username}'; try again next month`,
      'monthly_limit',
    ),
  senderNotAllowed: (address: string): SmtpReply =>
    reply(550, '5.7.1', `Sender <${address}> is not allowed for this account`, 'sender_not_allowed'),
  recipientNotAllowed: (address: string): SmtpReply =>
    reply(550, '5.7.1', `Recipient <${address}> is not allowed for this account`, 'recipient_not_allowed'),
  messageTooLarge: (limitBytes: number): SmtpReply =>
    reply(552, '5.3.4', `Message exceeds the size limit of ${limitBytes} bytes`, 'size'),
  storageFull: (): SmtpReply => reply(452, '4.3.1', 'Insufficient system storage', 'storage'),
  localError: (): SmtpReply =>
    reply(451, '4.3.0', 'Local error while storing the message; try again later', 'local_error'),
  messageAccepted: (id: string): SmtpReply => reply(250, '2.0.0', `OK id=${id}`),
} as const;

/** The text after the reply code, as the protocol library is given it: "<enhanced> <text>". */
export function replyText(r: SmtpReply): string {
  return `${r.enhanced} ${r.text}`;
}

/** A refusal handed to a protocol-library callback; `responseCode` is what the library sends. */
export class SmtpReplyError extends Error {
  readonly responseCode: number;
  readonly reply: SmtpReply;
  constructor(r: SmtpReply) {
    super(replyText(r));
    this.name = 'SmtpReplyError';
    this.responseCode = r.code;
    this.reply = r;
  }
}

export function refusal(r: SmtpReply): SmtpReplyError {
  return new SmtpReplyError(r);
}

const ENHANCED_PREFIX = /^([245])\.\d{1,3}\.\d{1,3} /;

/**
 * True when `text` already starts with an enhanced status code of the same class as `code`: it came
 * from this catalogue and must go out as written, not with the library's generic mapping.
 */
export function carriesEnhancedCode(code: number, text: unknown): text is string {
  if (typeof text !== 'string') return false;
  const match = ENHANCED_PREFIX.exec(text);
  return match !== null && match[1] === String(code).charAt(0);
}
