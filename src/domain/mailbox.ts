// Mailboxes as the send API takes them ("Name <addr>", "<addr>" or a bare address) and as a message's
// To/Cc/Bcc/From headers carry them: parsed with nodemailer's address parser, then checked with the same
// address rule as audit_email, so delivery never sees an address the envelope could not carry.
import addressparser from 'nodemailer/lib/addressparser';
import { isValidEmailAddress, quoteFound } from './email-address.js';

export interface Mailbox {
  /** The display name, '' when there is none. */
  name: string;
  address: string;
}

export type MailboxResult = { ok: true; mailbox: Mailbox } | { ok: false; reason: string };
export type MailboxListResult = { ok: true; mailboxes: Mailbox[] } | { ok: false; reason: string };

const EXPECTED = 'must be an email address, optionally with a name ("Name <name@example.com>")';

/** Every address of a list, groups flattened; each must be a valid address. */
export function parseMailboxList(value: string): MailboxListResult {
  const mailboxes: Mailbox[] = [];
  for (const entry of addressparser(value, { flatten: true })) {
    const address = entry.address.trim();
    if (!isValidEmailAddress(address)) {
      return { ok: false, reason: `${EXPECTED}, found ${quoteFound(address || entry.name || value)}` };
    }
    mailboxes.push({ name: entry.name.trim(), address });
  }
  return { ok: true, mailboxes };
}

/** Exactly one mailbox: one entry of to[], cc[], bcc[], or the sender. */
export function parseMailbox(value: string): MailboxResult {
  const entries = addressparser(value, { flatten: true });
  const only = entries[0];
  if (entries.length !== 1 || only === undefined) {
    return {
      ok: false,
      reason:
        entries.length > 1
          ? `must hold one address, found ${entries.length} in ${quoteFound(value)}`
          : `${EXPECTED}, found ${quoteFound(value)}`,
    };
  }
  const address = only.address.trim();
  if (!isValidEmailAddress(address)) return { ok: false, reason: `${EXPECTED}, found ${quoteFound(value)}` };
  return { ok: true, mailbox: { name: only.name.trim(), address } };
}
