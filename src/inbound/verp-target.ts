// Turns an RCPT TO address of the inbound listener into the delivery it names (SPEC §6): the address
// must be at a return-path host and carry a VERP token whose MAC was made for one of the message's own
// recipients (its `processed` events). Anything else names nothing, and the listener refuses it.
import { parseVerpLocalPart, verpNamesRecipient } from '../sender-domains/verp.js';
import type { EventRow, EventsRepository } from '../store/repositories/events.js';
import type { ReturnPathHosts } from './return-path-hosts.js';

/** The one delivery (message and recipient) a VERP address stands for. */
export interface BounceTarget {
  emailId: string;
  accountId: string;
  /** The SMTP username (or API key id) that sent the message. */
  username: string;
  /** The customer's own envelope sender (before VERP). */
  sender: string;
  recipient: string;
  subject: string;
  /** When the message was accepted (its `processed` event). */
  acceptedAt: Date;
}

export type RcptVerdict =
  | { kind: 'verp'; target: BounceTarget }
  | { kind: 'postmaster'; host: string }
  | { kind: 'refused'; why: 'not-a-return-path-host' | 'not-verp' | 'unknown-token' };

export interface VerpTargetDeps {
  hosts: ReturnPathHosts;
  events: Pick<EventsRepository, 'processedOf'>;
  /** The VERP key (sharedSecret(db, VERP_SECRET_NAME)). */
  key: Buffer;
}

/** Splits at the last @; null for anything without a local part and a host. */
function splitAddress(address: string): { local: string; host: string } | null {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return null;
  return { local: address.slice(0, at), host: address.slice(at + 1) };
}

export async function judgeRecipient(deps: VerpTargetDeps, address: string): Promise<RcptVerdict> {
  const parts = splitAddress(address);
  if (!parts || !(await deps.hosts.includes(parts.host)))
    return { kind: 'refused', why: 'not-a-return-path-host' };
  // RFC 5321 §4.5.1: postmaster is case-insensitive and must be accepted.
  if (parts.local.toLowerCase() === 'postmaster') return { kind: 'postmaster', host: parts.host };
  const token = parseVerpLocalPart(parts.local);
  if (!token) return { kind: 'refused', why: 'not-verp' };
  const processed = await deps.events.processedOf(token.emailId);
  const event = processed.find((e: EventRow) => verpNamesRecipient(deps.key, token, e.recipient));
  if (!event) return { kind: 'refused', why: 'unknown-token' };
  return {
    kind: 'verp',
    target: {
      emailId: event.email_id,
      accountId: event.account_id,
      username: event.username,
      sender: event.sender,
      recipient: event.recipient,
      subject: event.subject,
      acceptedAt: new Date(event.date),
    },
  };
}
